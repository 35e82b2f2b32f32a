"""Executors run tasks. The search code only sees this interface, so a cluster engine (Ray)
plugs in beside the local ones without touching the scheduler."""

from __future__ import annotations

import contextlib
import os
import signal
from abc import ABC, abstractmethod
from concurrent.futures import Future

from joblib.externals.loky.process_executor import ProcessPoolExecutor

from forgeml.search._worker import Task, TaskResult, run_task, warm_up

# Each worker fits one model on one core: native thread pools would otherwise oversubscribe.
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")}


class Executor(ABC):
    """Runs :class:`Task` objects and returns futures of :class:`TaskResult`."""

    max_workers: int

    @abstractmethod
    def submit(self, task: Task) -> Future[TaskResult]: ...

    @abstractmethod
    def kill(self) -> None:
        """Stop every running task at once; their futures fail. The executor stays usable."""

    def worker_pids(self) -> list[int]:
        return []

    def shutdown(self) -> None:  # noqa: B027  (optional hook)
        """Release workers."""

    def abort(self) -> None:
        """Release workers at once, without waiting for them (the run failed; nothing is awaited)."""
        self.shutdown()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


class SerialExecutor(Executor):
    """Runs each task in the calling process when submitted. For tests and debugging."""

    max_workers = 1

    def submit(self, task: Task) -> Future[TaskResult]:
        fut: Future[TaskResult] = Future()
        try:
            fut.set_result(run_task(task))
        except BaseException as err:  # only reached with debug=True
            fut.set_exception(err)
        return fut

    def kill(self) -> None:
        return None


class ProcessExecutor(Executor):
    """A local pool of worker processes, started at once so imports overlap data preparation.

    It uses loky (shipped with joblib, a scikit-learn dependency): fresh interpreters, like
    ``spawn``, but the caller's ``__main__`` is not re-imported, so a three-line script without an
    ``if __name__ == "__main__"`` guard works.

    A worker that overruns its deadline or its memory share is killed with its pool, which is
    then rebuilt: the run goes on and the trial is recorded as failed.
    """

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=self.max_workers, env=_ONE_THREAD)
        for _ in range(self.max_workers):
            pool.submit(warm_up)
        return pool

    def submit(self, task: Task) -> Future[TaskResult]:
        return self._pool.submit(run_task, task)

    def worker_pids(self) -> list[int]:
        procs = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.pid is not None]

    def kill(self) -> None:
        old, self._pool = self._pool, self._new_pool()
        _end(old)

    def shutdown(self) -> None:
        # Running tasks are bounded by their deadlines; killing idle workers races loky's queue thread.
        self._pool.shutdown(wait=True, kill_workers=False)

    def abort(self) -> None:
        # A failed run: no result is awaited, so the workers (perhaps still importing) are ended now.
        _end(self._pool)


def _end(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's workers and let loky see them die (it fails their futures), then shut it
    down. Unlike ``shutdown(kill_workers=True)``, this does not race loky's queue-manager thread."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGKILL)
    for p in procs:
        p.join(timeout=10)
    pool.shutdown(wait=False)


def make_executor(kind: str, workers: int) -> Executor:
    """``process`` (default) or ``serial``."""
    return SerialExecutor() if kind == "serial" or workers < 1 else ProcessExecutor(workers)

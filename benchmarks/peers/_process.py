"""Run one runner in its own process group, pinned to a few cores, with a hard wall-clock kill,
while sampling the resident memory of its whole process tree.

The tree is whatever descends from the runner (loky/multiprocessing workers, H2O's JVM, ...).
Every process ever seen in it is remembered, so one that moved to another session or process
group (a JVM launched with ``setsid``) is still killed at the end.

Example:
    outcome = run_process(["python", "runner.py", ...], cwd=run_dir, hard_limit=240, n_cores=2)
    outcome.killed, outcome.peak_rss_mb, outcome.output_tail
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_INTERVAL_S = 0.2
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "LOKY_MAX_CPU_COUNT",
)


@dataclass
class Outcome:
    returncode: int | None
    killed: bool
    wall_seconds: float
    peak_rss_mb: float
    output_tail: str
    cores: list[int] | None


class TreeWatcher:
    """Samples the summed RSS of a process and its descendants every ``interval`` seconds in a
    background thread, keeping the peak and every process seen (pid and start time)."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            procs = [p for p in self._alive_seen()]
        total = 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
                self.seen.setdefault(p.pid, p.create_time())
        self.peak = max(self.peak, total)

    def _alive_seen(self) -> list[psutil.Process]:
        alive = []
        for pid, created in self.seen.items():
            with contextlib.suppress(psutil.Error):
                p = psutil.Process(pid)
                if p.create_time() == created:
                    alive.append(p)
        return alive

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreeWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def kill_all(self) -> None:
        """SIGKILL every process seen in the tree that is still alive (same pid, same start time)."""
        for p in self._alive_seen():
            with contextlib.suppress(psutil.Error):
                p.kill()

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def pick_cores(n: int) -> list[int] | None:
    """The first ``n`` cores this process may run on, or None when ``taskset`` is not available."""
    if shutil.which("taskset") is None or not hasattr(os, "sched_getaffinity"):
        return None
    return sorted(os.sched_getaffinity(0))[:n]


def thread_env(n: int) -> dict[str, str]:
    """The environment of a runner: the current one with every BLAS/OpenMP/joblib pool set to ``n``."""
    env = dict(os.environ)
    env.update({name: str(n) for name in THREAD_VARIABLES})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])


def run_process(cmd: list[str], cwd: Path, hard_limit: float, n_cores: int, log_path: Path) -> Outcome:
    """Run ``cmd`` in a new session (so the group can be killed), pinned to ``n_cores`` cores with
    ``taskset`` where available; SIGKILL the whole tree at ``hard_limit`` seconds."""
    cores = pick_cores(n_cores)
    full = ["taskset", "-c", ",".join(map(str, cores)), *cmd] if cores else cmd
    start = time.perf_counter()
    killed = False
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            full, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=thread_env(n_cores)
        )
        watcher = TreeWatcher(proc.pid)
        try:
            with watcher:
                try:
                    proc.wait(timeout=hard_limit)
                except subprocess.TimeoutExpired:
                    killed = True
                    kill_group(proc.pid)
                    watcher.kill_all()
                    proc.wait()
        finally:
            kill_group(proc.pid)  # stray workers left behind by a runner that exited
            watcher.kill_all()
    return Outcome(
        returncode=proc.returncode,
        killed=killed,
        wall_seconds=time.perf_counter() - start,
        peak_rss_mb=watcher.peak_mb,
        output_tail=tail(log_path),
        cores=cores,
    )

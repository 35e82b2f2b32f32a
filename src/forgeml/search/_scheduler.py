"""The scheduler owns the budget, the order of trials, parallelism and pruning.

It asks a proposer for configurations, runs their folds through an executor, scores each fold in
the parent (so any scorer works, callables included), prunes poor trials and keeps every
trial's out-of-fold predictions. With ``ordered=True`` (a trial count and no time limit) results
are processed in submission order, so the same seed gives the same leaderboard.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field

import numpy as np
import psutil

from forgeml.logging import get_logger
from forgeml.metrics import Scorer
from forgeml.models import get_family
from forgeml.search._budget import Budget
from forgeml.search._dataset import TrainingData
from forgeml.search._executors import Executor
from forgeml.search._pruner import FoldPruner
from forgeml.search._samplers import Proposal, Proposer
from forgeml.search._trial import TrialRecord
from forgeml.search._worker import Task, TaskResult

log = get_logger("search")
LIKELY_MEMBERS = 6  # trials the reserve for the final refit is sized for
MAX_SKIPS_IN_A_ROW = 25  # proposals that do not fit in memory before the search gives up


@dataclass
class _Running:
    trial_id: int
    fold: int
    hard_deadline: float | None


@dataclass
class _Active:
    record: TrialRecord
    todo: list[int] = field(default_factory=list)


@dataclass
class SearchSettings:
    max_trials: int | None = None
    ordered: bool = False
    seed: int = 0
    memory_per_worker: int | None = None
    debug: bool = False


class Scheduler:
    """Runs trials until the proposer is exhausted, ``max_trials`` is reached or time is up."""

    def __init__(
        self,
        *,
        data: TrainingData,
        data_dir: str,
        proposer: Proposer,
        executor: Executor,
        scorer: Scorer,
        budget: Budget,
        settings: SearchSettings,
        pruner: FoldPruner | None = None,
        on_trial: Callable[[TrialRecord], None] | None = None,
    ) -> None:
        self.data, self.data_dir, self.proposer = data, data_dir, proposer
        self.executor, self.scorer, self.budget = executor, scorer, budget
        self.settings, self.pruner, self.on_trial = settings, pruner, on_trial
        self.records: list[TrialRecord] = []
        self._active: dict[int, _Active] = {}
        self._pending: dict[Future[TaskResult], _Running] = {}
        self._exhausted = False
        self._proposer_done = False
        self._skips_in_a_row = 0
        self._n_folds = len(data.folds)
        # Once the final ensemble is known (see ``extend``), the reserve is sized for its members.
        self._members: list[TrialRecord] | None = None
        self._ensemble_seconds = 0.0

    # ---- main loop --------------------------------------------------------------------------
    def run(self) -> list[TrialRecord]:
        while True:
            self._fill()
            if not self._pending:
                break
            for fut in self._wait():
                self._handle(fut, self._pending.pop(fut))
            self._enforce_limits()
        for act in list(self._active.values()):
            self._finish(act.record, "failed", f"stopped by the time limit after {len(act.record.fold_scores)} folds")
        return self.records

    @property
    def exhausted(self) -> bool:
        """The proposer has nothing more to suggest."""
        return self._proposer_done

    def extend(self, members: list[TrialRecord], ensemble_seconds: float) -> float:
        """Size the reserve for the refit of ``members`` (the ensemble chosen so far) plus one
        newcomer, instead of the ``LIKELY_MEMBERS`` best trials; returns the search time this
        frees. ``run`` again then searches on in it."""
        self._members, self._ensemble_seconds = list(members), ensemble_seconds
        self._update_reserve()
        self._exhausted = self._proposer_done
        self._skips_in_a_row = 0
        return self.budget.search_left()

    def _wait(self) -> list[Future[TaskResult]]:
        futures = list(self._pending)
        if self.settings.ordered:
            wait(futures)
            return futures
        done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
        return [f for f in futures if f in done]

    def _fill(self) -> None:
        while len(self._pending) < self.executor.max_workers:
            task = self._next_fold() or self._start_trial()
            if task is None:
                return
            fut = self.executor.submit(task)
            hard = (
                None
                if task.deadline is None
                else task.deadline + max(5.0, 0.25 * (task.deadline - self.budget.clock.now()))
            )
            self._pending[fut] = _Running(task.trial_id, int(task.fold or 0), hard)

    # ---- starting work ------------------------------------------------------------------------
    def _time_for_more(self) -> bool:
        return self.budget.search_left() > 0.5

    def _rescuing(self) -> bool:
        """No model finished yet and the search time is up: let started trials finish their folds
        in what is left of the whole budget, rather than end with nothing."""
        return not any(r.status == "complete" for r in self.records) and self.budget.left() > 0.2

    def _next_fold(self) -> Task | None:
        if not (self._time_for_more() or self._rescuing()):
            return None
        for act in self._active.values():
            if act.todo:
                return self._task(act.record, act.todo.pop(0))
        return None

    def _start_trial(self) -> Task | None:
        s = self.settings
        while not self._exhausted and self._time_for_more():
            started = sum(r.status != "skipped" for r in self.records)
            if s.max_trials is not None and started >= s.max_trials:
                return None
            proposal = self.proposer.ask()
            if proposal is None:
                self._exhausted = self._proposer_done = True
                return None
            record = self._new_record(proposal)
            too_big = self._memory_problem(record) or self._time_problem(record)
            if too_big:
                self._finish(record, "skipped", too_big)
                self._skips_in_a_row += 1
                self._exhausted = self._skips_in_a_row >= MAX_SKIPS_IN_A_ROW
                continue
            self._skips_in_a_row = 0
            self._active[record.id] = _Active(record, list(range(1, self._n_folds)))
            return self._task(record, 0)
        return None

    def _new_record(self, p: Proposal) -> TrialRecord:
        r = TrialRecord(len(self.records), p.family, dict(p.params), p.source, p.feature_set, handle=p.handle)
        k = self.data.task.n_classes
        shape = (self.data.n_rows, k) if self.data.task.is_classification else (self.data.n_rows,)
        r.oof = np.full(shape, np.nan)
        self.records.append(r)
        return r

    def _memory_problem(self, r: TrialRecord) -> str | None:
        limit = self.settings.memory_per_worker
        if limit is None:
            return None
        fam = get_family(r.family)
        X, _ = self.data.view(fam.encoding, r.feature_set)
        n_train = len(self.data.folds[0][0])
        need = fam.estimate_memory(n_train, X.shape[1], r.params, self.data.task)
        if need > limit:
            return f"needs about {need / 2**20:.0f} MB, more than the {limit / 2**20:.0f} MB each worker may use"
        return None

    def _time_problem(self, r: TrialRecord) -> str | None:
        """Skip a configuration whose family's finished trials say it cannot finish in time."""
        if self.budget.limit is None:
            return None
        past = [
            t.fit_seconds + t.predict_seconds for t in self.records if t.family == r.family and t.status == "complete"
        ]
        if not past:
            return None
        expected = float(np.median(past)) / min(self.executor.max_workers, self._n_folds)
        left = self.budget.search_left()
        if expected > left:
            return f"expected to need about {expected:.1f} s with {max(0.0, left):.1f} s of search time left"
        return None

    def _task(self, r: TrialRecord, fold: int) -> Task:
        deadline = self.budget.search_deadline()
        if deadline is not None:
            now = self.budget.clock.now()
            share = self.budget.search_left() * 0.5 / math.ceil(self._n_folds / self.executor.max_workers)
            deadline = min(deadline, now + max(1.0, share))
            if deadline < now + 0.5:  # rescuing: a short slice of what is left of the whole budget
                deadline = now + max(0.5, self.budget.left() / self._n_folds)
        return Task(
            data_dir=self.data_dir,
            trial_id=r.id,
            family=r.family,
            params=r.params,
            seed=self.settings.seed,
            fold=fold,
            deadline=deadline,
            feature_set=r.feature_set,
            debug=self.settings.debug,
        )

    # ---- results ----------------------------------------------------------------------------------
    def _handle(self, fut: Future[TaskResult], run: _Running) -> None:
        record = self.records[run.trial_id]
        if record.status != "running":
            return
        try:
            res = fut.result()
        except Exception as err:
            if self.settings.debug:
                raise
            self._finish(record, "failed", f"worker stopped: {type(err).__name__}: {err}")
            return
        if res.error is not None or res.pred is None:
            self._finish(record, "failed", res.error or "no prediction")
            return
        _, va = self.data.folds[run.fold]
        try:
            score = self.scorer.score(self.data.y[va], res.pred)
        except Exception as err:
            self._finish(record, "failed", f"scoring fold {run.fold} failed: {err}")
            return
        assert record.oof is not None
        record.oof[va] = res.pred
        record.fold_scores[run.fold] = score
        record.fit_seconds += res.fit_seconds
        record.predict_seconds += res.predict_seconds
        record.n_predicted += res.n_predicted
        if res.best_iteration:
            record.best_iterations.append(res.best_iteration)
        if len(record.fold_scores) == self._n_folds:
            self._finish(record, "complete", None)
        elif self.pruner and record.source != "portfolio" and self.pruner.should_prune(record, self.records):
            self._finish(record, "pruned", f"pruned after {len(record.fold_scores)} folds (score {record.score:.4g})")

    def _finish(self, record: TrialRecord, status: str, reason: str | None) -> None:
        record.status = status
        record.error = reason
        self._active.pop(record.id, None)
        if status == "complete":
            self._update_reserve()
        else:
            record.oof = None
        log.debug("trial %s %s %s", record.name, status, reason or f"{record.score:.5g}")
        self.proposer.tell(record)
        if self.on_trial:
            self.on_trial(record)

    def _update_reserve(self) -> None:
        if self.budget.limit is None:
            return
        done = sorted(
            (r for r in self.records if r.status == "complete"),
            key=lambda r: r.score,
            reverse=self.scorer.greater_is_better,
        )[:LIKELY_MEMBERS]
        if self._members is not None:
            newcomers = sorted((r for r in done if r not in self._members), key=lambda r: -r.mean_fold_fit_seconds)
            done = self._members + newcomers[:1]
        k = self._n_folds
        # A refit sees k/(k-1) times the rows of a fold and 10% more rounds; members refit in parallel.
        each = [r.mean_fold_fit_seconds * k / max(1, k - 1) * 1.2 + 0.3 for r in done]  # + save and load
        refit = max(max(each, default=0.0), sum(each) / self.executor.max_workers)
        self.budget.reserve = min(1.5 + self._ensemble_seconds + refit, 0.35 * self.budget.limit)

    # ---- safety nets ------------------------------------------------------------------------------
    def _enforce_limits(self) -> None:
        if self.settings.ordered or not self._pending:
            return
        now = self.budget.clock.now()
        overdue = {r.trial_id for r in self._pending.values() if r.hard_deadline is not None and now > r.hard_deadline}
        heavy = self._memory_exceeded()
        if not overdue and not heavy:
            return
        self.executor.kill()
        for run in self._pending.values():
            record = self.records[run.trial_id]
            if record.status != "running":
                continue
            if run.trial_id in overdue:
                self._finish(record, "failed", "killed: fold overran its deadline")
            elif heavy:
                self._finish(record, "failed", f"killed: a worker used more than its memory share ({heavy})")
            else:
                self._active[record.id].todo.insert(0, run.fold)
        self._pending.clear()

    def _memory_exceeded(self) -> str | None:
        limit = self.settings.memory_per_worker
        if limit is None:
            return None
        for pid in self.executor.worker_pids():
            try:
                rss = psutil.Process(pid).memory_info().rss
            except psutil.Error:
                continue
            if rss > limit:
                return f"{rss / 2**20:.0f} MB > {limit / 2**20:.0f} MB"
        return None

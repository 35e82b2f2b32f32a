"""The scheduler: budget, trial count, pruning, failures as data, memory skips, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forgeml._clock import FakeClock
from forgeml.data import make_folds
from forgeml.metrics import get_scorer
from forgeml.models import TaskInfo, get_family
from forgeml.search import (
    Budget,
    Chain,
    FoldPruner,
    GridSearch,
    OptunaSearch,
    Portfolio,
    Scheduler,
    SearchSettings,
    SerialExecutor,
    TrainingData,
    TrialRecord,
    portfolio_order,
)


@pytest.fixture()
def data(tmp_path: Path) -> tuple[TrainingData, str]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    d = TrainingData(
        matrices={"native": X, "dense": X},
        categorical={"native": [], "dense": []},
        sources={"native": list("abcd"), "dense": list("abcd")},
        y=y,
        folds=make_folds(y, "binary", 3, 0),
        task=TaskInfo("binary", 2),
    )
    d.save(tmp_path / "data")
    return d, str(tmp_path / "data")


FAMS = ["lightgbm", "linear", "knn"]


def _scheduler(
    data: tuple[TrainingData, str],
    *,
    clock: FakeClock | None = None,
    limit: float | None = None,
    settings: SearchSettings | None = None,
    kind: str = "bayes",
    on_trial=None,
) -> Scheduler:
    fams = [get_family(f) for f in FAMS]
    scorer = get_scorer("roc_auc")
    strategy = GridSearch(fams) if kind == "grid" else OptunaSearch(fams, scorer, kind=kind, seed=0, top_k=2)
    clock = clock or FakeClock(0.0)
    return Scheduler(
        data=data[0],
        data_dir=data[1],
        proposer=Chain(Portfolio(portfolio_order(fams), scorer), strategy),
        executor=SerialExecutor(),
        scorer=scorer,
        budget=Budget(clock, clock.now(), limit),
        settings=settings or SearchSettings(max_trials=8, ordered=True),
        pruner=FoldPruner(scorer, min_peers=3),
        on_trial=on_trial,
    )


def test_runs_max_trials_and_keeps_out_of_fold_predictions(data: tuple[TrainingData, str]) -> None:
    records = _scheduler(data).run()
    assert sum(r.status != "skipped" for r in records) == 8
    complete = [r for r in records if r.status == "complete"]
    assert complete and all(r.oof is not None and not np.isnan(r.oof).any() for r in complete)
    assert max(r.score for r in complete) > 0.8
    assert [r.source for r in records[:3]] == ["portfolio"] * 3


def test_same_seed_gives_same_trials(data: tuple[TrainingData, str]) -> None:
    a = [(r.family, r.params, r.status, round(r.score, 10)) for r in _scheduler(data).run()]
    b = [(r.family, r.params, r.status, round(r.score, 10)) for r in _scheduler(data).run()]
    assert a == b


def test_stops_starting_trials_when_time_is_up(data: tuple[TrainingData, str]) -> None:
    clock = FakeClock(1000.0)
    seen: list[TrialRecord] = []

    def tick(r: TrialRecord) -> None:  # each trial "takes" 3 s of fake time
        seen.append(r)
        clock.advance(3.0)

    sched = _scheduler(data, clock=clock, limit=10.0, settings=SearchSettings(), on_trial=tick)
    records = sched.run()
    assert 1 <= len([r for r in records if r.status == "complete"]) <= 4
    assert clock.now() - 1000.0 <= 10.0 + 3.0


def test_failed_trial_is_recorded_not_raised(data: tuple[TrainingData, str]) -> None:
    sched = _scheduler(data, settings=SearchSettings(max_trials=2, ordered=True))
    sched.proposer.portfolio._queue.insert(0, ("lightgbm", {"num_leaves": -5}))  # type: ignore[attr-defined]
    records = sched.run()
    assert records[0].status == "failed" and records[0].error
    assert records[1].status == "complete"


def test_debug_re_raises_trial_errors(data: tuple[TrainingData, str]) -> None:
    sched = _scheduler(data, settings=SearchSettings(max_trials=1, ordered=True, debug=True))
    sched.proposer.portfolio._queue.insert(0, ("lightgbm", {"num_leaves": -5}))  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="num_leaves"):
        sched.run()


def test_configurations_that_do_not_fit_in_memory_are_skipped(data: tuple[TrainingData, str]) -> None:
    sched = _scheduler(data, settings=SearchSettings(max_trials=3, ordered=True, memory_per_worker=1000))
    records = sched.run()
    assert records and all(r.status == "skipped" for r in records)
    assert "more than the" in (records[0].error or "")


def test_grid_search_walks_the_grid(data: tuple[TrainingData, str]) -> None:
    records = _scheduler(data, kind="grid", settings=SearchSettings(max_trials=12, ordered=True)).run()
    grid = [r for r in records if r.source == "grid"]
    assert grid and len({(r.family, repr(sorted(r.params.items()))) for r in grid}) == len(grid)


def test_pruning_happens_in_search_phase(data: tuple[TrainingData, str]) -> None:
    records = _scheduler(data, kind="random", settings=SearchSettings(max_trials=25, ordered=True)).run()
    assert all(r.status != "pruned" for r in records if r.source == "portfolio")
    pruned = [r for r in records if r.status == "pruned"]
    assert pruned, "random search on three families should prune some poor trials"
    assert all(len(r.fold_scores) < 3 for r in pruned)


def test_extend_sizes_the_reserve_for_the_chosen_ensemble_and_the_search_goes_on(
    data: tuple[TrainingData, str],
) -> None:
    """During the search the reserve covers refitting the six best trials; once the ensemble is
    known (one member here) it covers that member plus one newcomer, and the freed time is searched."""
    sched = _scheduler(data, clock=FakeClock(0.0), limit=100.0, settings=SearchSettings(max_trials=8))
    for i in range(6):  # six finished trials of 4 s a fold (3 folds)
        scores = {0: 0.80 + i / 100, 1: 0.8, 2: 0.8}
        sched.records.append(
            TrialRecord(i, "linear", {}, "portfolio", status="complete", fold_scores=scores, fit_seconds=12.0)
        )
    sched._update_reserve()
    # each refit: 4 s x 3/2 folds' rows x 1.2 + 0.3 = 7.5 s; six on one worker: 45 s, capped at 35% of 100 s
    assert sched.budget.reserve == pytest.approx(35.0)
    freed = sched.extend([sched.records[5]], ensemble_seconds=2.0)
    assert sched.budget.reserve == pytest.approx(1.5 + 2.0 + 2 * 7.5)  # the member and one newcomer
    assert freed == pytest.approx(81.5)
    records = sched.run()
    assert sum(r.status != "skipped" for r in records) == 8  # two more trials ran in the freed time

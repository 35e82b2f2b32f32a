"""Greedy ensemble selection and fold pruning."""

from __future__ import annotations

import numpy as np

from forgeml.ensemble import blend, greedy_ensemble
from forgeml.metrics import get_scorer
from forgeml.search import FoldPruner, TrialRecord


def test_ensemble_beats_each_member_when_errors_cancel() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    a = y + rng.normal(scale=1.0, size=500)
    b = y + rng.normal(scale=1.0, size=500)
    bad = y + rng.normal(scale=10.0, size=500)
    rmse = get_scorer("rmse")
    res = greedy_ensemble([a, b, bad], y, rmse)
    assert 2 not in res.weights
    assert abs(sum(res.weights.values()) - 1.0) < 1e-9
    assert res.score < min(rmse.score(y, a), rmse.score(y, b))
    assert res.score == rmse.score(y, blend([a, b], [res.weights.get(0, 0), res.weights.get(1, 0)]))


def test_ensemble_never_worse_than_best_single() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=300)
    good = np.column_stack([1 - (0.7 * y + 0.15), 0.7 * y + 0.15])
    noise = rng.dirichlet([1, 1], size=300)
    auc = get_scorer("roc_auc")
    res = greedy_ensemble([noise, good], y, auc)
    assert res.score >= auc.score(y, good)


def test_ensemble_respects_covered_rows() -> None:
    y = np.array([0.0, 1.0, 2.0, 3.0])
    p = np.array([0.0, 1.0, np.nan, np.nan])
    res = greedy_ensemble([p], y, get_scorer("rmse"), rows=np.array([0, 1]))
    assert res.score == 0.0


def _rec(i: int, scores: dict[int, float], source: str = "bayes") -> TrialRecord:
    return TrialRecord(i, "lightgbm", {}, source, fold_scores=scores)


def test_pruner_cuts_poor_trials_and_keeps_good_ones() -> None:
    auc = get_scorer("roc_auc")
    peers = [_rec(i, {0: s, 1: s, 2: s, 3: s, 4: s}) for i, s in enumerate([0.80, 0.82, 0.84, 0.86, 0.88])]
    pruner = FoldPruner(auc, eta=3, rungs=(1, 3), min_peers=4)
    assert pruner.should_prune(_rec(9, {0: 0.70}), peers)
    assert not pruner.should_prune(_rec(9, {0: 0.90}), peers)
    assert pruner.should_prune(_rec(9, {0: 0.9, 1: 0.7, 2: 0.7}), peers)


def test_pruner_waits_for_enough_peers() -> None:
    pruner = FoldPruner(get_scorer("rmse"), min_peers=4)
    assert not pruner.should_prune(_rec(9, {0: 100.0}), [_rec(0, {0: 1.0})])

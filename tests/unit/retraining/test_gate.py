"""The paired bootstrap gate: the decision rule, metric directions and the fast replicate paths."""

from __future__ import annotations

import numpy as np
import pytest

from forgeml.errors import ConfigError, DataError
from forgeml.metrics import get_scorer, make_scorer
from forgeml.retraining import paired_bootstrap
from forgeml.retraining._bootstrap import replicate_scores, weights


def _binary(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    good = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(scale=0.2, size=n), 0.01, 0.99)
    weak = np.clip(0.5 + (y - 0.5) * 0.1 + rng.normal(scale=0.3, size=n), 0.01, 0.99)
    proba = lambda p: np.column_stack([1 - p, p])  # noqa: E731
    return y, proba(good), proba(weak)


def test_clearly_better_challenger_is_promoted() -> None:
    y, good, weak = _binary(300, 0)
    gate = paired_bootstrap(y, weak, good, get_scorer("roc_auc"), margin=0.01, confidence=0.95, seed=0)
    assert gate.promote and gate.improvement > 0.2 and gate.lower > 0.1
    assert gate.lower <= gate.improvement <= gate.upper and gate.n_boot == 1000
    assert "lower confidence bound" in gate.reason


def test_worse_challenger_is_rejected_with_the_reason() -> None:
    y, good, weak = _binary(300, 1)
    gate = paired_bootstrap(y, good, weak, get_scorer("roc_auc"), margin=0.0, confidence=0.95, seed=0)
    assert not gate.promote and gate.improvement < 0 and "worse than the champion" in gate.reason


def test_identical_models_are_not_promoted() -> None:
    y, good, _ = _binary(300, 2)
    gate = paired_bootstrap(y, good, good.copy(), get_scorer("log_loss"), margin=0.0, confidence=0.95, seed=0)
    assert not gate.promote and gate.improvement == 0 and "≤ margin 0" in gate.reason


def test_margin_blocks_a_small_improvement() -> None:
    y, good, weak = _binary(300, 3)
    gate = paired_bootstrap(y, weak, good, get_scorer("roc_auc"), margin=0.5, confidence=0.95, seed=0)
    assert not gate.promote and gate.lower > 0 and "margin 0.5" in gate.reason


def test_improvement_resting_on_one_row_fails_the_confidence_check() -> None:
    y = np.ones(100, dtype=int)
    champion = np.tile([0.4, 0.6], (100, 1))
    champion[:3] = [0.6, 0.4]  # three rows wrong
    challenger = champion.copy()
    challenger[0] = [0.4, 0.6]  # one of them fixed: +1 point of accuracy, absent from ~37% of resamples
    gate = paired_bootstrap(y, champion, challenger, get_scorer("accuracy"), margin=0, confidence=0.95, seed=0)
    assert gate.improvement == pytest.approx(0.01) and gate.lower == 0.0 and not gate.promote
    assert "above the margin 0, but its 95% lower confidence bound 0 is not above 0" in gate.reason


def test_lower_is_better_metrics_count_a_drop_as_improvement() -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(size=200)
    gate = paired_bootstrap(y, y + rng.normal(size=200), y + 0.1, get_scorer("rmse"), margin=0, confidence=0.9, seed=0)
    assert gate.promote and gate.challenger_score < gate.champion_score and gate.improvement > 0


def test_same_seed_same_interval_other_seed_other_draws() -> None:
    y, good, weak = _binary(200, 6)
    a = paired_bootstrap(y, weak, good, get_scorer("roc_auc"), margin=0, confidence=0.95, seed=7)
    b = paired_bootstrap(y, weak, good, get_scorer("roc_auc"), margin=0, confidence=0.95, seed=7)
    c = paired_bootstrap(y, weak, good, get_scorer("roc_auc"), margin=0, confidence=0.95, seed=8)
    assert a == b and (a.lower, a.upper) != (c.lower, c.upper)


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss", "accuracy", "f1"])
def test_fast_replicates_equal_the_scorer_on_each_resample_classification(metric: str) -> None:
    y, good, _ = _binary(60, 7)
    good = np.round(good, 1)  # ties in the scores
    w = weights(60, 50, np.random.default_rng(0))
    fast = replicate_scores(y, good, get_scorer(metric), w)
    slow = replicate_scores(y, good, get_scorer(metric), w, fast=False)
    np.testing.assert_allclose(fast, slow, rtol=1e-10)


@pytest.mark.parametrize("metric", ["rmse", "mae", "r2"])
def test_fast_replicates_equal_the_scorer_on_each_resample_regression(metric: str) -> None:
    rng = np.random.default_rng(8)
    y = rng.normal(size=50)
    w = weights(50, 30, rng)
    pred = y + rng.normal(size=50)
    np.testing.assert_allclose(
        replicate_scores(y, pred, get_scorer(metric), w),
        replicate_scores(y, pred, get_scorer(metric), w, fast=False),
        rtol=1e-10,
    )


def test_a_custom_metric_named_like_a_builtin_is_scored_by_itself() -> None:
    y, good, _ = _binary(40, 9)
    custom = make_scorer(lambda t, p: 0.25, name="roc_auc")
    assert set(replicate_scores(y, good, custom, weights(40, 5, np.random.default_rng(0)))) == {0.25}


def test_roc_auc_on_one_class_resamples_is_skipped_or_refused() -> None:
    y = np.array([0, 0, 0, 1])
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.8]])
    gate = paired_bootstrap(y, p, p[:, ::-1].copy(), get_scorer("roc_auc"), margin=0, confidence=0.9, seed=0)
    assert 0 < gate.n_boot < 1000
    with pytest.raises(DataError, match="roc_auc' is undefined on the 5 held-out rows"):
        paired_bootstrap(np.zeros(5, int), p[:1].repeat(5, 0), p[:1].repeat(5, 0), get_scorer("roc_auc"),
                         margin=0, confidence=0.9)  # fmt: skip


@pytest.mark.parametrize(("kwargs", "field"), [({"margin": -1.0}, "margin"), ({"confidence": 1.0}, "confidence")])
def test_bad_parameters_are_named(kwargs: dict, field: str) -> None:
    y, good, weak = _binary(20, 10)
    args = {"margin": 0.0, "confidence": 0.95, **kwargs}
    with pytest.raises(ConfigError, match=f"'{field}' must be"):
        paired_bootstrap(y, weak, good, get_scorer("roc_auc"), **args)

"""should_retrain: drift and degradation thresholds, as a pure function."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forgeml.errors import ConfigError
from forgeml.retraining import PerformanceFigures, performance_from, should_retrain


def _drift(share: float, names: tuple[str, ...] = ("age", "plan")) -> SimpleNamespace:
    return SimpleNamespace(share_drifted=share, drifted_features=list(names))


def test_nothing_to_judge_means_no_retrain() -> None:
    assert should_retrain() == should_retrain(None, None)
    assert not should_retrain().retrain and should_retrain().trigger is None


def test_drift_share_at_the_threshold_triggers() -> None:
    d = should_retrain(_drift(0.5), drift_share=0.5)
    assert d.retrain and d.trigger == "drift" and d.reasons == ["50% of features drifted (age, plan), threshold 50%"]
    assert not should_retrain(_drift(0.49), drift_share=0.5).retrain


@pytest.mark.parametrize(
    ("live", "reference", "greater", "fires"),
    [(0.70, 0.85, True, True), (0.80, 0.85, True, False), (1.3, 1.0, False, True), (1.05, 1.0, False, False)],
)
def test_degradation_follows_the_metric_direction(live: float, reference: float, greater: bool, fires: bool) -> None:
    perf = PerformanceFigures(live, reference, greater, n_rows=200, metric="m")
    d = should_retrain(performance=perf, degradation=0.1)
    assert d.retrain is fires and (d.trigger == "degradation") is fires


def test_too_few_labelled_rows_never_trigger() -> None:
    perf = PerformanceFigures(0.1, 0.9, True, n_rows=5)
    assert not should_retrain(performance=perf, min_rows=30).retrain


def test_both_triggers_report_both_reasons_drift_first() -> None:
    d = should_retrain(_drift(1.0), PerformanceFigures(0.5, 0.9, True, 100, "roc_auc"))
    assert d.trigger == "drift" and len(d.reasons) == 2 and "live roc_auc 0.5" in d.reasons[1]


def test_thresholds_are_validated() -> None:
    with pytest.raises(ConfigError, match="'drift_share' must be"):
        should_retrain(drift_share=0)
    with pytest.raises(ConfigError, match="'degradation' must be"):
        should_retrain(degradation=-0.1)


def test_performance_from_a_live_report() -> None:
    from forgeml.monitoring import Performance

    perf = Performance(
        "roc_auc", True, cv_score=0.8, value=0.6, n_feedback=300, gap=0.25, degraded=True, degradation=0.1
    )
    figures = performance_from(perf, greater_is_better=True, metric="roc_auc")
    assert figures == PerformanceFigures(0.6, 0.8, True, 300, "roc_auc") and figures.gap == pytest.approx(perf.gap)
    assert should_retrain(performance=figures, degradation=0.1).trigger == "degradation"
    no_feedback = Performance("roc_auc", True, 0.8, None, 0, None, False, 0.1)
    assert performance_from(no_feedback, greater_is_better=True, metric="roc_auc") is None


def test_performance_from_a_monitoring_status() -> None:
    status = SimpleNamespace(performance=0.7, cv_score=0.8, feedback_rows=120)
    perf = performance_from(status, greater_is_better=True, metric="roc_auc")
    assert perf == PerformanceFigures(0.7, 0.8, True, 120, "roc_auc") and perf.gap == pytest.approx(0.125)
    assert performance_from(SimpleNamespace(performance=None, cv_score=0.8), greater_is_better=True, metric="m") is None
    assert (
        performance_from({"live": 2.0, "reference": 1.0, "n_rows": 50}, greater_is_better=False, metric="rmse").gap
        == 1.0
    )

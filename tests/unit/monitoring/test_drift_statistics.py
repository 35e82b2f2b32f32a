"""Drift statistics against known values, thresholds and the test/distance switch."""

from __future__ import annotations

import numpy as np
import pytest

import forgeml.monitoring as monitoring
from forgeml.data import profile_values
from forgeml.errors import ConfigError
from forgeml.monitoring import (
    DriftThresholds,
    chi_square_test,
    feature_drift,
    js_distance,
    ks_test,
    normalised_wasserstein,
    psi,
)


def _normal(n: int, seed: int, loc: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc, 1.0, size=n)


def test_public_names_are_pinned() -> None:
    assert sorted(monitoring.__all__) == [
        "DriftReport",
        "DriftThresholds",
        "FeatureDrift",
        "FeedbackResult",
        "LiveMonitor",
        "LiveProfile",
        "LiveReport",
        "ModelStatus",
        "MonitorConfig",
        "MonitorListener",
        "MonitoredVersion",
        "Performance",
        "PerformanceWindow",
        "ShadowComparison",
        "WindowSummary",
        "chi_square_test",
        "counts_drift",
        "drift_report",
        "feature_drift",
        "js_distance",
        "ks_test",
        "live_report",
        "merge_samples",
        "normalised_wasserstein",
        "profile_digest",
        "psi",
        "record_feedback",
        "window_start",
    ]


def test_psi_of_identical_is_zero_and_of_a_shift_is_large() -> None:
    ref = profile_values("x", "numeric", "numeric", _normal(20_000, 0))
    same = ref.count(_normal(20_000, 1))
    shifted = ref.count(_normal(20_000, 2, loc=1.0))
    assert psi(ref.counts, ref.counts) == 0.0
    assert psi(ref.counts, same) < 0.01
    assert psi(ref.counts, shifted) > 0.2
    assert psi([100, 0], [50, 50]) > 0  # empty reference bins are smoothed, not infinite
    assert np.isfinite(psi([100, 0], [50, 50]))


def test_jensen_shannon_distance() -> None:
    assert js_distance([30, 20, 50], [30, 20, 50]) == 0.0
    assert js_distance([3, 2, 5], [300, 200, 500]) == pytest.approx(0.0, abs=1e-12)
    assert js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert 0.1 < js_distance([40, 30, 20, 10], [10, 20, 30, 40]) < 1.0


def test_normalised_wasserstein_of_a_one_std_shift_is_about_one() -> None:
    ref = _normal(5000, 0)
    assert normalised_wasserstein(ref, _normal(5000, 1, loc=1.0), 1.0) == pytest.approx(1.0, abs=0.08)
    assert normalised_wasserstein(ref * 10, _normal(5000, 1, loc=1.0) * 10, 10.0) == pytest.approx(1.0, abs=0.08)
    assert normalised_wasserstein(ref, _normal(5000, 1), 1.0) < 0.1


def test_ks_and_chi_square_p_values() -> None:
    ref = _normal(2000, 0)
    assert ks_test(ref, _normal(300, 1, loc=0.5)) < 1e-4
    assert ks_test(ref, _normal(300, 2)) > 0.05
    assert chi_square_test([400, 300, 300], [40, 30, 30]) == pytest.approx(1.0)
    assert chi_square_test([400, 300, 300], [10, 30, 60]) < 1e-4
    assert chi_square_test([10, 0], [5, 0]) == 1.0  # one non-empty bucket: nothing to test


def test_small_samples_use_tests_and_large_ones_distances() -> None:
    num = profile_values("x", "numeric", "numeric", _normal(5000, 0))
    cat = profile_values("c", "categorical", "categorical", np.array(["a", "b", "c"] * 1000, dtype=object))
    t = DriftThresholds()
    assert feature_drift(num, _normal(999, 1), t).statistic == "ks"
    assert feature_drift(num, _normal(1000, 1), t).statistic == "wasserstein"
    live_cat = np.array(["a", "b", "c"] * 400, dtype=object)
    assert feature_drift(cat, live_cat[:999], t).statistic == "chi_square"
    assert feature_drift(cat, live_cat, t).statistic == "jensenshannon"
    assert feature_drift(num, _normal(999, 1), DriftThresholds(small_sample=0)).statistic == "wasserstein"
    psi_t = DriftThresholds(numeric_method="psi", categorical_method="psi")
    assert feature_drift(num, _normal(2000, 1), psi_t).statistic == "psi"
    assert feature_drift(cat, live_cat, psi_t).statistic == "psi"


@pytest.mark.parametrize("n", [500, 3000])
def test_verdicts_on_same_and_shifted_numeric_and_categorical(n: int) -> None:
    t = DriftThresholds()
    num = profile_values("x", "numeric", "numeric", _normal(5000, 0))
    assert not feature_drift(num, _normal(n, 1), t).drifted
    shifted = feature_drift(num, _normal(n, 2, loc=1.0), t)
    assert shifted.drifted and shifted.severity > 1
    rng = np.random.default_rng(3)
    cat = profile_values("c", "categorical", "categorical", rng.choice(["a", "b", "c"], 5000, p=[0.5, 0.3, 0.2]))
    assert not feature_drift(cat, rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]), t).drifted
    moved = feature_drift(cat, rng.choice(["a", "b", "c"], n, p=[0.2, 0.3, 0.5]), t)
    assert moved.drifted and moved.labels == ["a", "b", "c", "__other__", "missing"]
    assert sum(moved.live) == pytest.approx(1.0)


def test_all_missing_live_column_falls_back_to_psi() -> None:
    num = profile_values("x", "numeric", "numeric", _normal(5000, 0))
    d = feature_drift(num, np.full(200, np.nan), DriftThresholds())
    assert d.statistic == "psi" and d.drifted and d.missing_rate_live == 1.0


def test_thresholds_validate_with_one_message_template() -> None:
    with pytest.raises(ConfigError, match="'psi' must be a threshold > 0, got 0"):
        DriftThresholds(psi=0)
    with pytest.raises(ConfigError, match="'dataset_share' must be in"):
        DriftThresholds(dataset_share=1.5)
    with pytest.raises(ConfigError, match="'numeric_method'"):
        DriftThresholds(numeric_method="kl")
    assert DriftThresholds().p_value == 0.05

"""The live window sketch: binning on the reference buckets, bounded reservoirs, exact merges."""

from __future__ import annotations

import numpy as np
import pytest

from forgeml.data import DataProfile, profile_values
from forgeml.monitoring import DriftThresholds, LiveProfile, feature_drift, merge_samples


def _reference(seed: int = 0) -> DataProfile:
    rng = np.random.default_rng(seed)
    num = profile_values("num", "numeric", "numeric", rng.normal(size=4000))
    cat = profile_values("cat", "categorical", "categorical", rng.choice(["a", "b", "c"], p=[0.6, 0.3, 0.1], size=4000))
    pred = profile_values("prediction", "prediction", "numeric", rng.uniform(size=4000))
    return DataProfile(4000, [num, cat], [pred], "binary")


def _live(n: int, seed: int, shift: float = 0.0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    num = rng.normal(loc=shift, size=n)
    num[::50] = np.nan
    cat = rng.choice(["a", "b", "c", "zz"], p=[0.6, 0.3, 0.05, 0.05], size=n).astype(object)
    return {"num": num, "cat": cat}, {"prediction": rng.uniform(size=n)}


def test_counts_are_the_reference_buckets_and_small_windows_keep_every_value() -> None:
    ref = _reference()
    feats, preds = _live(300, 1)
    live = LiveProfile(ref, sample_size=1000)
    live.add(feats, preds, n_rows=300, rng=np.random.default_rng(0))
    assert live.n_rows == 300
    assert live.counts["num"].tolist() == ref.feature("num").count(feats["num"])
    assert live.counts["cat"].tolist() == ref.feature("cat").count(feats["cat"])  # "zz" counted as __other__
    assert live.counts["num"][-1] == 6  # missing bucket
    ok = feats["num"][~np.isnan(feats["num"])]
    assert sorted(live.samples["num"].tolist()) == sorted(ok.tolist())  # exact below sample_size
    # so the KS test on the sketch is exactly the one on the raw values
    from_sketch = live.drift(DriftThresholds()).features
    direct = feature_drift(ref.feature("num"), feats["num"], DriftThresholds())
    got = next(f for f in from_sketch if f.name == "num")
    assert (got.statistic, got.value) == (direct.statistic, direct.value)


def test_reservoir_is_bounded_and_merges_are_exact_on_counts() -> None:
    ref = _reference()
    rng = np.random.default_rng(3)
    one, two = LiveProfile(ref, sample_size=200), LiveProfile(ref, sample_size=200)
    for i, live in enumerate((one, two)):
        for k in range(4):
            feats, preds = _live(500, 10 * i + k)
            live.add(feats, preds, n_rows=500, rng=rng)
    assert one.samples["num"].size == 200 and one.seen["num"] == 4 * 490
    total = LiveProfile(ref, sample_size=200)
    total.merge(one, rng)
    total.merge(two, rng)
    assert total.n_rows == 4000
    assert (total.counts["cat"] == one.counts["cat"] + two.counts["cat"]).all()
    assert total.samples["num"].size == 200 and total.seen["num"] == 8 * 490


def test_merged_reservoir_is_a_uniform_sample_of_the_union() -> None:
    rng = np.random.default_rng(0)
    shares = []
    for _ in range(200):
        a, b = np.zeros(100), np.ones(100)  # samples of 9,000 zeros and 1,000 ones
        merged = merge_samples(a, 9000, b, 1000, 100, rng)
        assert merged.size == 100
        shares.append(merged.mean())
    assert abs(float(np.mean(shares)) - 0.1) < 0.01


def test_json_round_trip_and_other_buckets_are_refused() -> None:
    ref = _reference()
    live = LiveProfile(ref)
    feats, preds = _live(100, 2)
    live.add(feats, preds, n_rows=100, rng=np.random.default_rng(0))
    back = LiveProfile.from_json(live.to_json(), ref)
    assert back.n_rows == 100 and (back.counts["cat"] == live.counts["cat"]).all()
    assert np.array_equal(back.samples["num"], live.samples["num"])
    with pytest.raises(ValueError, match="another reference profile"):
        LiveProfile.from_json(live.to_json(), _reference(seed=5))


def test_sketch_drift_flags_only_the_shifted_feature_with_distances_above_1000_rows() -> None:
    ref = _reference()
    live = LiveProfile(ref)
    rng = np.random.default_rng(0)
    for k in range(3):
        feats, preds = _live(1000, 20 + k, shift=2.0)
        feats["cat"] = np.random.default_rng(k).choice(["a", "b", "c"], p=[0.6, 0.3, 0.1], size=1000).astype(object)
        live.add(feats, preds, n_rows=1000, rng=rng)
    report = live.drift(DriftThresholds())
    by_name = {f.name: f for f in report.features}
    assert by_name["num"].statistic == "wasserstein" and by_name["num"].drifted
    assert by_name["cat"].statistic == "jensenshannon" and not by_name["cat"].drifted
    assert report.drifted_features == ["num"] and report.n_rows == 3000

"""Permutation importance, per-segment performance with bootstrap intervals, CV intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import forgeml
from forgeml.errors import ConfigError, NotFoundError, TargetError
from forgeml.evaluation import clip_to_metric, fold_interval, permutation_importance, segment_performance


def table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "signal": rng.normal(size=n),
            "noise": rng.normal(size=n),
            "shade": rng.choice(["light", "dark"], size=n),
            "region": rng.choice(["north", "south", "east"], size=n, p=[0.5, 0.4, 0.1]),
            "age": rng.integers(18, 80, size=n),
        }
    )
    df["y"] = np.where(df["signal"] + 0.3 * (df["shade"] == "dark") + rng.normal(scale=0.3, size=n) > 0, "a", "b")
    return df


@pytest.fixture(scope="module")
def trained() -> tuple[forgeml.AutoML, pd.DataFrame]:
    automl = forgeml.AutoML(families=["lightgbm"], max_trials=1, n_folds=2, executor="serial", seed=0)
    return automl.fit(table(300, 0).drop(columns=["region", "age"]), target="y"), table(200, 1)


def test_permutation_importance_ranks_the_informative_column_first(trained) -> None:
    automl, holdout = trained
    imp = permutation_importance(automl, holdout, n_repeats=3, seed=0)
    assert imp["feature"].tolist()[0] == "signal"
    by = imp.set_index("feature")["importance"]
    assert by["signal"] > 0.1 > abs(by["noise"])
    assert set(imp["metric"]) == {"roc_auc"} and (imp["std"] >= 0).all()
    again = permutation_importance(automl, holdout, n_repeats=3, seed=0)
    pd.testing.assert_frame_equal(imp, again)  # seeded
    other = permutation_importance(automl, holdout, n_repeats=3, seed=1)
    assert not np.allclose(other["importance"], imp["importance"])


def test_permutation_importance_uses_a_given_metric_and_sample(trained) -> None:
    automl, holdout = trained
    imp = permutation_importance(automl, holdout, n_repeats=2, metric="log_loss", max_rows=50)
    assert imp.loc[0, "feature"] == "signal" and imp.loc[0, "metric"] == "log_loss" and imp.loc[0, "importance"] > 0
    with pytest.raises(ConfigError, match="'n_repeats' must be an integer >= 1, got 0"):
        permutation_importance(automl, holdout, n_repeats=0)


def test_importance_needs_the_target(trained) -> None:
    automl, holdout = trained
    with pytest.raises(TargetError, match="no target column 'y'; permutation importance needs labelled rows"):
        permutation_importance(automl, holdout.drop(columns=["y"]))


def test_segment_performance_counts_and_intervals(trained) -> None:
    automl, holdout = trained
    seg = segment_performance(automl, holdout, "region", n_boot=100, seed=0)
    assert seg["segment"].tolist() == ["all", "east", "north", "south"]
    assert seg.loc[0, "rows"] == len(holdout) == seg["rows"][1:].sum()
    assert seg.attrs["metric"] == "roc_auc"
    for r in seg.to_dict("records"):
        assert r["ci_low"] <= r["score"] <= r["ci_high"]
        assert 0.0 <= r["predicted_positive_rate"] <= 1.0
    small = seg.set_index("segment")["small"]
    assert bool(small["east"]) and not small["north"]  # about 20 rows vs about 100
    north = holdout[holdout["region"] == "north"]
    direct = roc_auc_score(north["y"] == "b", automl.predict_proba(north)["b"])
    assert seg.set_index("segment").loc["north", "score"] == pytest.approx(direct)
    pd.testing.assert_frame_equal(seg, segment_performance(automl, holdout, "region", n_boot=100, seed=0))


def test_numeric_segments_are_quartiles(trained) -> None:
    automl, holdout = trained
    seg = segment_performance(automl, holdout, "age", n_boot=20)
    assert len(seg) == 5 and seg["segment"][1:].str.startswith("(").all()


def test_segment_errors_name_the_column(trained) -> None:
    automl, holdout = trained
    with pytest.raises(
        NotFoundError, match="segment column 'regoin' is not in the data; its columns are: signal, noise"
    ):
        segment_performance(automl, holdout, "regoin")
    with pytest.raises(TargetError, match="no target column 'y'; performance per segment of 'region' needs labelled"):
        segment_performance(automl, holdout.drop(columns=["y"]), "region")


def test_fold_interval_and_clipping() -> None:
    lo, hi = fold_interval(0.8, 0.02, 5)
    # sample std 0.02 * sqrt(5/4); t(0.975, 4) = 2.776
    assert (lo, hi) == pytest.approx((0.8 - 2.776 * 0.02 * np.sqrt(5 / 4) / np.sqrt(5), 0.8 + 0.0278), abs=1e-3)
    assert fold_interval(0.8, 0.0, 5) == (0.8, 0.8)
    assert clip_to_metric("roc_auc", 0.97, 1.02) == (0.97, 1.0)
    assert clip_to_metric("rmse", -0.5, 2.0) == (0.0, 2.0)

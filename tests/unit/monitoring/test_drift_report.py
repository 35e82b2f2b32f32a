"""drift_report on a tiny trained model: exactly the shifted features drift, at 500 and 3,000 rows;
the profile is saved with the model; the HTML page is self-contained."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forgeml
from forgeml.errors import ModelFormatError, SchemaError
from forgeml.monitoring import DriftThresholds, FeatureDrift, drift_report
from forgeml.monitoring._report import dataset_drift
from forgeml.predictor import Predictor, load_predictor, save_predictor


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "num_a": rng.normal(size=n),
            "num_b": rng.normal(5.0, 2.0, size=n),
            "cat_c": rng.choice(["a", "b", "c", "d"], p=[0.4, 0.3, 0.2, 0.1], size=n),
            "cat_d": rng.choice(["x", "y"], size=n),
        }
    )


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    train = _rows(4000, 0)
    noise = np.random.default_rng(1).normal(size=len(train))
    train["y"] = np.where(train["num_a"] + (train["cat_c"] == "a") + 0.3 * train["num_b"] + noise > 2.0, "yes", "no")
    return forgeml.AutoML(max_trials=2, executor="serial", families=["lightgbm"]).fit(train, target="y").predictor


def _shifted(n: int, seed: int) -> pd.DataFrame:
    live = _rows(n, seed)
    live["num_a"] += 1.0
    live["cat_c"] = np.random.default_rng(seed + 1).choice(["a", "b", "c", "d"], p=[0.1, 0.2, 0.3, 0.4], size=n)
    return live


def test_training_stores_a_profile_with_oof_predictions(predictor: Predictor) -> None:
    prof = predictor.profile
    assert prof is not None and prof.n_rows == 4000 and prof.task == "binary"
    assert [f.name for f in prof.features] == predictor.schema.feature_names
    assert [p.name for p in prof.predictions] == ["prediction"]
    assert 0.0 <= prof.predictions[0].stats["min"] <= prof.predictions[0].stats["max"] <= 1.0
    assert "profile" in predictor.info["timings"]


def test_profile_saved_and_loaded_and_old_folders_load_without(predictor: Predictor, tmp_path: Path) -> None:
    folder = save_predictor(predictor, tmp_path / "m")
    assert (folder / "profile.json").is_file()
    assert json.loads((folder / "manifest.json").read_text())["format_version"] == 1
    assert load_predictor(folder).profile == predictor.profile
    (folder / "profile.json").unlink()
    old = load_predictor(folder)
    assert old.profile is None
    with pytest.raises(ModelFormatError, match="retrain"):
        drift_report(old, _rows(10, 3))
    shutil.rmtree(folder)


@pytest.mark.parametrize(("n", "test", "distance"), [(500, "ks", "chi_square"), (3000, "wasserstein", "jensenshannon")])
def test_exactly_the_shifted_features_drift(predictor: Predictor, n: int, test: str, distance: str) -> None:
    same = drift_report(predictor, _rows(n, 10))
    assert same.drifted_features == [] and not same.dataset_drift and same.n_rows == n
    report = drift_report(predictor, _shifted(n, 20))
    assert sorted(report.drifted_features) == ["cat_c", "num_a"]
    assert report.features[0].name in ("cat_c", "num_a")  # sorted by drift
    stats = {f.name: f.statistic for f in report.features}
    assert stats["num_a"] == stats["num_b"] == test
    assert stats["cat_c"] == stats["cat_d"] == distance
    assert report.share_drifted == 0.5 and report.dataset_drift
    assert report.prediction_drift and report.predictions[0].name == "prediction"
    assert not drift_report(predictor, _shifted(n, 20), DriftThresholds(dataset_share=0.75)).dataset_drift


def test_dataset_drift_share() -> None:
    def f(drifted: bool) -> FeatureDrift:
        return FeatureDrift("x", "numeric", "numeric", "psi", 0.3 if drifted else 0.0, 0.2, drifted, 0.0, 10, 0, 0)

    assert dataset_drift([f(True), f(False), f(False)], 0.5) == (pytest.approx(1 / 3), False)
    assert dataset_drift([f(True), f(True), f(False)], 0.5) == (pytest.approx(2 / 3), True)
    assert dataset_drift([f(True), f(False)], 0.5)[1]  # the share is inclusive
    assert dataset_drift([], 0.5) == (0.0, False)


def test_json_and_self_contained_html(predictor: Predictor) -> None:
    report = drift_report(predictor, _shifted(300, 5), model="credit")
    payload = json.loads(json.dumps(report.to_json()))
    assert payload["dataset_drift"] is True and sorted(payload["drifted_features"]) == ["cat_c", "num_a"]
    assert payload["thresholds"]["psi"] == 0.2 and len(payload["features"]) == 4
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>") and "credit" in page
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page
    assert page.count("<svg") == len(report.features) + len(report.predictions)
    for name in ("num_a", "num_b", "cat_c", "cat_d"):
        assert name in page


def test_live_rows_must_match_the_schema(predictor: Predictor) -> None:
    with pytest.raises(SchemaError, match="cat_d"):
        drift_report(predictor, _rows(20, 1).drop(columns="cat_d"))
    with pytest.raises(forgeml.errors.DataError, match="no rows"):
        drift_report(predictor, _rows(0, 1))

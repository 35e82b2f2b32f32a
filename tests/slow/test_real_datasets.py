"""End-to-end runs on real datasets with real wall-clock budgets (marked slow, still run in CI)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

import forgeml
from forgeml.data import read_table

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (DATASETS / "manifest.json").exists(), reason="../shared/datasets is not beside the repo"),
]


def _split(name: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    meta = {d["name"]: d for d in json.loads((DATASETS / "manifest.json").read_text())["datasets"]}[name]
    df = read_table(DATASETS / meta["file"])
    strat = df[meta["target"]] if meta["task"] != "regression" else None
    train, test = train_test_split(df, test_size=0.25, random_state=0, stratify=strat)
    return train, test, meta


def test_binary_dataset_beats_constant_within_budget() -> None:
    train, test, meta = _split("phoneme")
    budget = 20.0
    start = time.perf_counter()
    model = forgeml.AutoML(time_limit=budget, seed=0).fit(train, target=meta["target"])
    wall = time.perf_counter() - start
    assert wall <= budget * 1.05 + 5.0
    proba = model.predict_proba(test)[str(meta["positive_class"])]
    auc = roc_auc_score(test[meta["target"]].astype(str) == str(meta["positive_class"]), proba)
    assert auc > 0.9, f"held-out ROC AUC {auc:.3f} (a constant predictor scores 0.5)"
    assert abs(model.cv_score_ - auc) < 0.05, "the CV estimate should be honest about held-out quality"


def test_regression_dataset_with_missing_values_and_categoricals() -> None:
    train, test, meta = _split("california_housing")
    model = forgeml.AutoML(time_limit=25.0, seed=0).fit(train, target=meta["target"])
    pred = model.predict(test)
    y = test[meta["target"]].to_numpy(float)
    assert np.isfinite(pred).all()
    r2 = r2_score(y, pred)
    assert r2 > 0.75, f"held-out R2 {r2:.3f} (predicting the mean scores 0)"


def test_free_text_dataset_uses_the_text() -> None:
    train, test, meta = _split("sms_spam")
    model = forgeml.AutoML(time_limit=20.0, seed=0).fit(train, target=meta["target"])
    assert model.predictor.schema.column("text").role == "text"
    proba = model.predict_proba(test)[meta["positive_class"]]
    auc = roc_auc_score(test[meta["target"]] == meta["positive_class"], proba)
    assert auc > 0.95, f"held-out ROC AUC {auc:.3f} on sms_spam; text must be used"

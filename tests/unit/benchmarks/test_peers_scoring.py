"""Scores the peers harness computes from prediction files, the constant predictor's score,
normalised scores and ranks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _scoring import (
    PredictionError,
    constant_score,
    normalised,
    ranks,
    score_run,
)
from sklearn.metrics import log_loss, roc_auc_score


def write_run(folder: Path, frame: pd.DataFrame, classes: list[str] | None, ok: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "predictions.parquet", index=False)
    result = {"ok": ok, "classes": classes, "fit_seconds": 1.0, "predict_seconds": 0.1}
    (folder / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return folder


def test_binary_auc_uses_the_positive_class_column_by_name(tmp_path: Path) -> None:
    y = np.array(["no", "yes", "yes", "no", "yes"], dtype=object)
    p_yes = np.array([0.2, 0.7, 0.4, 0.3, 0.9])
    # the runner wrote the positive class first: the harness must look it up by name, not position
    folder = write_run(tmp_path, pd.DataFrame({"yes": p_yes, "no": 1 - p_yes}), ["yes", "no"])
    _, scores = score_run(folder, "binary", y, "yes")
    assert scores["score"] == pytest.approx(roc_auc_score(y == "yes", p_yes))
    assert scores["accuracy"] == pytest.approx(0.8)  # row 3 (0.4 for yes) is wrong


def test_multiclass_log_loss_counts_a_class_without_column_as_1e_15(tmp_path: Path) -> None:
    y = np.array(["a", "b", "c", "a"], dtype=object)
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.5, 0.5], [0.9, 0.1]])
    folder = write_run(tmp_path, pd.DataFrame(proba, columns=["a", "b"]), ["a", "b"])
    _, scores = score_run(folder, "multiclass", y, None)
    expected = -np.mean(np.log([0.7, 0.6, 1e-15, 0.9]))
    assert scores["score"] == pytest.approx(expected)


def test_multiclass_log_loss_matches_sklearn(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.choice(["x", "y", "z"], size=40).astype(object)
    proba = rng.dirichlet([1, 1, 1], size=40)
    folder = write_run(tmp_path, pd.DataFrame(proba, columns=["x", "y", "z"]), ["x", "y", "z"])
    _, scores = score_run(folder, "multiclass", y, None)
    assert scores["score"] == pytest.approx(log_loss(y, proba, labels=["x", "y", "z"]))


def test_regression_rmse_and_r2(tmp_path: Path) -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    folder = write_run(tmp_path, pd.DataFrame({"prediction": [1.0, 2.0, 3.0, 6.0]}), None)
    _, scores = score_run(folder, "regression", y, None)
    assert scores["score"] == pytest.approx(1.0)  # sqrt(4 / 4)
    assert scores["r2"] == pytest.approx(1 - 4 / 5)


@pytest.mark.parametrize(
    ("frame", "classes", "ok", "message"),
    [
        (pd.DataFrame({"a": [0.5, 0.5], "b": [0.5, 0.5]}), ["a", "b"], True, "2 predictions for 3"),
        (pd.DataFrame({"a": [0.5, np.nan, 0.2], "b": [0.5, 0.5, 0.8]}), ["a", "b"], True, "NaN"),
        (pd.DataFrame({"a": [1.0, 1.0, 1.0]}), ["a"], True, "positive class 'b'"),
        (pd.DataFrame({"a": [1.0, 1.0, 1.0]}), ["a", "b"], True, "['b'] missing"),
        (pd.DataFrame({"a": [1.0, 1.0, 1.0]}), None, True, "no class order"),
        (pd.DataFrame({"a": [1.0, 1.0, 1.0]}), ["a"], False, "reported no result"),
    ],
)
def test_unscorable_output_is_a_prediction_error(
    tmp_path: Path, frame: pd.DataFrame, classes: list[str] | None, ok: bool, message: str
) -> None:
    folder = write_run(tmp_path, frame, classes, ok=ok)
    with pytest.raises(PredictionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        score_run(folder, "binary", np.array(["a", "b", "a"], dtype=object), "b")


def test_missing_prediction_file_is_a_prediction_error(tmp_path: Path) -> None:
    (tmp_path / "result.json").write_text(json.dumps({"ok": True, "classes": ["a", "b"]}), encoding="utf-8")
    with pytest.raises(PredictionError, match="no prediction file"):
        score_run(tmp_path, "binary", np.array(["a", "b"], dtype=object), "b")


def test_constant_predictor_scores() -> None:
    y_train = np.array(["a"] * 6 + ["b"] * 3 + ["c"] * 1, dtype=object)
    y_test = np.array(["a", "b", "c", "c"], dtype=object)
    multi = constant_score("multiclass", y_train, y_test, None)
    assert multi["score"] == pytest.approx(-np.mean(np.log([0.6, 0.3, 0.1, 0.1])))
    assert multi["accuracy"] == pytest.approx(0.25)  # always predicts "a"
    binary = constant_score("binary", np.array(["n", "n", "y"], dtype=object), np.array(["n", "y"], dtype=object), "y")
    assert binary["score"] == 0.5
    reg = constant_score("regression", np.array([1.0, 3.0]), np.array([0.0, 4.0]), None)
    assert reg["score"] == pytest.approx(math.sqrt((4 + 4) / 2))


def test_normalised_score_is_zero_for_constant_and_one_for_best_in_both_directions() -> None:
    assert normalised(0.5, 0.5, 0.9) == 0.0
    assert normalised(0.9, 0.5, 0.9) == 1.0
    assert normalised(0.7, 0.5, 0.9) == pytest.approx(0.5)
    # log loss: constant 1.2, best 0.2, a run at 0.7 is half way
    assert normalised(0.7, 1.2, 0.2) == pytest.approx(0.5)
    assert normalised(1.7, 1.2, 0.2) == pytest.approx(-0.5)  # worse than the constant predictor
    assert normalised(0.5, 0.5, 0.5) == 0.0  # nobody beat the constant predictor


def test_ranks_average_ties_in_both_directions() -> None:
    assert ranks({"a": 0.9, "b": 0.8, "c": 0.9, "d": 0.7}, greater_is_better=True) == {
        "a": 1.5,
        "b": 3.0,
        "c": 1.5,
        "d": 4.0,
    }
    assert ranks({"a": 2.0, "b": 1.0, "c": 2.0}, greater_is_better=False) == {"a": 2.5, "b": 1.0, "c": 2.5}
    assert ranks({"a": 1.0, "b": 1.0}, greater_is_better=True) == {"a": 1.5, "b": 1.5}

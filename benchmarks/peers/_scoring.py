"""Scores computed by the harness, never by the frameworks: the metric of a run from its
prediction file, the constant predictor's score (what a failed run gets, AMLB's rule), and the
normalised score (0 = constant predictor, 1 = the best result of the dataset in that run).

The metric functions themselves are ``benchmarks/run_datasets.py``'s (imported, not copied), so
both harnesses score alike: binary ROC AUC on the manifest's positive class, multiclass log loss
(clipped at 1e-15 and renormalised; a true class with no column counts as 1e-15), regression RMSE;
accuracy and R2 for reading.

Example:
    >>> constant_score("regression", np.array([1.0, 3.0]), np.array([1.0, 3.0]), None)["score"]
    1.0
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from run_datasets import label_strings, score_classification, score_regression

sys.path.pop(0)

PREDICTIONS_FILE = "predictions.parquet"
RESULT_FILE = "result.json"
REGRESSION_COLUMN = "prediction"


class PredictionError(ValueError):
    """A runner's output cannot be scored (missing file, wrong shape, unknown classes, NaN)."""


def read_result(out_dir: Path) -> dict[str, Any]:
    """The runner's ``result.json``; an empty dict when it wrote none or an unreadable one."""
    path = out_dir / RESULT_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def read_predictions(out_dir: Path, task: str, classes: list[str] | None, n_rows: int) -> np.ndarray:
    """The prediction matrix (classification, columns in ``classes`` order) or vector (regression)
    from ``out_dir/predictions.parquet``, checked for shape and finite values."""
    path = out_dir / PREDICTIONS_FILE
    if not path.exists():
        raise PredictionError(f"no prediction file {path.name} in {out_dir}")
    frame = pd.read_parquet(path)
    if len(frame) != n_rows:
        raise PredictionError(f"{len(frame)} predictions for {n_rows} test rows")
    if task == "regression":
        if REGRESSION_COLUMN not in frame.columns:
            raise PredictionError(f"regression predictions need a {REGRESSION_COLUMN!r} column, got {list(frame)}")
        values = frame[REGRESSION_COLUMN].to_numpy(dtype=float)
    else:
        if not classes:
            raise PredictionError("the runner wrote no class order ('classes' in result.json)")
        missing = [c for c in classes if c not in frame.columns]
        if missing:
            raise PredictionError(f"class columns {missing} missing from the prediction file")
        values = frame[classes].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise PredictionError(f"{int(np.sum(~np.isfinite(values)))} predictions are NaN or infinite")
    return values


def score_predictions(
    task: str, y_test: np.ndarray, predictions: np.ndarray, classes: list[str] | None, positive: str | None
) -> dict[str, Any]:
    """``score`` (the task's metric) plus ``accuracy`` or ``r2``.

    Example:
        >>> score_predictions("binary", np.array(["a", "b"]), np.array([[0.9, 0.1], [0.2, 0.8]]), ["a", "b"], "b")
        {'accuracy': 1.0, 'score': 1.0}
    """
    if task == "regression":
        return score_regression(y_test, predictions)
    try:
        return score_classification(task, y_test, predictions, list(classes or []), positive)
    except ValueError as err:  # positive class not among the columns
        raise PredictionError(str(err)) from err


def score_run(
    out_dir: Path, task: str, y_test: np.ndarray, positive: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a finished runner's folder; return (its result.json, the harness's scores)."""
    result = read_result(out_dir)
    if not result.get("ok"):
        raise PredictionError(str(result.get("error") or "the runner reported no result"))
    classes = result.get("classes")
    preds = read_predictions(out_dir, task, classes, len(y_test))
    return result, score_predictions(task, y_test, preds, classes, positive)


def constant_score(task: str, y_train: np.ndarray, y_test: np.ndarray, positive: str | None) -> dict[str, Any]:
    """Scores of the constant predictor fitted on ``y_train``: class priors (sorted class order)
    or the mean. A failed or killed run is given these (AMLB's rule)."""
    if task == "regression":
        mean = float(np.mean(np.asarray(y_train, dtype=float)))
        return score_regression(y_test, np.full(len(y_test), mean))
    labels = label_strings(y_train)
    classes = sorted(set(labels))
    priors = np.array([np.mean(labels == c) for c in classes])
    return score_classification(task, y_test, np.tile(priors, (len(y_test), 1)), classes, positive)


def normalised(score: float, constant: float, best: float) -> float:
    """``(score - constant) / (best - constant)``: 0 for the constant predictor, 1 for the best
    result; the same formula serves metrics where lower is better (both differences change sign).
    Below 0 when worse than the constant predictor; 0 for everyone when nobody beat it.

    Example:
        >>> normalised(0.75, 0.5, 1.0), normalised(0.5, 1.0, 0.0)
        (0.5, 0.5)
    """
    if best == constant:
        return 0.0
    return (score - constant) / (best - constant)


def best_of(scores: list[float], greater_is_better: bool) -> float:
    return max(scores) if greater_is_better else min(scores)


def ranks(scores: dict[str, float], greater_is_better: bool) -> dict[str, float]:
    """Rank 1 = best; tied scores share the mean of their ranks.

    Example:
        >>> ranks({"a": 0.9, "b": 0.8, "c": 0.9}, True)
        {'a': 1.5, 'b': 3.0, 'c': 1.5}
    """
    order = sorted(scores, key=lambda k: -scores[k] if greater_is_better else scores[k])
    out: dict[str, float] = {}
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in order[i : j + 1]:
            out[k] = (i + j) / 2 + 1
        i = j + 1
    return {k: out[k] for k in scores}

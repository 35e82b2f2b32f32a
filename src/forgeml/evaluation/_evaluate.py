"""Evaluate a trained model on labelled data: every metric of its task, plus a confusion matrix
(classification) or a residual summary (regression)."""

from __future__ import annotations

from typing import Any

import numpy as np

from forgeml.automl import AutoML
from forgeml.data import prepare_training, read_table
from forgeml.errors import TargetError
from forgeml.metrics import available_metrics, get_scorer
from forgeml.predictor import Predictor


def evaluate(model: AutoML | Predictor, data: Any) -> dict[str, Any]:
    """Score ``model`` on ``data``, which must contain the target column.

    Example:
        >>> report = evaluate(forgeml.load("model"), "test.csv")   # doctest: +SKIP
        >>> report["metrics"]["roc_auc"]                            # doctest: +SKIP
    """
    predictor = model.predictor if isinstance(model, AutoML) else model
    schema = predictor.schema
    df = read_table(data)
    if schema.target.name not in df.columns:
        raise TargetError(
            f"evaluation data has no target column '{schema.target.name}'; "
            "evaluate needs labelled rows (use 'forgeml predict' for unlabelled ones)."
        )
    _, y, n_dropped = prepare_training(df, schema)
    raw = predictor.predict_raw(df[df[schema.target.name].notna().to_numpy()])
    task = schema.target.task
    out: dict[str, Any] = {
        "task": task,
        "n_rows": len(y),
        "n_rows_dropped_missing_target": n_dropped,
        "optimised_metric": predictor.metric,
        "metrics": {},
    }
    for name in available_metrics(task):
        try:
            out["metrics"][name] = get_scorer(name, task).score(y, raw)
        except ValueError as err:  # e.g. ROC AUC with one class present
            out["metrics"][name] = None
            out.setdefault("notes", []).append(f"{name}: {err}")
    if schema.target.is_classification:
        labels = [str(c) for c in schema.target.classes or ()]
        pred = np.argmax(raw, axis=1)
        k = len(labels)
        cm = np.zeros((k, k), dtype=int)
        np.add.at(cm, (y.astype(int), pred), 1)
        out["confusion_matrix"] = {"labels": labels, "matrix": cm.tolist()}
    else:
        res = raw - y
        out["residuals"] = {
            "mean": float(np.mean(res)),
            "std": float(np.std(res)),
            "abs_p50": float(np.quantile(np.abs(res), 0.5)),
            "abs_p90": float(np.quantile(np.abs(res), 0.9)),
            "max_abs": float(np.max(np.abs(res))),
        }
    return out

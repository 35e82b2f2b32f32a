"""Pieces ``serving.py`` shares with ``_mlflow_helper.py`` (which runs in MLflow's own virtual
environment, so this module imports neither forgeml nor anything outside scikit-learn, LightGBM,
numpy and pandas)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

TARGET = "income"


def pct(ts: list[float] | np.ndarray) -> dict[str, float]:
    """p50 and p99 of durations in seconds, in milliseconds."""
    a = np.asarray(ts) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3)}


def timed(fn: Callable[[int], Any], n: int, warm: int = 50) -> dict[str, float]:
    """p50/p99 of ``fn(i)`` over ``n`` calls after ``warm`` untimed ones."""
    for i in range(warm):
        fn(i)
    ts = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        ts.append(time.perf_counter() - t)
    return pct(ts)


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready row dicts: plain Python values, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[return-value]


def baseline_pipeline(X: pd.DataFrame) -> Any:
    """The comparison model: ordinal-encoded categoricals + ``LGBMClassifier`` (200 trees, one thread),
    the way such a model is commonly built with scikit-learn."""
    from lightgbm import LGBMClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1)
    return make_pipeline(
        ColumnTransformer([("cat", encoder, cats)], remainder="passthrough"),
        LGBMClassifier(n_estimators=200, verbose=-1, n_jobs=1),
    )

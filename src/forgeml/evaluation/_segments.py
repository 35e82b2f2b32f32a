"""Uncertainty of scores: per-segment performance with bootstrap intervals (the fairness view of a
model card) and confidence intervals of cross-validated scores from their fold scores.

Example:
    >>> segment_performance(forgeml.load("credit-model"), "holdout.csv", "sex")   # doctest: +SKIP
      segment  rows  score  ci_low  ci_high  predicted_positive_rate  small
    0     all   300  0.781   0.73     0.83                    0.31  False
    1  female    95  0.742 ...
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.exceptions import UndefinedMetricWarning

from forgeml.automl import AutoML
from forgeml.errors import ConfigError, NotFoundError
from forgeml.evaluation._importance import labelled_rows
from forgeml.metrics import Scorer, get_scorer
from forgeml.predictor import Predictor

__all__ = ["SMALL_SEGMENT", "clip_to_metric", "fold_interval", "segment_performance"]

#: Segments with fewer labelled rows than this are flagged: their scores are too noisy to compare.
SMALL_SEGMENT = 30
MISSING = "(missing)"


def fold_interval(mean: float, std: float, n_folds: int, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of a mean of ``n_folds`` fold scores whose population std is ``std``
    (as in the leaderboard's ``score_std``).

    Example:
        >>> lo, hi = fold_interval(0.80, 0.02, 5)
        >>> round(lo, 4), round(hi, 4)
        (0.7722, 0.8278)
    """
    if n_folds < 2 or not math.isfinite(std):
        return mean, mean
    sample_std = std * math.sqrt(n_folds / (n_folds - 1))
    half = float(stats.t.ppf(0.5 + level / 2, n_folds - 1)) * sample_std / math.sqrt(n_folds)
    return mean - half, mean + half


_UNIT = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "precision_macro", "recall_macro",
         "f1_macro", "roc_auc")  # fmt: skip


def clip_to_metric(metric: str, low: float, high: float) -> tuple[float, float]:
    """An interval cut to the values ``metric`` can take (``[0, 1]`` for rates and AUC, ``>= 0``
    for losses and errors, ``<= 1`` for R²).

    Example:
        >>> clip_to_metric("roc_auc", 0.96, 1.01)
        (0.96, 1.0)
    """
    if metric in _UNIT:
        return max(0.0, low), min(1.0, high)
    if metric in ("log_loss", "rmse", "mae"):
        return max(0.0, low), high
    if metric == "r2":
        return low, min(1.0, high)
    return low, high


def _segments_of(values: pd.Series, max_segments: int) -> pd.Series:
    """String segment labels: numeric columns with many values are cut into quartiles."""
    numeric = pd.to_numeric(values, errors="coerce")
    if values.notna().any() and numeric.notna().sum() == values.notna().sum() and numeric.nunique() > 10:
        bins = pd.qcut(numeric, q=4, duplicates="drop")
        return bins.astype(str).where(numeric.notna(), MISSING)
    labels = values.astype(str).where(values.notna(), MISSING)
    counts = labels.value_counts()
    if len(counts) > max_segments:
        keep = set(counts.index[: max_segments - 1])
        labels = labels.where(labels.isin(keep), "(other)")
    return labels


def _interval(
    scorer: Scorer, y: np.ndarray, raw: np.ndarray, n_boot: int, rng: np.random.Generator
) -> tuple[float | None, float | None, float | None]:
    def score(idx: np.ndarray) -> float:
        try:
            with warnings.catch_warnings():  # one class only in this sample: undefined, not an error
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                return scorer.score(y[idx], raw[idx])
        except ValueError:
            return float("nan")

    point = score(np.arange(len(y)))
    boots = np.array([score(rng.integers(0, len(y), len(y))) for _ in range(n_boot)])
    boots = boots[np.isfinite(boots)]
    if boots.size < max(10, n_boot // 4):
        return (None if math.isnan(point) else point), None, None
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return (None if math.isnan(point) else point), float(lo), float(hi)


def segment_performance(
    model: AutoML | Predictor,
    data: Any,
    column: str,
    *,
    metric: str | Scorer | None = None,
    n_boot: int = 200,
    seed: int = 0,
    max_segments: int = 20,
) -> pd.DataFrame:
    """The model's metric on the labelled rows of ``data``, overall (``all``) and per value of
    ``column`` (any column of the data, feature or not; numeric columns with more than 10 values
    are cut into quartiles), with row counts and seeded bootstrap 95% intervals.

    Columns: ``segment``, ``rows``, ``score``, ``ci_low``, ``ci_high``, ``small`` (fewer than
    :data:`SMALL_SEGMENT` rows) and, for binary tasks, ``predicted_positive_rate``; for regression
    ``mean_prediction``. A score is None when it cannot be computed (e.g. ROC AUC in a segment
    holding one class).

    Example:
        >>> segment_performance(automl, holdout, "color", n_boot=100)["segment"].tolist()  # doctest: +SKIP
        ['all', 'blue', 'green', 'red']
    """
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ConfigError(f"'n_boot' must be an integer >= 1, got {n_boot!r}.")
    predictor = model.predictor if isinstance(model, AutoML) else model
    rows = labelled_rows(predictor, data, purpose=f"performance per segment of '{column}'")
    if column not in rows.raw.columns:
        raise NotFoundError(
            f"segment column '{column}' is not in the data; its columns are: {', '.join(map(str, rows.raw.columns))}."
        )
    scorer = get_scorer(metric or predictor.metric, predictor.task)
    raw = predictor.predict_raw(rows.X)
    labels = _segments_of(rows.raw[column], max_segments)
    rng = np.random.default_rng(seed)
    groups: list[tuple[str, np.ndarray]] = [("all", np.arange(len(rows.y)))]
    for value in sorted(labels.unique(), key=str):
        groups.append((str(value), np.flatnonzero(labels.to_numpy() == value)))
    records = []
    for name, idx in groups:
        score, lo, hi = _interval(scorer, rows.y[idx], raw[idx], n_boot, rng)
        rec: dict[str, Any] = {
            "segment": name,
            "rows": len(idx),
            "score": score,
            "ci_low": lo,
            "ci_high": hi,
            "small": len(idx) < SMALL_SEGMENT,
        }
        if predictor.task == "binary":
            rec["predicted_positive_rate"] = float(np.mean(np.argmax(raw[idx], axis=1) == 1))
        elif predictor.task == "regression":
            rec["mean_prediction"] = float(np.mean(raw[idx]))
        records.append(rec)
    out = pd.DataFrame(records)
    out.attrs["metric"] = scorer.name
    out.attrs["column"] = column
    return out

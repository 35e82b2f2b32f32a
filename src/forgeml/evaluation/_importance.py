"""Permutation importance on labelled held-out rows, for any predictor.

A column's importance is how much the model's metric (the one it was trained for, from
:mod:`forgeml.metrics`) gets worse when that column's values are shuffled among the rows, averaged
over ``n_repeats`` seeded shuffles. Positive means the model relies on the column; about zero means
it does not; negative means shuffling helped (noise).

Example:
    >>> permutation_importance(forgeml.load("credit-model"), "holdout.csv").head(3)   # doctest: +SKIP
             feature  importance       std  baseline
    0  checking_status    0.061...
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import UndefinedMetricWarning

from forgeml.automl import AutoML
from forgeml.data import prepare_training, read_table
from forgeml.errors import ConfigError, TargetError
from forgeml.metrics import Scorer, get_scorer
from forgeml.predictor import Predictor

__all__ = ["Labelled", "labelled_rows", "permutation_importance"]

_MAX_STACK_ROWS = 200_000


@dataclass(frozen=True)
class Labelled:
    """Labelled rows: the typed features ``X``, encoded target ``y`` and the kept rows of the
    original table ``raw`` (same order), for columns that are not features (segments)."""

    X: pd.DataFrame
    y: np.ndarray
    raw: pd.DataFrame
    n_dropped: int


def labelled_rows(predictor: Predictor, data: Any, *, purpose: str = "this") -> Labelled:
    """Rows of ``data`` with a target value; :class:`TargetError` naming the target when it is absent.

    Example:
        >>> labelled_rows(predictor, "holdout.csv").y[:3]     # doctest: +SKIP
        array([0, 1, 0])
    """
    df = read_table(data)
    target = predictor.schema.target.name
    if target not in df.columns:
        raise TargetError(
            f"the data has no target column '{target}'; {purpose} needs labelled rows "
            f"(the columns are: {', '.join(map(str, df.columns[:30]))})."
        )
    X, y, dropped = prepare_training(df, predictor.schema)
    keep = df[target].notna().to_numpy()
    return Labelled(X, y, df.loc[keep].reset_index(drop=True), dropped)


def _score(scorer: Scorer, y: np.ndarray, raw: np.ndarray) -> float:
    try:
        with warnings.catch_warnings():  # e.g. ROC AUC on rows of one class: undefined, not an error
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return scorer.score(y, raw)
    except ValueError:
        return float("nan")


def permutation_importance(
    model: AutoML | Predictor,
    data: Any,
    *,
    n_repeats: int = 5,
    seed: int = 0,
    max_rows: int | None = 5000,
    metric: str | Scorer | None = None,
) -> pd.DataFrame:
    """Importance of each input column on the labelled rows of ``data``, most important first.

    Columns: ``feature``, ``importance`` (mean worsening of the metric), ``std`` (over repeats),
    ``baseline`` (the unshuffled score) and ``metric``. At most ``max_rows`` rows are used (a seeded
    sample). ``metric`` defaults to the model's own.

    Example:
        >>> permutation_importance(automl, test_df, n_repeats=3, seed=1)["feature"].tolist()  # doctest: +SKIP
        ['x1', 'color', 'x2']
    """
    if not isinstance(n_repeats, int) or n_repeats < 1:
        raise ConfigError(f"'n_repeats' must be an integer >= 1, got {n_repeats!r}.")
    if max_rows is not None and (not isinstance(max_rows, int) or max_rows < 1):
        raise ConfigError(f"'max_rows' must be an integer >= 1 or None, got {max_rows!r}.")
    predictor = model.predictor if isinstance(model, AutoML) else model
    scorer = get_scorer(metric or predictor.metric, predictor.task)
    rows = labelled_rows(predictor, data, purpose="permutation importance")
    rng = np.random.default_rng(seed)
    X, y = rows.X, rows.y
    if max_rows is not None and len(X) > max_rows:
        pick = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        X, y = X.iloc[pick].reset_index(drop=True), y[pick]
    baseline = _score(scorer, y, predictor.predict_raw(X))
    features = predictor.schema.feature_names
    n = len(X)
    copies: list[pd.DataFrame] = []
    for f in features:
        for _ in range(n_repeats):
            c = X.copy()
            c[f] = X[f].to_numpy()[rng.permutation(n)]
            copies.append(c)
    per = max(1, _MAX_STACK_ROWS // max(1, n))
    scores: list[float] = []
    for start in range(0, len(copies), per):
        chunk = copies[start : start + per]
        raw = predictor.predict_raw(pd.concat(chunk, ignore_index=True))
        scores += [_score(scorer, y, raw[i * n : (i + 1) * n]) for i in range(len(chunk))]
    worse = np.asarray(scores).reshape(len(features), n_repeats)
    drop = baseline - worse if scorer.greater_is_better else worse - baseline
    out = pd.DataFrame(
        {
            "feature": features,
            "importance": drop.mean(axis=1),
            "std": drop.std(axis=1),
            "baseline": baseline,
            "metric": scorer.name,
        }
    )
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)

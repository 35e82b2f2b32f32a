"""Cross-validation folds: stratified, plain, grouped or time-ordered, all seeded.

Example:
    >>> folds = make_folds(np.array([0, 1] * 10), "binary", n_folds=5, seed=0)
    >>> len(folds), sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(20))
    (5, True)
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

from forgeml.errors import ConfigError, DataError, check_param

__all__ = ["make_folds"]

Fold = tuple[np.ndarray, np.ndarray]


def make_folds(
    y: np.ndarray,
    task: str,
    n_folds: int,
    seed: int,
    *,
    groups: np.ndarray | None = None,
    times: np.ndarray | None = None,
) -> list[Fold]:
    """Split row positions into ``(train_idx, val_idx)`` pairs.

    - classification: stratified K-fold, shuffled with ``seed`` (rare classes are allowed);
    - regression: shuffled K-fold;
    - ``groups``: a group never spans two folds (groups shuffled with ``seed``);
    - ``times``: rows ordered by time, expanding window; validation is strictly later than
      training, ties stay together, rows with a missing time are left out.

    ``n_folds`` is reduced to the number of rows when the data is tiny.

    Example:
        >>> folds = make_folds(np.arange(6.0), "regression", 3, seed=1, times=np.arange(6))
        >>> [v.tolist() for _, v in folds]
        [[3], [4], [5]]
    """
    check_param(isinstance(n_folds, int | np.integer) and n_folds >= 2, "n_folds", "an integer >= 2", n_folds)
    check_param(isinstance(seed, int | np.integer) and seed >= 0, "seed", "an integer >= 0", seed)
    y = np.asarray(y)
    n = len(y)
    if n < 2:
        raise DataError(f"cross-validation needs at least 2 rows, got {n}; give more training data.")
    if groups is not None and times is not None:
        raise ConfigError("give 'groups' or 'times' to make_folds, not both.")
    k = min(int(n_folds), n)
    positions = np.arange(n)
    if times is not None:
        return _time_folds(_check_len(times, n, "times"), k)
    if groups is not None:
        codes, uniques = pd.factorize(pd.Series(_check_len(groups, n, "groups"), dtype=object), use_na_sentinel=False)
        if len(uniques) < k:
            raise ConfigError(
                f"'group_column' must have at least n_folds={k} distinct groups, got {len(uniques)}; "
                "lower n_folds or use finer groups."
            )
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=int(seed))
        return _as_list(splitter.split(positions, groups=codes))
    if task in ("binary", "multiclass"):
        labels = pd.factorize(pd.Series(y, dtype=object), use_na_sentinel=False)[0]
        if np.bincount(labels).max() >= k:
            strat = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(seed))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*least populated class.*", category=UserWarning)
                return _as_list(strat.split(positions, labels))
    return _as_list(KFold(n_splits=k, shuffle=True, random_state=int(seed)).split(positions))


def _check_len(a: np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if len(arr) != n:
        raise ConfigError(f"'{name}' must have one value per row ({n}), got {len(arr)}.")
    return arr


def _as_list(splits: object) -> list[Fold]:
    return [(np.asarray(tr, dtype=np.int64), np.asarray(va, dtype=np.int64)) for tr, va in splits]  # type: ignore[attr-defined]


def _time_folds(times: np.ndarray, k: int) -> list[Fold]:
    t = pd.Series(times)
    if t.dtype == object or isinstance(t.dtype, pd.StringDtype):
        parsed = pd.to_datetime(t, errors="coerce", utc=True, format="mixed")
        t = parsed if parsed.notna().sum() >= t.notna().sum() else t
    present = np.flatnonzero(t.notna().to_numpy())
    order = present[np.argsort(t.iloc[present].to_numpy(), kind="stable")]
    sorted_t = t.iloc[order].to_numpy()
    m = len(order)
    k = max(1, min(k, m - 1))  # tiny data: fewer folds, each validating at least one row
    size = m // (k + 1)
    if size == 0:
        raise DataError(f"time-ordered validation with {k} folds needs at least {k + 1} rows with a time, got {m}.")
    starts = [m - (k - i) * size for i in range(k)] + [m]
    # move each boundary back to the first row with the same time, so ties stay on one side
    bounds = [int(np.searchsorted(sorted_t, sorted_t[b], side="left")) if b < m else m for b in starts]
    folds = [
        (np.sort(order[:lo]), np.sort(order[lo:hi])) for lo, hi in itertools.pairwise(bounds) if lo > 0 and hi > lo
    ]
    if not folds:
        raise DataError("time-ordered validation needs at least two distinct times; give more varied data.")
    return folds

"""Shadow-feature selection: drop input columns whose features do not beat shuffled copies of themselves.

Every feature gets a *shadow*: the same column with its rows shuffled (seeded), so it keeps its
distribution but loses any link to the target. LightGBM is trained on features plus shadows on a
seeded 80/20 split (the 20 % drives early stopping), a few times with different seeds. In one
repeat a feature *beats its shadow* when its gain importance is larger than both its own shadow's
gain and the largest gain of any shadow (the best that noise achieved in that repeat, as in
Boruta). The second condition matters: a pure-noise feature and its own shadow are exchangeable,
so the plain comparison alone keeps noise half of the time; with it, a noise column survives
about one time in ten, while weak but real signal is still kept. A source column is dropped when none of its
features beats its shadow in a majority of the repeats. At least one column is always kept.

Example:
    >>> import numpy as np
    >>> from forgeml.features import FeatureMatrix
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3)); y = (X[:, 0] > 0).astype(int)
    >>> res = select_features(FeatureMatrix(X, ["a", "b", "c"]), y, "binary")
    >>> "a" in res.drop
    False
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from lightgbm.callback import CallbackEnv

from forgeml.errors import check_param
from forgeml.features._matrix import FeatureMatrix

N_REPEATS = 3
N_ROUNDS = 150
MIN_ROWS = 20


@dataclass
class SelectionResult:
    """Outcome of :func:`select_features`: source columns to ``drop``, and per source column the
    mean (over repeats) summed gain of its features (``importance``) and of their shadows
    (``shadow_importance``); ``repeats`` is how many models were trained (0 when skipped)."""

    drop: list[str] = field(default_factory=list)
    importance: dict[str, float] = field(default_factory=dict)
    shadow_importance: dict[str, float] = field(default_factory=dict)
    repeats: int = 0


def _params(task: str, n_classes: int, seed: int, n_rows: int) -> dict[str, object]:
    params: dict[str, object] = {
        "learning_rate": 0.1,
        "num_leaves": 15,
        "min_data_in_leaf": max(5, min(20, n_rows // 50)),
        "num_threads": 1,
        "seed": seed,
        "deterministic": True,
        "verbosity": -1,
    }
    if task == "binary":
        params["objective"] = "binary"
    elif task == "multiclass":
        params.update(objective="multiclass", num_class=n_classes)
    else:
        params["objective"] = "regression"
    return params


def _stop_at(deadline: float | None) -> Callable[[CallbackEnv], None]:
    def callback(env: CallbackEnv) -> None:
        if deadline is not None and time.time() > deadline:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

    return callback


def _one_repeat(
    X: np.ndarray,
    y: np.ndarray,
    categorical: list[int],
    params: dict[str, object],
    seed: int,
    deadline: float | None,
) -> np.ndarray:
    """Gain importance of ``[features, shadows]`` from one seeded shadow draw and split.

    Columns are handed to LightGBM in a random order, because it breaks ties between equally
    good splits by column index, which would otherwise favour the real features."""
    rng = np.random.default_rng(seed)
    p = X.shape[1]
    cols = rng.permutation(2 * p)  # position i of the training matrix holds column cols[i]
    XX = np.hstack([X, rng.permuted(X, axis=0)])[:, cols]
    is_cat = np.isin(cols % p, categorical)
    cats = np.flatnonzero(is_cat).tolist()
    n = len(y)
    rows = rng.permutation(n)
    n_val = max(1, n // 5)
    val, train = rows[:n_val], rows[n_val:]
    dtrain = lgb.Dataset(XX[train], y[train], categorical_feature=cats, free_raw_data=True)
    dval = lgb.Dataset(XX[val], y[val], reference=dtrain)
    booster = lgb.train(
        {**params, "seed": seed},
        dtrain,
        num_boost_round=N_ROUNDS,
        valid_sets=[dval],
        callbacks=[lgb.early_stopping(20, verbose=False), _stop_at(deadline)],
    )
    gain = np.empty(2 * p)
    gain[cols] = booster.feature_importance(importance_type="gain")
    return gain


def select_features(
    fm: FeatureMatrix,
    y: np.ndarray,
    task: str,
    *,
    n_classes: int = 0,
    seed: int = 0,
    deadline: float | None = None,
) -> SelectionResult:
    """Find source columns that carry no signal beyond noise (see the module docstring).

    ``task`` is ``binary``, ``multiclass`` (class codes ``0..n_classes-1``) or ``regression``.
    Sparse matrices and tiny data (< 20 rows or < 2 source columns) are skipped: no drops.
    ``deadline`` (``time.time()`` seconds) stops boosting and further repeats once passed; when
    it has already passed on entry nothing is trained and nothing is dropped.
    """
    check_param(task in ("binary", "multiclass", "regression"), "task", "binary, multiclass or regression", task)
    y = np.asarray(y)
    sources = list(dict.fromkeys(fm.sources))
    if sp.issparse(fm.X) or fm.shape[0] < MIN_ROWS or len(sources) < 2:
        return SelectionResult()
    X = np.asarray(fm.X, dtype=np.float64)
    if task == "multiclass":
        n_classes = n_classes or int(y.max()) + 1
    y_fit = y.astype(np.float64) if task == "regression" else y.astype(np.int64)
    params = _params(task, n_classes, seed, len(y))
    p = X.shape[1]
    gains, wins = np.zeros(2 * p), np.zeros(p, dtype=np.int64)
    repeats = 0
    while repeats < N_REPEATS and (deadline is None or time.time() < deadline):
        g = _one_repeat(X, y_fit, list(fm.categorical), params, seed * 1000 + repeats, deadline)
        floor = float(g[p:].max()) if p else 0.0
        wins += (g[:p] > g[p:]) & (g[:p] > floor)
        gains += g
        repeats += 1
    if repeats == 0:
        return SelectionResult()
    gains /= repeats
    src = np.asarray(fm.sources)
    importance = {s: float(gains[:p][src == s].sum()) for s in sources}
    shadow = {s: float(gains[p:][src == s].sum()) for s in sources}
    beats = wins * 2 > repeats
    drop = [s for s in sources if not beats[src == s].any()]
    if len(drop) == len(sources):
        drop.remove(max(sources, key=lambda s: (importance[s] - shadow[s], importance[s])))
    return SelectionResult(drop, importance, shadow, repeats)

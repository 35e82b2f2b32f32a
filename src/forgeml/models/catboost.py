"""CatBoost ordered boosting (``catboost``) with its own target statistics for categoricals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import catboost as cb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from forgeml.errors import ModelFormatError
from forgeml.models._base import Matrix, Model, TaskInfo, time_left, valid_rows
from forgeml.models._boosting import BOOSTER_EXTRA_PARAMS, patience, planned_rounds
from forgeml.models._registry import register
from forgeml.space import Float, Int, SearchSpace

_FILE = "catboost.cbm"


class _DeadlineCallback:
    """CatBoost callback: returning False stops training (after at least one tree)."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline

    def after_iteration(self, info: Any) -> bool:
        return time_left(self.deadline) > 0


def _frame(X: Matrix, categorical: Sequence[int]) -> pd.DataFrame:
    """CatBoost needs integer (or string) categorical values: codes become ints, NaN becomes -1."""
    X = np.asarray(X, dtype=float)
    df = pd.DataFrame(X, columns=[str(j) for j in range(X.shape[1])])
    for j in categorical:
        col = X[:, j]
        df[str(j)] = np.where(np.isnan(col), -1, col).astype(np.int64)
    return df


@register
class CatBoostModel(Model):
    """CatBoost (symmetric trees) with native categoricals, early stopping and a wall-clock stop.

    Dense input only (sparse input is densified by the base class).

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
        >>> CatBoostModel(TaskInfo("binary", 2), {"max_rounds": 20}).fit(X, y).predict(X[:2]).shape
        (2, 2)
    """

    family = "catboost"
    encoding = "native"
    relative_cost = 3.0
    accepts_sparse = False
    iterative = True
    can_continue = True
    space = SearchSpace(
        {
            "learning_rate": Float(0.01, 0.3, default=0.05, log=True),
            "depth": Int(3, 10, default=6),
            "l2_leaf_reg": Float(1.0, 30.0, default=3.0, log=True),
            "random_strength": Float(0.1, 10.0, default=1.0, log=True),
            "one_hot_max_size": Int(2, 16, default=2),
        }
    )
    # AutoGluon's CatBoost default, then a deeper slower and a shallow faster configuration.
    defaults = (
        {"learning_rate": 0.05, "depth": 6},
        {"learning_rate": 0.03, "depth": 8, "l2_leaf_reg": 1.5},
        {"learning_rate": 0.1, "depth": 4, "l2_leaf_reg": 5.0, "one_hot_max_size": 10},
    )

    @classmethod
    def extra_params(cls) -> Sequence[str]:
        return BOOSTER_EXTRA_PARAMS

    def _estimator(self, task: TaskInfo, rounds: int) -> cb.CatBoost:
        p = {**self.space.starting_point(), **self.params}
        for k in BOOSTER_EXTRA_PARAMS:
            p.pop(k, None)
        loss = {"binary": "Logloss", "multiclass": "MultiClass"}.get(task.task, "RMSE")
        common = dict(
            iterations=rounds,
            loss_function=loss,
            thread_count=self.n_threads,
            random_seed=self.seed,
            allow_writing_files=False,
            verbose=False,
            **p,
        )
        if task.is_classification:
            return cb.CatBoostClassifier(**common)
        return cb.CatBoostRegressor(**common)

    def _fit(
        self,
        X: Matrix,
        y: np.ndarray,
        task: TaskInfo,
        categorical: list[int],
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        deadline: float | None,
        n_iterations: int | None,
    ) -> None:
        lr = {**self.space.starting_point(), **self.params}["learning_rate"]
        if n_iterations is not None:
            X_val = y_val = None
        X_val, y_val = valid_rows(X_val, y_val)
        rounds = planned_rounds(lr, self.params, X_val is not None, n_iterations)
        model = self._estimator(task, rounds)
        train = cb.Pool(_frame(X, categorical), y, cat_features=categorical or None)
        kwargs: dict[str, Any] = {}
        if X_val is not None:
            kwargs = dict(
                eval_set=cb.Pool(_frame(X_val, categorical), y_val, cat_features=categorical or None),
                use_best_model=True,
                early_stopping_rounds=patience(lr, self.params),
            )
        model.fit(train, callbacks=[_DeadlineCallback(deadline)], **kwargs)
        self.best_iteration_ = int(model.tree_count_)
        self._model = model

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        df = _frame(X, self._model.get_cat_feature_indices())
        if task.is_classification:
            return np.asarray(self._model.predict_proba(df))
        return np.asarray(self._model.predict(df))

    def contributions(self, X: Matrix) -> np.ndarray:
        """Exact SHAP values in the raw (margin) space: CatBoost's ``ShapValues`` feature importance.

        Shape ``(rows, features + 1)``, or ``(rows, features + 1, classes)`` for a multiclass fit;
        the last feature slot is the expected value, and each row sums to the ``RawFormulaVal``
        prediction (log-odds for classes, the value for regression). Classes are those present at fit.

        Example:
            >>> import numpy as np
            >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = X[:, 0]
            >>> m = CatBoostModel(TaskInfo("regression"), {"max_rounds": 20}).fit(X, y)
            >>> bool(np.allclose(m.contributions(X).sum(axis=1), m.predict(X)))
            True
        """
        cats = self._model.get_cat_feature_indices()
        pool = cb.Pool(_frame(X.toarray() if sp.issparse(X) else X, cats), cat_features=cats or None)
        out = np.asarray(self._model.get_feature_importance(pool, type="ShapValues"), dtype=float)
        return out.transpose(0, 2, 1) if out.ndim == 3 else out

    def _continue(
        self,
        X: Matrix,
        y: np.ndarray,
        categorical: list[int],
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        rounds: int,
        deadline: float | None,
    ) -> None:
        """More trees from the kept ones (``fit(init_model=...)``); the best prefix is kept."""
        lr = {**self.space.starting_point(), **self.params}["learning_rate"]
        cats = list(self._model.get_cat_feature_indices())
        model = self._estimator(self._inner_task, rounds)
        train = cb.Pool(_frame(X, cats), y, cat_features=cats or None)
        kwargs: dict[str, Any] = {}
        if X_val is not None:
            kwargs = dict(
                eval_set=cb.Pool(_frame(X_val, cats), y_val, cat_features=cats or None),
                use_best_model=True,
                early_stopping_rounds=patience(lr, self.params),
            )
        model.fit(train, init_model=self._model, callbacks=[_DeadlineCallback(deadline)], **kwargs)
        self.best_iteration_ = int(model.tree_count_)
        self._model = model

    def _save(self, directory: Path) -> None:
        self._model.save_model(str(directory / _FILE), format="cbm")

    def _load(self, directory: Path) -> None:
        path = directory / _FILE
        model = cb.CatBoostClassifier() if self._inner_task.is_classification else cb.CatBoostRegressor()
        try:
            model.load_model(str(path), format="cbm")
        except (OSError, cb.CatBoostError) as err:
            raise ModelFormatError(f"cannot load CatBoost model from {path}: {err}") from err
        self._model = model

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """Quantised features, per-permutation approximations and the oblivious trees."""
        p = {**cls.space.starting_point(), **params}
        k = max(1, task.n_classes) if task.task == "multiclass" else 1
        quantised = n_rows * n_cols * 4
        approx = n_rows * k * 8 * 6
        histograms = (2 ** p["depth"]) * n_cols * 256 * 8 * k
        trees = 2_000 * k * (2 ** p["depth"]) * 16
        return int(quantised + approx + histograms + trees + 80e6)

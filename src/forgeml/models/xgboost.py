"""XGBoost gradient-boosted trees (``xgboost``): ``hist`` trees with native categorical splits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

from forgeml.errors import ModelFormatError
from forgeml.models._base import Matrix, Model, TaskInfo, time_left, valid_rows
from forgeml.models._boosting import BOOSTER_EXTRA_PARAMS, patience, planned_rounds
from forgeml.models._registry import register
from forgeml.space import Float, Int, SearchSpace

_FILE = "xgboost.ubj"


class _DeadlineCallback(xgb.callback.TrainingCallback):
    """Stop boosting once the deadline has passed (after at least one round)."""

    def __init__(self, deadline: float | None) -> None:
        super().__init__()
        self.deadline = deadline

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        return time_left(self.deadline) <= 0


@register
class XGBoostModel(Model):
    """XGBoost booster (``tree_method="hist"``) with native categoricals and early stopping.

    Dense input only: XGBoost reads the absent entries of a sparse matrix as *missing*, not zero,
    so sparse input is densified by the base class to keep one meaning for a cell.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = X[:, 0]
        >>> XGBoostModel(TaskInfo("regression"), {"max_rounds": 20}).fit(X, y).predict(X[:2]).shape
        (2,)
    """

    family = "xgboost"
    encoding = "native"
    relative_cost = 1.5
    accepts_sparse = False
    iterative = True
    can_continue = True
    space = SearchSpace(
        {
            "learning_rate": Float(0.005, 0.3, default=0.1, log=True),
            "max_depth": Int(2, 12, default=6),
            "min_child_weight": Float(0.1, 20.0, default=1.0, log=True),
            "subsample": Float(0.5, 1.0, default=1.0),
            "colsample_bytree": Float(0.4, 1.0, default=1.0),
            "reg_alpha": Float(1e-4, 10.0, default=1e-4, log=True),
            "reg_lambda": Float(1e-3, 10.0, default=1.0, log=True),
            "max_cat_to_onehot": Int(1, 16, default=4),
        }
    )
    # AutoGluon's XGBoost default, then a deeper subsampled and a shallow regularised configuration.
    defaults = (
        {"learning_rate": 0.1, "max_depth": 6},
        {"learning_rate": 0.05, "max_depth": 8, "min_child_weight": 2.0, "subsample": 0.8, "colsample_bytree": 0.7},
        {"learning_rate": 0.1, "max_depth": 3, "colsample_bytree": 0.8, "reg_lambda": 5.0},
    )

    @classmethod
    def extra_params(cls) -> Sequence[str]:
        return BOOSTER_EXTRA_PARAMS

    def _xgb_params(self, task: TaskInfo) -> dict[str, Any]:
        p = {**self.space.starting_point(), **self.params}
        for k in BOOSTER_EXTRA_PARAMS:
            p.pop(k, None)
        if task.task == "binary":
            p.update(objective="binary:logistic", eval_metric="logloss")
        elif task.task == "multiclass":
            p.update(objective="multi:softprob", eval_metric="mlogloss", num_class=task.n_classes)
        else:
            p.update(objective="reg:squarederror", eval_metric="rmse")
        p.update(tree_method="hist", nthread=self.n_threads, seed=self.seed, verbosity=0)
        return p

    def _matrix(self, X: Matrix, y: np.ndarray | None = None) -> xgb.DMatrix:
        types = self._feature_types
        return xgb.DMatrix(
            X,
            label=y,
            missing=np.nan,
            feature_types=types,
            enable_categorical=types is not None,
            nthread=self.n_threads,
        )

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
        cats = set(categorical)
        self._feature_types = ["c" if j in cats else "q" for j in range(X.shape[1])] if cats else None
        params = self._xgb_params(task)
        if n_iterations is not None:
            X_val = y_val = None
        X_val, y_val = valid_rows(X_val, y_val)
        rounds = planned_rounds(params["learning_rate"], self.params, X_val is not None, n_iterations)
        evals = [] if X_val is None else [(self._matrix(X_val, y_val), "val")]
        booster = xgb.train(
            params,
            self._matrix(X, y),
            num_boost_round=rounds,
            evals=evals,
            early_stopping_rounds=patience(params["learning_rate"], self.params) if evals else None,
            callbacks=[_DeadlineCallback(deadline)],
            verbose_eval=False,
        )
        best = booster.attr("best_iteration") if evals else None  # unset if stopped in round one
        if best is not None and int(best) + 1 < booster.num_boosted_rounds():
            booster = booster[: int(best) + 1]
        self.best_iteration_ = int(booster.num_boosted_rounds())
        self._booster = booster

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        return np.asarray(self._booster.predict(self._matrix(X)))

    def contributions(self, X: Matrix) -> np.ndarray:
        """Exact TreeSHAP values in the raw (margin) space: XGBoost's ``pred_contribs`` output.

        Shape ``(rows, features + 1)``, or ``(rows, features + 1, classes)`` for a multiclass fit;
        the last feature slot is the bias, and each row sums to the booster's margin
        (``output_margin=True``). Classes are those present at fit.

        Example:
            >>> import numpy as np
            >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = X[:, 0]
            >>> m = XGBoostModel(TaskInfo("regression"), {"max_rounds": 20}).fit(X, y)
            >>> bool(np.allclose(m.contributions(X).sum(axis=1), m.predict(X), atol=1e-5))
            True
        """
        if sp.issparse(X):
            X = X.toarray()
        out = np.asarray(self._booster.predict(self._matrix(X), pred_contribs=True), dtype=float)
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
        """More rounds from the kept trees (``xgb.train(xgb_model=...)``); the best prefix is kept."""
        params = self._xgb_params(self._inner_task)
        done = int(self._booster.num_boosted_rounds())
        evals = [] if X_val is None else [(self._matrix(X_val, y_val), "val")]
        booster = xgb.train(
            params,
            self._matrix(X, y),
            num_boost_round=rounds,
            evals=evals,
            early_stopping_rounds=patience(params["learning_rate"], self.params) if evals else None,
            callbacks=[_DeadlineCallback(deadline)],
            verbose_eval=False,
            xgb_model=self._booster,
        )
        best = booster.attr("best_iteration") if evals else None
        keep = booster.num_boosted_rounds() if best is None else max(done + 1, int(best) + 1)
        if keep < booster.num_boosted_rounds():
            booster = booster[:keep]
        self.best_iteration_ = int(booster.num_boosted_rounds())
        self._booster = booster

    def _save(self, directory: Path) -> None:
        self._booster.save_model(str(directory / _FILE))

    def _load(self, directory: Path) -> None:
        path = directory / _FILE
        try:
            booster = xgb.Booster(params={"nthread": self.n_threads})
            booster.load_model(str(path))
        except (OSError, xgb.core.XGBoostError) as err:
            raise ModelFormatError(f"cannot load XGBoost model from {path}: {err}") from err
        self._booster = booster
        types = booster.feature_types
        self._feature_types = list(types) if types and "c" in types else None

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """Quantised data, per-node histograms at each depth, gradients and the trees."""
        p = {**cls.space.starting_point(), **params}
        k = max(1, task.n_classes) if task.task == "multiclass" else 1
        quantised = n_rows * n_cols * 2
        nodes = min(2 ** p["max_depth"], max(1, n_rows))
        histograms = nodes * n_cols * 256 * 16
        gradients = n_rows * k * 8 * 4
        trees = 2_000 * k * nodes * 40
        return int(quantised + histograms + gradients + trees + 40e6)

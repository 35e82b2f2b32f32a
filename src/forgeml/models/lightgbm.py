"""LightGBM gradient-boosted trees (``lightgbm``), trained with ``lgb.train`` on native categoricals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp

from forgeml.errors import ModelFormatError
from forgeml.models._base import Matrix, Model, TaskInfo, time_left, valid_rows
from forgeml.models._boosting import BOOSTER_EXTRA_PARAMS, patience, planned_rounds
from forgeml.models._registry import register
from forgeml.space import Categorical, Float, Int, SearchSpace

_FILE = "lightgbm.txt"


def _deadline_callback(deadline: float | None) -> Any:
    """Stop boosting once ``deadline`` has passed; the trees grown so far stay usable."""

    def _callback(env: Any) -> None:
        if time_left(deadline) <= 0:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

    _callback.order = 40  # type: ignore[attr-defined]
    return _callback


@register
class LightGBMModel(Model):
    """LightGBM booster with native categorical splits, early stopping and a wall-clock stop.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
        >>> m = LightGBMModel(TaskInfo("binary", 2), {"max_rounds": 20}).fit(X, y)
        >>> m.predict(X[:3]).shape
        (3, 2)
    """

    family = "lightgbm"
    encoding = "native"
    relative_cost = 1.0
    accepts_sparse = True
    iterative = True
    can_continue = True
    space = SearchSpace(
        {
            "learning_rate": Float(0.005, 0.3, default=0.05, log=True),
            "num_leaves": Int(4, 256, default=31, log=True),
            "min_data_in_leaf": Int(2, 200, default=20, log=True),
            "feature_fraction": Float(0.4, 1.0, default=0.9),
            "bagging_fraction": Float(0.5, 1.0, default=1.0),
            "lambda_l1": Float(1e-4, 10.0, default=1e-4, log=True),
            "lambda_l2": Float(1e-4, 10.0, default=1e-4, log=True),
            "max_bin": Categorical((255, 63, 127, 511)),
            "cat_smooth": Float(1.0, 50.0, default=10.0, log=True),
            "extra_trees": Categorical((False, True)),
        }
    )
    # AutoGluon's GBM, GBMXT and GBMLarge, then a small, regularised, bagged configuration.
    defaults = (
        {"learning_rate": 0.05},
        {"learning_rate": 0.05, "extra_trees": True},
        {"learning_rate": 0.03, "num_leaves": 128, "feature_fraction": 0.9, "min_data_in_leaf": 3},
        {
            "learning_rate": 0.1,
            "num_leaves": 15,
            "min_data_in_leaf": 50,
            "feature_fraction": 0.7,
            "bagging_fraction": 0.8,
            "lambda_l2": 1.0,
        },
    )

    @classmethod
    def extra_params(cls) -> Sequence[str]:
        return BOOSTER_EXTRA_PARAMS

    def _lgb_params(self, task: TaskInfo) -> dict[str, Any]:
        p = {**self.space.starting_point(), **self.params}
        for k in BOOSTER_EXTRA_PARAMS:
            p.pop(k, None)
        if task.task == "binary":
            p.update(objective="binary", metric="binary_logloss")
        elif task.task == "multiclass":
            p.update(objective="multiclass", metric="multi_logloss", num_class=task.n_classes)
        else:
            p.update(objective="regression", metric="l2")
        if p["bagging_fraction"] < 1.0:
            p["bagging_freq"] = 1
        p.update(
            num_threads=self.n_threads,
            seed=self.seed,
            deterministic=True,
            force_row_wise=True,
            verbosity=-1,
            feature_pre_filter=False,
        )
        return p

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
        params = self._lgb_params(task)
        if n_iterations is not None:
            X_val = y_val = None
        X_val, y_val = valid_rows(X_val, y_val)
        rounds = planned_rounds(params["learning_rate"], self.params, X_val is not None, n_iterations)
        self._train(params, X, y, categorical, X_val, y_val, rounds, deadline, init=None)

    def _train(
        self,
        params: dict[str, Any],
        X: Matrix,
        y: np.ndarray,
        categorical: list[int],
        X_val: Matrix | None,
        y_val: np.ndarray | None,
        rounds: int,
        deadline: float | None,
        init: lgb.Booster | None,
    ) -> None:
        """Boost ``rounds`` more rounds (from ``init``'s trees if given), early-stopped on the
        validation rows; ``best_iteration_`` counts ``init``'s trees too."""
        done = 0 if init is None else init.current_iteration()
        cat: list[int] | Literal["auto"] = categorical or "auto"
        train = lgb.Dataset(X, label=y, categorical_feature=cat, free_raw_data=True)
        callbacks = [_deadline_callback(deadline)]
        valid_sets = []
        history: dict[str, Any] = {}
        if X_val is not None:
            valid_sets = [lgb.Dataset(X_val, label=y_val, reference=train, categorical_feature=cat)]
            callbacks.append(lgb.early_stopping(patience(params["learning_rate"], self.params), verbose=False))
            callbacks.append(lgb.record_evaluation(history))
        booster = lgb.train(
            params,
            train,
            num_boost_round=rounds,
            init_model=init,
            valid_sets=valid_sets,
            valid_names=["val"] * len(valid_sets),
            callbacks=callbacks,
        )
        if history:
            self.best_iteration_ = done + int(np.argmin(next(iter(history["val"].values())))) + 1
        else:
            self.best_iteration_ = booster.current_iteration()
        self._booster = booster

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        out = self._booster.predict(X, num_iteration=self.best_iteration_)
        return np.asarray(out)

    def contributions(self, X: Matrix) -> np.ndarray:
        """Exact TreeSHAP values in the raw (margin) space: LightGBM's ``pred_contrib`` output.

        Shape ``(rows, features + 1)``, or ``(rows, features + 1, classes)`` for a multiclass fit;
        the last feature slot is the expected value (bias), and each row sums to the booster's raw
        score (log-odds for classes, the value for regression). Classes are those present at fit.

        Example:
            >>> import numpy as np
            >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = X[:, 0]
            >>> m = LightGBMModel(TaskInfo("regression"), {"max_rounds": 20}).fit(X, y)
            >>> bool(np.allclose(m.contributions(X).sum(axis=1), m.predict(X)))
            True
        """
        if sp.issparse(X):
            X = X.toarray()
        out = np.asarray(self._booster.predict(X, num_iteration=self.best_iteration_, pred_contrib=True), dtype=float)
        per_row = int(self._booster.num_model_per_iteration())
        if per_row == 1:
            return out
        return out.reshape(out.shape[0], per_row, -1).transpose(0, 2, 1)

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
        """More rounds from the kept trees (``lgb.train(init_model=...)``); the best prefix is kept."""
        init = lgb.Booster(model_str=self._booster.model_to_string(num_iteration=self.best_iteration_))
        self._train(self._lgb_params(self._inner_task), X, y, categorical, X_val, y_val, rounds, deadline, init=init)

    def _save(self, directory: Path) -> None:
        (directory / _FILE).write_text(self._booster.model_to_string(num_iteration=self.best_iteration_))

    def _load(self, directory: Path) -> None:
        try:
            self._booster = lgb.Booster(model_str=(directory / _FILE).read_text())
        except (OSError, lgb.basic.LightGBMError) as err:
            raise ModelFormatError(f"cannot load LightGBM model from {directory / _FILE}: {err}") from err

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """Binned data (1-4 bytes a cell), histograms per leaf, gradients and the tree text."""
        p = {**cls.space.starting_point(), **params}
        k = max(1, task.n_classes) if task.task == "multiclass" else 1
        binned = n_rows * n_cols * (1 if p["max_bin"] <= 255 else 2)
        histograms = p["num_leaves"] * n_cols * p["max_bin"] * 16 * k
        gradients = n_rows * k * 8 * 3
        trees = 2_000 * k * p["num_leaves"] * 40
        return int(binned + histograms + gradients + trees + 30e6)

"""LightGBM gradient-boosted trees (``lightgbm``), trained with ``lgb.train`` on native categoricals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import lightgbm as lgb
import numpy as np

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
        cat: list[int] | Literal["auto"] = categorical or "auto"
        train = lgb.Dataset(X, label=y, categorical_feature=cat, free_raw_data=True)
        if n_iterations is not None:
            X_val = y_val = None
        X_val, y_val = valid_rows(X_val, y_val)
        rounds = planned_rounds(params["learning_rate"], self.params, X_val is not None, n_iterations)
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
            valid_sets=valid_sets,
            valid_names=["val"] * len(valid_sets),
            callbacks=callbacks,
        )
        if history:
            losses = next(iter(history["val"].values()))
            self.best_iteration_ = int(np.argmin(losses)) + 1
        else:
            self.best_iteration_ = booster.current_iteration()
        self._booster = booster

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        out = self._booster.predict(X, num_iteration=self.best_iteration_)
        return np.asarray(out)

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

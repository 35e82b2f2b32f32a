"""Bagged decision-tree ensembles: random forest (``random_forest``) and extra trees (``extra_trees``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

from forgeml.models._base import Matrix, TaskInfo, time_left
from forgeml.models._registry import register
from forgeml.models._sklearn import SklearnModel
from forgeml.space import Categorical, Int, SearchSpace

_CHUNK = 50

_SPACE = SearchSpace(
    {
        "n_estimators": Int(50, 1000, default=300, log=True),
        "max_features": Categorical(("auto", "sqrt", "log2", 0.3, 0.5, 0.8, 1.0)),
        "min_samples_leaf": Int(1, 50, default=1, log=True),
        "max_depth": Categorical((None, 8, 12, 16, 24)),
        "max_leaf_nodes": Categorical((None, 1000, 5000, 15000, 50000), default=5000),
    }
)


class _Forest(SklearnModel):
    """Shared fitting for the sklearn forests: trees grown in chunks until done or out of time.

    Missing values (NaN) are handled natively by scikit-learn's trees (>= 1.6 for extra trees):
    each split learns which side missing values go to. Categorical codes are used as numbers.
    ``max_features="auto"`` means ``"sqrt"`` for classification and ``1.0`` for regression.
    """

    skops_file = "forest.skops"

    encoding = "native"
    accepts_sparse = True
    iterative = False
    space = _SPACE
    _classifier: ClassVar[type[Any]]
    _regressor: ClassVar[type[Any]]
    _bootstrap_share: ClassVar[float]

    def _estimator(self, task: TaskInfo) -> Any:
        p = {**self.space.starting_point(), **self.params}
        max_features = p.pop("max_features")
        if max_features == "auto":
            max_features = "sqrt" if task.is_classification else 1.0
        cls = self._classifier if task.is_classification else self._regressor
        criterion = "gini" if task.is_classification else "squared_error"
        p.pop("n_estimators")
        return cls(
            n_estimators=0,
            warm_start=True,
            criterion=criterion,
            max_features=max_features,
            n_jobs=self.n_threads,
            random_state=self.seed,
            **p,
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
        total = int({**self.space.starting_point(), **self.params}["n_estimators"])
        est = self._estimator(task)
        chunk = min(_CHUNK if deadline is None else 10, total)  # time a small first chunk under a deadline
        while est.n_estimators < total:
            start, before = time.perf_counter(), est.n_estimators
            est.n_estimators = min(total, before + chunk)
            est.fit(X, y)
            left = time_left(deadline)
            if left <= 0:
                break
            if deadline is not None:  # the next chunk should end before the deadline
                per_tree = max((time.perf_counter() - start) / (est.n_estimators - before), 1e-6)
                chunk = max(1, min(_CHUNK, int(left / per_tree)))
        self._est = est

    def _estimator_types(self) -> tuple[type, ...]:
        return (self._classifier if self._inner_task.is_classification else self._regressor,)

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """Trees dominate: about ``2 * rows / min_samples_leaf`` nodes a tree (capped by depth and
        leaves), each node 64 bytes plus one float per class, times ``n_estimators``."""
        p = {**cls.space.starting_point(), **params}
        leaves = cls._bootstrap_share * n_rows / p["min_samples_leaf"]
        if p["max_leaf_nodes"] is not None:
            leaves = min(leaves, p["max_leaf_nodes"])
        if p["max_depth"] is not None:
            leaves = min(leaves, 2 ** p["max_depth"])
        node_bytes = 64 + 8 * max(1, task.n_classes)
        trees = p["n_estimators"] * max(1.0, 2 * leaves) * node_bytes
        work = n_rows * n_cols * 4 + n_rows * 8 * 4
        return int(trees + work + 20e6)


@register
class RandomForestModel(_Forest):
    """scikit-learn random forest (bootstrap samples, best split among ``max_features``)."""

    family = "random_forest"
    relative_cost = 1.5
    _classifier = RandomForestClassifier
    _regressor = RandomForestRegressor
    _bootstrap_share = 0.632
    # AutoGluon's RF default with leaves capped at 5,000 a tree (uncapped, 300 trees on 40k rows
    # make a 1 GB model that takes seconds to save and load), then a decorrelated and a larger one.
    defaults = (
        {"n_estimators": 300, "max_leaf_nodes": 5000},
        {"n_estimators": 300, "max_features": 0.5, "min_samples_leaf": 2, "max_leaf_nodes": 5000},
        {"n_estimators": 300, "max_features": "sqrt", "max_leaf_nodes": 15000, "min_samples_leaf": 1},
    )


@register
class ExtraTreesModel(_Forest):
    """scikit-learn extremely randomised trees (random thresholds, whole sample)."""

    family = "extra_trees"
    relative_cost = 1.0
    _classifier = ExtraTreesClassifier
    _regressor = ExtraTreesRegressor
    _bootstrap_share = 1.0
    defaults = (
        {"n_estimators": 300, "max_leaf_nodes": 5000},
        {"n_estimators": 300, "max_features": 0.5, "min_samples_leaf": 2, "max_leaf_nodes": 5000},
        {"n_estimators": 300, "max_features": 1.0, "max_leaf_nodes": 15000},
    )

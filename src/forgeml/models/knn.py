"""k-nearest neighbours (``knn``) on the dense (imputed, scaled, one-hot) encoding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from forgeml.models._base import Matrix, TaskInfo
from forgeml.models._registry import register
from forgeml.models._sklearn import SklearnModel
from forgeml.space import Categorical, Int, SearchSpace


@register
class KNNModel(SklearnModel):
    """k-nearest neighbours: class shares (or mean value) among the ``n_neighbors`` closest rows.

    Accepts scipy CSR input (searched by brute force). ``n_neighbors`` is clipped to the number
    of training rows. Fitting is cheap; prediction cost and memory grow with the training rows.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = X[:, 0]
        >>> KNNModel(TaskInfo("regression")).fit(X, y).predict(X[:2]).shape
        (2,)
    """

    family = "knn"
    skops_file = "knn.skops"
    encoding = "dense"
    relative_cost = 0.2
    accepts_sparse = True
    iterative = False
    space = SearchSpace(
        {
            "n_neighbors": Int(1, 64, default=10, log=True),
            "weights": Categorical(("uniform", "distance")),
            "p": Categorical((2, 1)),
        }
    )
    # AutoGluon's KNNUnif and KNNDist, then a smoother distance-weighted configuration.
    defaults = (
        {"weights": "uniform"},
        {"weights": "distance"},
        {"n_neighbors": 25, "weights": "distance"},
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
        p = {**self.space.starting_point(), **self.params}
        k = max(1, min(int(p["n_neighbors"]), X.shape[0]))
        algorithm = "brute" if sp.issparse(X) else "auto"
        cls = KNeighborsClassifier if task.is_classification else KNeighborsRegressor
        est = cls(n_neighbors=k, weights=p["weights"], p=p["p"], algorithm=algorithm, n_jobs=self.n_threads)
        self._est = est.fit(X, y)

    def _estimator_types(self) -> tuple[type, ...]:
        return (KNeighborsClassifier, KNeighborsRegressor)

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """A copy of the training data, the search tree, and distance blocks at predict time."""
        p = {**cls.space.starting_point(), **params}
        return int(n_rows * n_cols * 8 + n_rows * 16 + n_rows * p["n_neighbors"] * 16 + 10e6)

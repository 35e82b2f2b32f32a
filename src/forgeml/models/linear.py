"""Regularised linear models (``linear``): logistic regression for classes, ridge for values."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from forgeml.errors import check_param
from forgeml.models._base import Matrix, TaskInfo
from forgeml.models._registry import register
from forgeml.models._sklearn import SklearnModel
from forgeml.space import Float, SearchSpace

_SAGA_ROWS = 50_000


@register
class LinearModel(SklearnModel):
    """L2-regularised linear model on the dense (imputed, scaled, one-hot) encoding.

    One hyper-parameter, ``alpha``, the regularisation strength: ``Ridge(alpha=alpha)`` for
    regression and ``LogisticRegression(C=1/alpha)`` (multinomial, ``lbfgs``; ``saga`` for sparse
    input over 50,000 rows) for classification. Accepts scipy CSR input. Iterations are capped by
    ``max_iter`` (default 1000) and convergence warnings are silenced.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
        >>> LinearModel(TaskInfo("binary", 2)).fit(X, y).predict(X[:2]).shape
        (2, 2)
    """

    family = "linear"
    skops_file = "linear.skops"
    encoding = "dense"
    relative_cost = 0.1
    accepts_sparse = True
    iterative = False
    space = SearchSpace({"alpha": Float(1e-4, 1e3, default=1.0, log=True)})
    defaults = ({"alpha": 1.0}, {"alpha": 0.1}, {"alpha": 10.0})

    @classmethod
    def extra_params(cls) -> Sequence[str]:
        return ("max_iter",)

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
        max_iter = p.get("max_iter", 1000)
        check_param(isinstance(max_iter, int) and max_iter >= 1, "max_iter", "an integer >= 1", max_iter)
        est: LogisticRegression | Ridge
        if task.is_classification:
            solver = "saga" if sp.issparse(X) and X.shape[0] > _SAGA_ROWS else "lbfgs"
            est = LogisticRegression(C=1.0 / p["alpha"], solver=solver, max_iter=max_iter, random_state=self.seed)
        else:
            est = Ridge(alpha=p["alpha"], max_iter=max_iter, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            est.fit(X, y)
        self._est = est

    def _estimator_types(self) -> tuple[type, ...]:
        return (LogisticRegression, Ridge)

    @classmethod
    def estimate_memory(cls, n_rows: int, n_cols: int, params: Mapping[str, Any], task: TaskInfo) -> int:
        """A working copy of the data, per-row scores per class and a few gradient vectors."""
        k = max(1, task.n_classes)
        return int(n_rows * n_cols * 8 + n_rows * k * 8 * 3 + n_cols * k * 8 * 20 + 10e6)

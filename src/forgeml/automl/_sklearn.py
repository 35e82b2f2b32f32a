"""scikit-learn compatible estimators: ``AutoClassifier`` and ``AutoRegressor``."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from forgeml.automl._automl import AutoML
from forgeml.errors import NotFittedError

_TARGET = "__forgeml_target__"


class _AutoEstimator(BaseEstimator):
    _task: str | None = None

    def __init__(
        self,
        time_limit: str | float | None = None,
        max_trials: int | None = None,
        metric: Any = None,
        search: str = "bayes",
        seed: int = 0,
        n_folds: int = 5,
        n_jobs: int | None = None,
        memory_limit: str | int | None = None,
        families: tuple[str, ...] | None = None,
        executor: str = "process",
    ) -> None:
        self.time_limit = time_limit
        self.max_trials = max_trials
        self.metric = metric
        self.search = search
        self.seed = seed
        self.n_folds = n_folds
        self.n_jobs = n_jobs
        self.memory_limit = memory_limit
        self.families = families
        self.executor = executor

    def _frame(self, X: Any) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X.reset_index(drop=True)
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {arr.shape}.")
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])

    def _fit(self, X: Any, y: Any, task: str | None) -> Self:
        frame = self._frame(X).copy()
        frame[_TARGET] = np.asarray(y)
        self.automl_ = AutoML(task=task, **self.get_params()).fit(frame, target=_TARGET)
        self.n_features_in_ = frame.shape[1] - 1
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def _automl(self) -> AutoML:
        if not hasattr(self, "automl_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first.")
        return self.automl_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels or values."""
        return self._automl().predict(self._frame(X))

    def leaderboard(self) -> pd.DataFrame:
        return self._automl().leaderboard()


class AutoClassifier(ClassifierMixin, _AutoEstimator):
    """AutoML as a scikit-learn classifier.

    Example:
        >>> from sklearn.base import clone
        >>> clf = AutoClassifier(time_limit=30, seed=1)
        >>> clone(clf).get_params()["seed"]
        1
    """

    def fit(self, X: Any, y: Any) -> Self:
        n = pd.Series(np.asarray(y)).nunique(dropna=True)
        self._fit(X, y, "binary" if n == 2 else "multiclass")
        self.classes_ = np.asarray(self.automl_.classes_)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, columns in ``classes_`` order."""
        return self._automl().predict_proba(self._frame(X)).to_numpy()


class AutoRegressor(RegressorMixin, _AutoEstimator):
    """AutoML as a scikit-learn regressor."""

    def fit(self, X: Any, y: Any) -> Self:
        return self._fit(X, y, "regression")

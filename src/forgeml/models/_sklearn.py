"""Families backed by one scikit-learn estimator, saved with skops (no code runs on load)."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from forgeml.models._base import Matrix, Model, TaskInfo
from forgeml.models._skops_io import load_skops, save_skops


class SklearnModel(Model):
    """Predicts with ``self._est`` (``predict_proba`` for classes) and stores it as ``skops_file``.

    Subclasses implement ``_fit`` (setting ``self._est``) and ``_estimator_types``: the classes a
    loaded file may hold.
    """

    skops_file: ClassVar[str]
    _est: Any

    @abstractmethod
    def _estimator_types(self) -> tuple[type, ...]:
        """The estimator classes a saved file of this family may hold."""

    def _predict(self, X: Matrix, task: TaskInfo) -> np.ndarray:
        if task.is_classification:
            return np.asarray(self._est.predict_proba(X))
        return np.asarray(self._est.predict(X))

    def _save(self, directory: Path) -> None:
        save_skops(self._est, directory / self.skops_file)

    def _load(self, directory: Path) -> None:
        self._est = load_skops(directory / self.skops_file, self._estimator_types())

"""A trial's record: what was tried, how it scored on each fold, and its out-of-fold predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

STATUSES = ("running", "complete", "pruned", "failed", "skipped")


@dataclass
class TrialRecord:
    """One configuration evaluated by cross-validation. A failed trial is data, not a crash."""

    id: int
    family: str
    params: dict[str, Any]
    source: str
    feature_set: str | None = None
    status: str = "running"
    fold_scores: dict[int, float] = field(default_factory=dict)
    oof: np.ndarray | None = None
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    n_predicted: int = 0
    best_iterations: list[int] = field(default_factory=list)
    error: str | None = None
    handle: Any = None

    @property
    def name(self) -> str:
        return f"{self.family}_{self.id}"

    @property
    def score(self) -> float:
        return float(np.mean(list(self.fold_scores.values()))) if self.fold_scores else float("nan")

    @property
    def score_std(self) -> float:
        return float(np.std(list(self.fold_scores.values()))) if len(self.fold_scores) > 1 else 0.0

    def prefix_mean(self, n: int) -> float | None:
        """Mean score over folds ``0..n-1`` when all of them are done."""
        if all(i in self.fold_scores for i in range(n)):
            return float(np.mean([self.fold_scores[i] for i in range(n)]))
        return None

    @property
    def mean_fold_fit_seconds(self) -> float:
        return self.fit_seconds / max(1, len(self.fold_scores))

    @property
    def predict_seconds_per_1k(self) -> float:
        return 1000.0 * self.predict_seconds / self.n_predicted if self.n_predicted else float("nan")

    @property
    def refit_iterations(self) -> int | None:
        """Rounds for a refit on all rows: the mean best iteration, grown for the extra data."""
        its = [i for i in self.best_iterations if i]
        if not its:
            return None
        return max(1, round(float(np.mean(its)) * 1.1))

"""Greedy ensemble selection with replacement (Caruana et al., 2004) over out-of-fold predictions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forgeml.metrics import Scorer


@dataclass(frozen=True)
class EnsembleResult:
    """Weights by candidate index (summing to 1) and the blend's score on the covered rows."""

    weights: dict[int, float]
    score: float
    trajectory: tuple[float, ...]


def greedy_ensemble(
    predictions: Sequence[np.ndarray],
    y: np.ndarray,
    scorer: Scorer,
    *,
    rows: np.ndarray | None = None,
    rounds: int = 40,
    patience: int = 10,
) -> EnsembleResult:
    """Add, one at a time and with replacement, the candidate that most improves the blend.

    The best prefix of the trajectory is kept, so the ensemble is never worse on these rows
    than the best single candidate. Selection stops early after ``patience`` rounds without a
    better blend: on big data each round scores every candidate, and late gains are rare and tiny.

    Example:
        >>> from forgeml.metrics import get_scorer
        >>> y = np.array([0.0, 1.0, 2.0, 3.0])
        >>> a, b = y + 1.0, y - 1.0
        >>> greedy_ensemble([a, b], y, get_scorer("rmse")).weights
        {0: 0.5, 1: 0.5}
    """
    if not predictions:
        raise ValueError("greedy_ensemble needs at least one candidate")
    idx = np.arange(len(y)) if rows is None else rows
    preds = [np.asarray(p)[idx] for p in predictions]
    y_rows = y[idx]
    blend = np.zeros_like(preds[0], dtype=float)
    chosen: list[int] = []
    trajectory: list[float] = []
    best_score, best_len = scorer.worst(), 0
    for step in range(1, rounds + 1):
        scores = [scorer.score(y_rows, (blend * (step - 1) + p) / step) for p in preds]
        pick = _best_index(scores, scorer)
        chosen.append(pick)
        blend = (blend * (step - 1) + preds[pick]) / step
        trajectory.append(scores[pick])
        if scorer.better(scores[pick], best_score):
            best_score, best_len = scores[pick], step
        if len(set(chosen)) == 1 and step > 3 and len(preds) == 1:
            break
        if step - best_len >= patience:
            break
    counts = Counter(chosen[:best_len])
    weights = {i: c / best_len for i, c in sorted(counts.items())}
    return EnsembleResult(weights, float(best_score), tuple(trajectory))


def _best_index(scores: list[float], scorer: Scorer) -> int:
    best = 0
    for i, s in enumerate(scores):
        if scorer.better(s, scores[best]):
            best = i
    return best


def blend(predictions: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted average of predictions (probability matrices or values)."""
    out = np.zeros_like(np.asarray(predictions[0]), dtype=float)
    for p, w in zip(predictions, weights, strict=True):
        out += w * np.asarray(p, dtype=float)
    return out

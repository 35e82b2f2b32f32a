"""The champion/challenger gate: both models score the same held-out rows; a paired bootstrap says
whether the challenger is better by more than chance.

The decision, precisely. Let ``s(m, R)`` be the metric of model ``m`` on rows ``R``, and
``d(R) = sign * (s(challenger, R) - s(champion, R))`` with ``sign = +1`` when greater is better
(ROC AUC, accuracy, R²) and ``-1`` otherwise (log loss, RMSE), so ``d > 0`` means "challenger
better". On the held-out rows ``H`` the *improvement* is ``d(H)``. The paired bootstrap draws
``n_boot`` resamples ``R_b`` of ``H`` (row indices with replacement, seeded; one draw per replicate
shared by both models) and computes ``d(R_b)``; resamples on which the metric is undefined (e.g. ROC
AUC on one class) are skipped. The one-sided lower confidence bound is the ``1 - confidence``
quantile of the ``d(R_b)`` (percentile bootstrap). The challenger is promoted iff

    improvement > margin   and   lower bound > 0.

Example:
    >>> import numpy as np
    >>> from forgeml.metrics import get_scorer
    >>> y = np.arange(200.0); good = y + 0.1; bad = y + np.random.default_rng(0).normal(size=200)
    >>> gate = paired_bootstrap(y, bad, good, get_scorer("rmse"), margin=0.0, confidence=0.95, seed=0)
    >>> gate.promote, gate.improvement > 0.5
    (True, True)
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from forgeml.data import prepare_training
from forgeml.errors import DataError, check_param
from forgeml.metrics import Scorer, get_scorer
from forgeml.predictor import Predictor
from forgeml.retraining._bootstrap import replicate_scores, weights

__all__ = ["GateResult", "paired_bootstrap", "revalidate"]


@dataclass(frozen=True)
class GateResult:
    """Both scores on the held-out rows, the improvement with its bootstrap interval, and the verdict."""

    metric: str
    greater_is_better: bool
    n_rows: int
    champion_score: float
    challenger_score: float
    improvement: float  # > 0: challenger better (sign by metric direction)
    lower: float  # one-sided lower confidence bound of the improvement
    upper: float  # the matching upper percentile (for the report)
    confidence: float
    margin: float
    n_boot: int  # replicates on which the metric was defined
    promote: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _check(margin: float, confidence: float, n_boot: int) -> None:
    check_param(margin >= 0, "margin", "a number >= 0", margin)
    check_param(0.5 <= confidence < 1, "confidence", "a number in [0.5, 1)", confidence)
    check_param(isinstance(n_boot, int) and n_boot >= 20, "n_boot", "an integer >= 20", n_boot)


def paired_bootstrap(
    y: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    scorer: Scorer,
    *,
    margin: float,
    confidence: float,
    n_boot: int = 1000,
    seed: int = 0,
) -> GateResult:
    """The gate on raw predictions (probability matrices or values) of both models for the rows ``y``."""
    _check(margin, confidence, n_boot)
    n = len(y)
    if n < 2:
        raise DataError(f"the gate needs at least 2 held-out rows with a target, got {n}.")
    sign = 1.0 if scorer.greater_is_better else -1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. sklearn's "only one class" warning: checked below
        s_old, s_new = scorer.score(y, champion), scorer.score(y, challenger)
    if not (np.isfinite(s_old) and np.isfinite(s_new)):
        raise DataError(
            f"metric '{scorer.name}' is undefined on the {n} held-out rows (e.g. they hold one class only); "
            "give more fresh rows (or a larger --holdout)."
        )
    improvement = sign * (s_new - s_old)
    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // n)
    parts = []
    for start in range(0, n_boot, chunk):
        w = weights(n, min(chunk, n_boot - start), rng)
        a = replicate_scores(y, champion, scorer, w)
        b = replicate_scores(y, challenger, scorer, w)
        parts.append(sign * (b - a))
    diffs = np.concatenate(parts)
    diffs = diffs[np.isfinite(diffs)]
    if not len(diffs):
        raise DataError(
            f"metric '{scorer.name}' could not be computed on any bootstrap resample of the {n} held-out rows; "
            "give more fresh rows (or a larger --holdout)."
        )
    d = np.asarray(diffs)
    lower = float(np.quantile(d, 1.0 - confidence))
    upper = float(np.quantile(d, confidence))
    promote = bool(improvement > margin and lower > 0)
    reason = _reason(scorer.name, improvement, lower, confidence, margin, promote)
    return GateResult(
        scorer.name,
        scorer.greater_is_better,
        n,
        s_old,
        s_new,
        float(improvement),
        lower,
        upper,
        confidence,
        margin,
        len(d),
        promote,
        reason,
    )


def _reason(metric: str, improvement: float, lower: float, confidence: float, margin: float, promote: bool) -> str:
    pct = f"{confidence:.0%}"
    if promote:
        return (
            f"challenger better on {metric} by {improvement:.4g} (> margin {margin:g}); "
            f"the {pct} lower confidence bound {lower:.4g} is above 0"
        )
    if improvement < 0:
        return f"challenger worse than the champion on {metric}: improvement {improvement:.4g} < 0"
    if improvement <= margin:
        return (
            f"challenger not better than the champion by more than the margin: improvement in {metric} "
            f"{improvement:.4g} ≤ margin {margin:g}"
        )
    return (
        f"improvement in {metric} {improvement:.4g} is above the margin {margin:g}, but its {pct} lower "
        f"confidence bound {lower:.4g} is not above 0: not significantly better on these rows"
    )


def revalidate(
    champion: Predictor,
    challenger: Predictor,
    rows: pd.DataFrame,
    *,
    metric: str | None = None,
    margin: float = 0.0,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> GateResult:
    """Score both models on the same labelled ``rows`` and decide (see the module docstring).

    ``metric`` defaults to the champion's. When the challenger knows more classes than the champion
    (a full retrain on data with new classes), the champion's probability for them is 0.

    Example:
        >>> gate = revalidate(champ.predictor, chall.predictor, recent, margin=0.005)   # doctest: +SKIP
        >>> gate.promote, gate.reason                                                # doctest: +SKIP
        (False, 'improvement in roc_auc 0.002 is not above the margin 0.005 ...')
    """
    _check(margin, confidence, n_boot)
    target = challenger.schema.target
    scorer = get_scorer(metric or champion.metric, target.task)
    _, y, _ = prepare_training(rows, challenger.schema)
    labelled = rows[rows[target.name].notna().to_numpy()]
    new = challenger.predict_raw(labelled)
    old = champion.predict_raw(labelled)
    if target.is_classification:
        old = _align(old, champion.classes, challenger.classes)
    return paired_bootstrap(y, old, new, scorer, margin=margin, confidence=confidence, n_boot=n_boot, seed=seed)


def _align(proba: np.ndarray, classes: list[Any], to: list[Any]) -> np.ndarray:
    """Probability columns re-ordered to the classes ``to`` (0 for a class the model does not know)."""
    if [str(c) for c in classes] == [str(c) for c in to]:
        return proba
    where = {str(c): i for i, c in enumerate(classes)}
    out = np.zeros((proba.shape[0], len(to)))
    for j, c in enumerate(to):
        i = where.get(str(c))
        if i is not None:
            out[:, j] = proba[:, i]
    return out

"""When to retrain: a pure decision from a drift report and live performance figures.

- **drift**: the share of drifted features reaches ``drift_share`` (default 0.5, the same default
  as :class:`~forgeml.monitoring.DriftThresholds.dataset_share`);
- **degradation**: the live metric is worse than the reference (the model's CV estimate) by more
  than ``degradation`` (default 0.1) as a share of ``|reference|``: for a metric where greater is
  better, ``(reference - live) / |reference| > degradation``; otherwise ``(live - reference) /
  |reference| > degradation``. Fewer than ``min_rows`` labelled live rows (default 30) never trigger.

Example:
    >>> live = PerformanceFigures(live=0.70, reference=0.85, greater_is_better=True, n_rows=500)
    >>> decision = should_retrain(performance=live)
    >>> decision.retrain, decision.trigger, decision.reasons[0]
    (True, 'degradation', 'live roc_auc 0.7 is 17.6% worse than the reference 0.85 (threshold 10%)')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forgeml.errors import check_param

__all__ = ["PerformanceFigures", "TriggerDecision", "performance_from", "should_retrain"]


@dataclass(frozen=True)
class PerformanceFigures:
    """A live metric against its reference (the CV estimate), on ``n_rows`` labelled live rows."""

    live: float
    reference: float
    greater_is_better: bool
    n_rows: int
    metric: str = "roc_auc"

    @property
    def gap(self) -> float:
        """How much worse live is than the reference, as a share of ``|reference|`` (> 0: worse)."""
        scale = abs(self.reference) or 1.0
        worse = self.reference - self.live if self.greater_is_better else self.live - self.reference
        return worse / scale


@dataclass(frozen=True)
class TriggerDecision:
    """Whether to retrain, which trigger fired first (``drift`` or ``degradation``) and why."""

    retrain: bool
    trigger: str | None = None
    reasons: list[str] = field(default_factory=list)


def should_retrain(
    drift_report: Any = None,
    performance: PerformanceFigures | None = None,
    *,
    drift_share: float = 0.5,
    degradation: float = 0.1,
    min_rows: int = 30,
) -> TriggerDecision:
    """Decide from ``drift_report`` (anything with ``share_drifted`` and ``drifted_features``, e.g. a
    :class:`~forgeml.monitoring.DriftReport`) and ``performance``; either may be None (not checked)."""
    check_param(0 < drift_share <= 1, "drift_share", "a share in (0, 1]", drift_share)
    check_param(degradation >= 0, "degradation", "a share >= 0", degradation)
    reasons: list[str] = []
    trigger = None
    if drift_report is not None:
        share = float(drift_report.share_drifted)
        if share >= drift_share:
            trigger = "drift"
            names = ", ".join(list(drift_report.drifted_features)[:5])
            reasons.append(f"{share:.0%} of features drifted ({names}), threshold {drift_share:.0%}")
    if performance is not None and performance.n_rows >= min_rows and performance.gap > degradation:
        trigger = trigger or "degradation"
        reasons.append(
            f"live {performance.metric} {performance.live:.4g} is {performance.gap:.1%} worse than the reference "
            f"{performance.reference:.4g} (threshold {degradation:.0%})"
        )
    return TriggerDecision(bool(reasons), trigger, reasons)


def performance_from(status: Any, *, greater_is_better: bool, metric: str) -> PerformanceFigures | None:
    """Live figures from a monitoring status or a :class:`~forgeml.monitoring.LiveReport`'s
    ``performance`` (live score: ``performance``, ``value`` or ``live``; reference: ``cv_score`` or
    ``reference``; rows: ``n_feedback``, ``feedback_rows`` or ``n_rows``); None without a live score.

    Example:
        >>> from types import SimpleNamespace
        >>> s = SimpleNamespace(performance=0.8, cv_score=0.9, feedback_rows=100)
        >>> performance_from(s, greater_is_better=True, metric="roc_auc").gap > 0.1
        True
    """
    if status is None:
        return None
    live = _first(status, "performance", "value", "live", "score")
    if live is not None and not isinstance(live, int | float):
        status, live = live, _first(live, "value", "score", "live")
    reference = _first(status, "cv_score", "reference", "reference_score")
    n = _first(status, "n_feedback", "feedback_rows", "n_rows", "n")
    if not isinstance(live, int | float) or not isinstance(reference, int | float):
        return None
    return PerformanceFigures(float(live), float(reference), greater_is_better, int(n or 0), metric)


def _first(obj: Any, *names: str) -> Any:
    for n in names:
        value = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
        if value is not None:
            return value
    return None

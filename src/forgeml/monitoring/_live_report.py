"""``live_report``: what a served model was asked and answered, from the store, against its reference.

It reads the ``live_profiles`` windows a server wrote (see :class:`~forgeml.monitoring.LiveMonitor`)
for one model version, merges those in the span into one sketch and judges it with the batch drift
rules (:class:`DriftReport`: tests below ``small_sample`` rows, distances above), summarises each
window, and computes the model's metric on the feedback received for predictions made in the span,
per window and overall, against the CV estimate stored with the model. With a shadow model it also
compares the two models' answers. The retraining trigger calls this function.

Example:
    >>> from datetime import timedelta
    >>> from forgeml.monitoring import live_report
    >>> report = live_report("churn@champion", window=timedelta(hours=24))   # doctest: +SKIP
    >>> report.drift.drifted_features, report.performance.degraded         # doctest: +SKIP
    (['tenure'], False)
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from forgeml.data import TargetSpec
from forgeml.errors import ModelFormatError, NotFoundError
from forgeml.monitoring._drift import DriftThresholds
from forgeml.monitoring._feedback import feedback_rows, score_pairs, scorer_for
from forgeml.monitoring._live import gap_of
from forgeml.monitoring._report import DriftReport
from forgeml.monitoring._sketch import LiveProfile
from forgeml.predictor import Predictor, load_predictor
from forgeml.store import Store, default_store, format_time
from forgeml.store.tables import live_profiles, prediction_log

__all__ = ["LiveReport", "Performance", "PerformanceWindow", "ShadowComparison", "WindowSummary", "live_report"]

log = logging.getLogger("forgeml.monitoring")


@dataclass(frozen=True)
class WindowSummary:
    """One persisted window: its rows and drift verdict against the reference."""

    start: str
    end: str
    n_rows: int
    dataset_drift: bool
    share_drifted: float
    drifted_features: list[str]
    prediction_drift: bool


@dataclass(frozen=True)
class PerformanceWindow:
    """The metric on the feedback for predictions made in one window (None: no or too little feedback)."""

    start: str
    end: str
    n_feedback: int
    value: float | None


@dataclass(frozen=True)
class Performance:
    """The model's metric on feedback, per window and overall, beside its CV estimate. ``gap`` is
    how much worse than CV the overall value is, as a share of ``|cv_score|``; ``degraded`` when it
    exceeds ``degradation``."""

    metric: str
    greater_is_better: bool
    cv_score: float | None
    value: float | None
    n_feedback: int
    gap: float | None
    degraded: bool
    degradation: float
    windows: list[PerformanceWindow] = field(default_factory=list)


@dataclass(frozen=True)
class ShadowComparison:
    """The champion's and a shadow model's answers on the same live rows (shadow answers are
    logged, never returned). ``agreement``: share of rows with the same label (classifiers);
    ``mean_abs_diff``: mean absolute difference of the positive-class probability (binary), half the
    L1 distance of the probability vectors (multiclass) or of the values (regression)."""

    shadow_versions: list[int]
    n_compared: int
    agreement: float | None
    mean_abs_diff: float | None
    n_feedback: int
    champion_score: float | None
    shadow_score: float | None


@dataclass(frozen=True)
class LiveReport:
    """See the module docstring. ``since`` is None when every stored window is included."""

    model: str
    version: int
    since: str | None
    until: str
    n_rows: int
    windows: list[WindowSummary]
    drift: DriftReport
    performance: Performance
    shadow: ShadowComparison | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the drift report under ``drift`` (as ``DriftReport.to_json``)."""
        d = asdict(self)
        d["drift"] = self.drift.to_json()
        return d

    def to_html(self) -> str:
        """One self-contained HTML page: drift per feature with reference vs live charts, the
        windows, the performance trend against CV, and the shadow comparison."""
        from forgeml.monitoring._live_html import render_live_html

        return render_live_html(self)


def _resolve(name: str, version: int | None, predictor: Predictor | None, store: Store) -> tuple[str, int, Predictor]:
    base, _, sel = name.partition("@")
    if predictor is not None:
        return base, version if version is not None else (int(sel) if sel.isdigit() else 0), predictor
    import forgeml.registry as registry

    mv = registry.resolve_version(name if version is None else f"{base}@{version}", store=store)
    return base, mv.version, load_predictor(registry.resolve_model_path(mv.ref, store=store))


def live_report(
    name: str,
    *,
    window: timedelta | None = None,
    store: Store | None = None,
    version: int | None = None,
    predictor: Predictor | None = None,
    thresholds: DriftThresholds | None = None,
    degradation: float = 0.1,
    now: datetime | None = None,
    seed: int = 0,
) -> LiveReport:
    """Drift and performance of model ``name`` (``NAME``, ``NAME@VERSION`` or ``NAME@ALIAS``) over the
    live windows ending within ``window`` of ``now`` (None: every stored window).

    ``version`` overrides the version the reference names. A model served from a folder was
    logged as version 0: pass its ``predictor`` (``forgeml.load(folder).predictor``).

    Raises:
        NotFoundError: the model is not registered, or no live window was stored for it.
        ModelFormatError: the model has no reference profile.

    Example:
        >>> live_report("churn", window=timedelta(hours=1)).drift.dataset_drift   # doctest: +SKIP
        False
    """
    st = store if store is not None else default_store()
    model, ver, pred = _resolve(name, version, predictor, st)
    if pred.profile is None:
        raise ModelFormatError(
            f"model '{model}' has no reference profile (profile.json) for drift monitoring; "
            "retrain it with this forgeml version."
        )
    t = thresholds or DriftThresholds()
    until_dt = now or datetime.now(UTC)
    since = format_time(until_dt - window) if window is not None else None
    lp = live_profiles.c
    q = select(lp.window_start, lp.window_end, lp.payload_json).where(lp.model_name == model, lp.version == ver)
    if since is not None:
        q = q.where(lp.window_end > since)
    with st.read() as conn:
        stored = conn.execute(q.order_by(lp.window_start)).all()
        scored = feedback_rows(conn, model, ver, predicted_since=since)
        shadow_rows = _shadow_rows(st, model, ver, since) if stored else []
    if not stored:
        span = f" in the last {window}" if window is not None else ""
        raise NotFoundError(
            f"no live traffic of model '{model}' version {ver} was stored{span}; serve it with monitoring on "
            "(forgeml serve, the default) and send predictions first."
        )
    rng = np.random.default_rng(seed)
    total = LiveProfile(pred.profile)
    windows: list[WindowSummary] = []
    bounds: list[tuple[str, str]] = []
    for start, end, payload in stored:
        try:
            sketch = LiveProfile.from_json(json.loads(payload), pred.profile)
        except ValueError:
            log.warning("live window %s of %s@%s was counted on another profile; left out", start, model, ver)
            continue
        d = sketch.drift(t, model=model)
        windows.append(
            WindowSummary(
                start, end, sketch.n_rows, d.dataset_drift, d.share_drifted, d.drifted_features, d.prediction_drift
            )
        )
        bounds.append((start, end))
        total.merge(sketch, rng)
    performance = _performance(pred, scored, bounds, degradation)
    shadow = _shadow(pred.schema.target, shadow_rows, scored, pred.metric) if shadow_rows else None
    return LiveReport(
        model=model,
        version=ver,
        since=since,
        until=format_time(until_dt),
        n_rows=total.n_rows,
        windows=windows,
        drift=total.drift(t, model=model),
        performance=performance,
        shadow=shadow,
    )


def _performance(
    pred: Predictor, scored: list[tuple[str, Any, Any, Any]], bounds: list[tuple[str, str]], degradation: float
) -> Performance:
    target = pred.schema.target
    scorer = scorer_for(pred.metric, target.task)
    starts = [b[0] for b in bounds]
    per: list[list[tuple[Any, Any]]] = [[] for _ in bounds]
    for created, prediction, outcome, _ in scored:
        i = bisect_right(starts, created) - 1
        if i >= 0 and created < bounds[i][1]:
            per[i].append((outcome, prediction))
    windows = [
        PerformanceWindow(s, e, len(p), score_pairs([o for o, _ in p], [x for _, x in p], target, scorer))
        for (s, e), p in zip(bounds, per, strict=True)
    ]
    value = score_pairs([s[2] for s in scored], [s[1] for s in scored], target, scorer)
    cv = pred.info.get("cv_score")
    cv = float(cv) if cv is not None else None
    gap = gap_of(value, cv, scorer.greater_is_better)
    return Performance(
        metric=scorer.name,
        greater_is_better=scorer.greater_is_better,
        cv_score=cv,
        value=value,
        n_feedback=len(scored),
        gap=gap,
        degraded=gap is not None and gap > degradation,
        degradation=degradation,
        windows=windows,
    )


def _shadow_rows(st: Store, model: str, version: int, since: str | None) -> list[tuple[int, Any, Any]]:
    p = prediction_log.c
    q = select(p.shadow_version, p.prediction_json, p.shadow_prediction_json).where(
        p.model_name == model, p.version == version, p.shadow_prediction_json.is_not(None)
    )
    if since is not None:
        q = q.where(p.created_at >= since)
    with st.read() as conn:
        return [(int(r[0]), json.loads(r[1]), json.loads(r[2])) for r in conn.execute(q).all()]


def _difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    if "value" in a:
        return abs(float(a["value"]) - float(b["value"]))
    p, q = np.asarray(a["proba"], dtype=float), np.asarray(b["proba"], dtype=float)
    if p.size == 2:
        return float(abs(p[1] - q[1]))
    return float(0.5 * np.abs(p - q).sum())


def _shadow(
    target: TargetSpec,
    rows: list[tuple[int, Any, Any]],
    scored: list[tuple[str, Any, Any, Any]],
    model_metric: str,
) -> ShadowComparison:
    agreement = float(np.mean([a["label"] == b["label"] for _, a, b in rows])) if target.is_classification else None
    diff = float(np.mean([_difference(a, b) for _, a, b in rows]))
    with_both = [s for s in scored if s[3] is not None]
    scorer = scorer_for(model_metric, target.task)
    outcomes = [s[2] for s in with_both]
    return ShadowComparison(
        shadow_versions=sorted({v for v, _, _ in rows}),
        n_compared=len(rows),
        agreement=agreement,
        mean_abs_diff=diff,
        n_feedback=len(with_both),
        champion_score=score_pairs(outcomes, [s[1] for s in with_both], target, scorer),
        shadow_score=score_pairs(outcomes, [s[3] for s in with_both], target, scorer),
    )

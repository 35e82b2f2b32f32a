"""Retention: a maximum age for prediction logs, feedback and live monitoring windows.

The age comes from ``FORGEML_RETENTION`` (e.g. ``90d``; unset: keep forever) or is given per call
(``forgeml gc --retention 90d``). Rows older than it are deleted; feedback about a deleted prediction
goes with it. Each enforcement that deletes something appends one ``retention.enforced`` audit entry
with the counts. The server enforces the configured age hourly (:func:`retention_loop`).

Example:
    >>> report = enforce_retention("90d")   # doctest: +SKIP
    >>> report.predictions_deleted, report.cutoff   # doctest: +SKIP
    (1520, '2025-03-02T10:00:00.000000+00:00')
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from forgeml.config import Settings, parse_age
from forgeml.errors import ConfigError
from forgeml.logging import get_logger
from forgeml.store import Store, append_audit, default_store, format_time
from forgeml.store.tables import feedback, live_profiles, prediction_log

__all__ = ["DEFAULT_RETENTION_INTERVAL_S", "RetentionReport", "enforce_retention", "retention_loop"]

DEFAULT_RETENTION_INTERVAL_S = 3600.0
log = get_logger("governance")


@dataclass(frozen=True)
class RetentionReport:
    """What one enforcement deleted; ``max_age_s`` None means no retention is configured."""

    max_age_s: float | None
    cutoff: str | None
    predictions_deleted: int = 0
    feedback_deleted: int = 0
    live_windows_deleted: int = 0

    @property
    def deleted(self) -> int:
        return self.predictions_deleted + self.feedback_deleted + self.live_windows_deleted

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "deleted": self.deleted}


def enforce_retention(
    max_age: str | float | None = None, *, store: Store | None = None, now: datetime | None = None
) -> RetentionReport:
    """Delete prediction-log rows, feedback and live windows older than ``max_age`` (``"90d"``, seconds;
    default: the store's ``Settings.retention``, i.e. ``FORGEML_RETENTION``). No age: nothing is deleted.

    Example:
        >>> enforce_retention("30d", now=datetime(2025, 6, 1, tzinfo=UTC)).cutoff   # doctest: +SKIP
        '2025-05-02T00:00:00.000000+00:00'
    """
    st = store if store is not None else default_store()
    age = parse_age(max_age) if max_age is not None else st.settings.retention
    if age is None:
        return RetentionReport(None, None)
    cutoff = format_time((now or datetime.now(UTC)) - timedelta(seconds=age))
    with st.write() as conn:
        old = select(prediction_log.c.id).where(prediction_log.c.created_at < cutoff)
        n_feedback = conn.execute(
            delete(feedback).where(or_(feedback.c.created_at < cutoff, feedback.c.prediction_id.in_(old)))
        ).rowcount
        n_predictions = conn.execute(delete(prediction_log).where(prediction_log.c.created_at < cutoff)).rowcount
        n_windows = conn.execute(delete(live_profiles).where(live_profiles.c.window_end < cutoff)).rowcount
        report = RetentionReport(age, cutoff, int(n_predictions or 0), int(n_feedback or 0), int(n_windows or 0))
        if report.deleted:
            append_audit(
                conn,
                actor=st.actor,
                action="retention.enforced",
                object_type="retention",
                object_id="prediction_log",
                details=report.to_json(),
            )
    return report


async def retention_loop(
    store: Store | None = None,
    *,
    settings: Settings | None = None,
    interval_s: float = DEFAULT_RETENTION_INTERVAL_S,
) -> None:
    """Enforce the configured retention now and then every ``interval_s`` seconds, until cancelled.

    Returns at once when no retention is configured (``FORGEML_RETENTION`` unset). A failed run is
    logged and retried at the next interval, so serving never stops over it.

    Example:
        >>> task = asyncio.create_task(retention_loop())   # doctest: +SKIP
    """
    try:
        s = store.settings if store is not None else (settings or Settings.from_env())
    except ConfigError as err:
        log.warning("retention is not enforced: %s", err.message)
        return
    if s.retention is None:
        return
    while True:
        try:
            st = store if store is not None else default_store(s)
            report = await asyncio.to_thread(enforce_retention, store=st)
            if report.deleted:
                log.info("retention: deleted %d rows older than %s", report.deleted, report.cutoff)
        except Exception as err:  # keep serving; the next interval tries again
            log.warning("retention enforcement failed: %s", err)
        await asyncio.sleep(interval_s)

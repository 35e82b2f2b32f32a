"""Reading the audit log, and recording events that are not registry changes.

Actions written by forgeml: ``dataset.registered``, ``model.registered``, ``model.deleted``,
``alias.moved``, ``alias.removed``, ``config.changed`` and ``data.erased``.

Example:
    >>> import tempfile
    >>> from forgeml.config import Settings
    >>> from forgeml.store import Store
    >>> store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp(), "FORGEML_ACTOR": "ana"}))
    >>> _ = record("config.changed", "settings", "retention_days", {"from": 30, "to": 90}, store=store)
    >>> [(e.seq, e.actor, e.action) for e in read_log(store=store)]
    [(1, 'ana', 'config.changed')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from forgeml.errors import ConfigError
from forgeml.store import Store, append_audit, default_store, format_time
from forgeml.store.tables import audit_log

__all__ = ["ACTIONS", "AuditEntry", "read_log", "record"]

ACTIONS = (
    "dataset.registered",
    "model.registered",
    "model.deleted",
    "alias.moved",
    "alias.removed",
    "config.changed",
    "data.erased",
    "subject.erased",
    "retention.enforced",
    "model.promoted",
    "model.rejected",
    "model.rolled_back",
    "retrain.triggered",
)


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the append-only, hash-chained log."""

    seq: int
    time: str
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def _details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"unparsable": text}
    return value if isinstance(value, dict) else {"value": value}


def record(
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any] | None = None,
    *,
    store: Store | None = None,
) -> AuditEntry:
    """Append an event such as ``config.changed`` or ``data.erased`` in its own transaction.

    Registry changes are recorded by the registry itself, in the transaction that makes them.
    """
    if action not in ACTIONS:
        raise ConfigError(f"'action' must be one of {', '.join(ACTIONS)}, got {action!r}.")
    st = store if store is not None else default_store()
    with st.write() as conn:
        row = append_audit(
            conn, actor=st.actor, action=action, object_type=object_type, object_id=object_id, details=details
        )
    return AuditEntry(**{**row, "details": _details(row["details"])})


def read_log(
    *,
    model: str | None = None,
    since: datetime | str | None = None,
    action: str | None = None,
    limit: int | None = None,
    store: Store | None = None,
) -> list[AuditEntry]:
    """Entries in ``seq`` order, optionally only those about ``model`` (its versions and aliases),
    at or after ``since`` (a datetime, naive means UTC, or an ISO date/time) or of one ``action``.
    ``limit`` keeps the newest ``limit`` entries."""
    q = select(audit_log)
    if model is not None:
        q = q.where(or_(audit_log.c.object_id == model, audit_log.c.object_id.like(f"{_escape(model)}@%", escape="\\")))
        q = q.where(audit_log.c.object_type.in_(("model_version", "alias", "model")))
    if since is not None:
        try:
            moment = datetime.fromisoformat(since) if isinstance(since, str) else since
        except ValueError as err:
            raise ConfigError(f"'since' must be an ISO date or time like 2025-01-31, got {since!r}.") from err
        q = q.where(audit_log.c.time >= format_time(moment))
    if action is not None:
        q = q.where(audit_log.c.action == action)
    q = q.order_by(audit_log.c.seq.desc() if limit else audit_log.c.seq)
    if limit:
        q = q.limit(limit)
    st = store if store is not None else default_store()
    with st.read() as conn:
        rows = conn.execute(q).all()
    entries = [
        AuditEntry(
            seq=int(r.seq),
            time=r.time,
            actor=r.actor,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            details=_details(r.details),
            prev_hash=r.prev_hash,
            hash=r.hash,
        )
        for r in rows
    ]
    return sorted(entries, key=lambda e: e.seq)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""Appending to the hash-chained audit log, inside the caller's write transaction.

Each entry holds ``seq`` (1, 2, 3, … with no gaps), ``time`` (UTC ISO-8601), ``actor``, ``action``,
``object_type``, ``object_id``, ``details`` (canonical JSON text) and ``prev_hash`` (the ``hash`` of
the entry before, or 64 zeros for the first). ``hash`` is the sha256 of the canonical JSON of all
those fields, so editing, deleting or reordering an entry breaks the chain (see ``forgeml.audit``).

Example:
    >>> entry = {"seq": 1, "time": "2025-01-01T00:00:00.000000+00:00", "actor": "ana",
    ...          "action": "model.registered", "object_type": "model_version", "object_id": "churn@1",
    ...          "details": "{}", "prev_hash": GENESIS_HASH}
    >>> len(entry_hash(entry))
    64
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection, insert, select

from forgeml.store.tables import audit_log

__all__ = ["GENESIS_HASH", "HASHED_FIELDS", "append_audit", "canonical_json", "entry_hash", "utc_now"]

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "time", "actor", "action", "object_type", "object_id", "details", "prev_hash")
WRITE_OPTION = "forgeml_write"


def utc_now() -> str:
    """The current time as the fixed-width UTC ISO string every table uses (sorts as text).

    Example:
        >>> utc_now().endswith("+00:00")
        True
    """
    return format_time(datetime.now(UTC))


def format_time(when: datetime) -> str:
    """``when`` (naive means UTC) as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.

    Example:
        >>> format_time(datetime(2025, 1, 2, 3, 4, 5))
        '2025-01-02T03:04:05.000000+00:00'
    """
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def _default(o: Any) -> Any:
    item = getattr(o, "item", None)  # numpy scalars
    if callable(item):
        return item()
    if isinstance(o, PurePath | datetime):
        return str(o)
    if isinstance(o, set | frozenset | tuple):
        return sorted(o, key=str) if isinstance(o, set | frozenset) else list(o)
    tolist = getattr(o, "tolist", None)  # numpy arrays
    if callable(tolist):
        return tolist()
    return str(o)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is.

    Example:
        >>> canonical_json({"b": 1, "a": [1.5, None]})
        '{"a":[1.5,null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of an entry's hashed fields (everything but ``hash``)."""
    payload = {k: entry[k] for k in HASHED_FIELDS}
    payload["seq"] = int(payload["seq"])
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def append_audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one entry in the caller's write transaction (``Store.write()``), which serialises writers.

    The entry commits or rolls back with the change it records. Returns the row written.
    """
    if not conn.get_execution_options().get(WRITE_OPTION):
        raise RuntimeError("append_audit must run inside Store.write(), which serialises writers")
    last = conn.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
    entry: dict[str, Any] = {
        "seq": 1 if last is None else int(last.seq) + 1,
        "time": utc_now(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": canonical_json(dict(details or {})),
        "prev_hash": GENESIS_HASH if last is None else last.hash,
    }
    entry["hash"] = entry_hash(entry)
    conn.execute(insert(audit_log).values(**entry))
    return entry

"""Verifying the hash chain: finds edited, deleted and reordered entries and says which.

The walk follows the chain itself, not the stored ``seq``: starting from the genesis hash, the next
entry is the one whose ``prev_hash`` is the current entry's ``hash``. At chain position *k*:

* **edited** — the entry's content (or its ``seq``) no longer hashes to its stored ``hash``; or its
  stored ``hash`` was rewritten, so the entry after it no longer links to it;
* **reordered** — the content hashes correctly as entry *k*, but it is stored under another ``seq``;
* **deleted** — no entry links to entry *k − 1*, and ``seq`` *k* is absent (or later entries
  were renumbered to close the gap).

Deleting the newest entries leaves a shorter, valid chain; compare ``head_hash`` with a copy kept
elsewhere (``forgeml audit verify --expect-head``) to detect that.

Example:
    >>> import tempfile
    >>> from forgeml.config import Settings
    >>> from forgeml.store import Store
    >>> store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp()}))
    >>> verify(store=store).ok
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select

from forgeml.store import GENESIS_HASH, Store, default_store, entry_hash
from forgeml.store.tables import audit_log

__all__ = ["Problem", "VerifyReport", "verify"]

Kind = Literal["edited", "deleted", "reordered"]
_MAX_SEARCH = 1000


@dataclass(frozen=True)
class Problem:
    """One break in the chain: the ``seq`` where it is and what happened there."""

    seq: int
    kind: Kind
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of :func:`verify`; ``problems`` are in chain order, the first is the earliest break."""

    entries: int
    head_seq: int | None
    head_hash: str | None
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problems": [p.to_json() for p in self.problems],
        }


def _hash_as(row: dict[str, Any], seq: int) -> str:
    return entry_hash({**row, "seq": seq})


def _check(row: dict[str, Any], k: int) -> Problem | None:
    seq = int(row["seq"])
    intact_at_k = _hash_as(row, k) == row["hash"]
    if seq == k and not intact_at_k:
        return Problem(k, "edited", f"entry {k} was edited: its content no longer matches its hash")
    if seq != k and intact_at_k:
        return Problem(k, "reordered", f"entry {k} was moved: it is now stored as seq {seq}")
    if seq != k:
        return Problem(k, "edited", f"entry {k} was edited: it is stored as seq {seq} and its content changed")
    return None


def _original_seq(row: dict[str, Any], start: int) -> int | None:
    """The seq at which ``row``'s content hashes to its stored hash, searching from ``start``."""
    for seq in range(start, start + _MAX_SEARCH):
        if _hash_as(row, seq) == row["hash"]:
            return seq
    return None


def _resume(unwalked: list[dict[str, Any]], hashes: set[str], k: int) -> tuple[dict[str, Any], Problem, int]:
    """The chain has no entry after entry ``k - 1``: pick where it resumes, say why it broke there."""
    orphans = [r for r in unwalked if r["prev_hash"] not in hashes]  # their predecessor is gone or rewritten
    row = min(orphans or unwalked, key=lambda r: int(r["seq"]))
    stored = int(row["seq"])
    original = _original_seq(row, k)
    resume = original if original is not None else max(stored, k)
    if resume > k:
        missing = f"entry {k}" if resume == k + 1 else f"entries {k} to {resume - 1}"
        hidden = "; later entries were renumbered to hide the gap" if stored < resume else ""
        return row, Problem(k, "deleted", f"{missing} deleted: the chain resumes at entry {resume}{hidden}"), resume
    message = f"entry {k - 1} was edited: its stored hash was rewritten, entry {k} no longer links to it"
    return row, Problem(k - 1, "edited", message), resume


def verify(*, store: Store | None = None) -> VerifyReport:
    """Walk the whole chain and report every break (an empty ``problems`` means the log is intact).

    Example:
        >>> report = verify()                                # doctest: +SKIP
        >>> report.first.kind, report.first.seq              # doctest: +SKIP
        ('edited', 17)
    """
    st = store if store is not None else default_store()
    with st.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(audit_log).order_by(audit_log.c.seq))]
    by_prev: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_prev.setdefault(r["prev_hash"], []).append(r)
    hashes = {r["hash"] for r in rows}
    walked: set[int] = set()
    problems: list[Problem] = []
    expected_prev, k = GENESIS_HASH, 1
    while len(walked) < len(rows):
        row = next((r for r in by_prev.get(expected_prev, []) if id(r) not in walked), None)
        if row is None:
            row, broken, k = _resume([r for r in rows if id(r) not in walked], hashes, k)
            problems.append(broken)
        problem = _check(row, k)
        if problem is not None:
            problems.append(problem)
        walked.add(id(row))
        expected_prev, k = row["hash"], k + 1
    head = rows[-1] if rows else None
    return VerifyReport(
        entries=len(rows),
        head_seq=None if head is None else int(head["seq"]),
        head_hash=None if head is None else head["hash"],
        problems=tuple(problems),
    )

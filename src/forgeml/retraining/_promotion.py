"""Moving ``champion``: promotion after the gate, the audited rejection, and rollback.

Audit actions written here (besides the registry's own ``alias.moved``): ``model.promoted`` and
``model.rejected`` (object: the challenger version, details: both scores, the interval, the margin
and the reason) and ``model.rolled_back`` (object: the model, details: from and to versions).

Example:
    >>> rollback("churn").version      # doctest: +SKIP
    2
"""

from __future__ import annotations

from typing import Any

from forgeml.errors import ConflictError
from forgeml.registry import AliasMove, AuditRecord, alias_history_of, list_versions, parse_ref, set_alias
from forgeml.retraining._gate import GateResult
from forgeml.store import Store, append_audit, default_store

__all__ = ["CHALLENGER", "CHAMPION", "audit_event", "promote", "reject", "rollback"]

CHAMPION = "champion"
CHALLENGER = "challenger"


def audit_event(store: Store, action: str, object_type: str, object_id: str, details: dict[str, Any]) -> None:
    """Append one retraining event to the audit log in its own transaction."""
    with store.write() as conn:
        append_audit(
            conn, actor=store.actor, action=action, object_type=object_type, object_id=object_id, details=details
        )


def _details(gate: GateResult, champion: int) -> dict[str, Any]:
    return {
        "champion_version": champion,
        "metric": gate.metric,
        "champion_score": gate.champion_score,
        "challenger_score": gate.challenger_score,
        "improvement": gate.improvement,
        "lower_bound": gate.lower,
        "upper_bound": gate.upper,
        "confidence": gate.confidence,
        "margin": gate.margin,
        "n_rows": gate.n_rows,
        "reason": gate.reason,
    }


def promote(name: str, version: int, gate: GateResult, champion: int, *, store: Store) -> AliasMove | None:
    """Point ``name@champion`` at ``version`` and record ``model.promoted``, in one transaction
    with the registry's ``alias.moved``: a crash leaves both written or neither."""
    promoted = AuditRecord("model.promoted", "model_version", f"{name}@{version}", _details(gate, champion))
    return set_alias(name, version, CHAMPION, store=store, record=promoted)


def reject(name: str, version: int, gate: GateResult, champion: int, *, store: Store) -> None:
    """Record ``model.rejected``; the version keeps its ``challenger`` alias."""
    audit_event(store, "model.rejected", "model_version", f"{name}@{version}", _details(gate, champion))


def _stack(moves: list[AliasMove], existing: set[int]) -> list[int]:
    """Champion versions as a stack: a move back to the version below the top is an undo (pop)."""
    stack: list[int] = []
    for m in moves:
        if m.version is None:
            stack = []
        elif len(stack) >= 2 and stack[-2] == m.version:
            stack.pop()
        elif not stack or stack[-1] != m.version:
            stack.append(m.version)
    return [v for v in stack if v in existing]


def rollback(name: str, *, store: Store | None = None) -> AliasMove:
    """Return ``name@champion`` to the version it pointed at before the current one.

    The champion history is read as a stack: each promotion pushes a version, and a rollback (or any
    move back to the version below) pops one, so rolling back twice after two promotions returns to
    the first champion. Versions deleted since are skipped. The move is audited (``alias.moved`` and
    ``model.rolled_back``).

    Raises:
        ConflictError: ``champion`` has no earlier version to return to.

    Example:
        >>> rollback("churn").previous_version, rollback.__name__   # doctest: +SKIP
        (3, 'rollback')
    """
    parsed = parse_ref(name)
    if parsed is None or parsed[1] is not None:
        raise ConflictError(f"rollback takes a model name (e.g. 'churn'), got {name!r}.")
    st = store if store is not None else default_store()
    existing = {v.version for v in list_versions(name, store=st)}
    stack = _stack(alias_history_of(name, CHAMPION, store=st), existing)
    if len(stack) < 2:
        history = " → ".join(str(v) for v in stack) or "none"
        raise ConflictError(
            f"model '{name}' has no earlier champion to roll back to (champion history: {history}); "
            f"point it at a version by hand with 'forgeml models alias {name} VERSION champion'."
        )
    current, previous = stack[-1], stack[-2]
    rolled_back = AuditRecord("model.rolled_back", "model", name, {"from_version": current, "to_version": previous})
    move = set_alias(name, previous, CHAMPION, store=st, record=rolled_back)  # both entries, or neither
    if move is None:  # moved by someone else meanwhile
        raise ConflictError(f"'{name}@champion' already points at version {previous}; nothing was rolled back.")
    return move

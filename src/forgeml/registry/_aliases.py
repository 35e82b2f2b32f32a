"""Aliases (``champion``, ``challenger`` or any name) pointing at versions, with their full history.

Every move is a row in ``alias_history`` and an ``alias.moved`` audit entry, written in one
transaction, so the registry can say which version an alias pointed at at any past time.

Example:
    >>> set_alias("churn", 2, "champion")          # doctest: +SKIP
    >>> alias_at("churn", "champion", "2025-03-01T00:00:00")   # doctest: +SKIP
    1
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from forgeml.errors import ConfigError, NotFoundError
from forgeml.registry._common import check_name, store_or_default
from forgeml.registry._entities import AliasMove, AuditRecord
from forgeml.store import Store, append_audit, format_time, utc_now
from forgeml.store.tables import alias_history, aliases, model_versions

__all__ = ["alias_at", "alias_history_of", "remove_alias", "set_alias"]


def _versions(conn: Connection, name: str) -> list[int]:
    q = select(model_versions.c.version).where(model_versions.c.model_name == name).order_by(model_versions.c.version)
    return [int(v) for v in conn.execute(q).scalars()]


def move_alias(conn: Connection, actor: str, name: str, alias: str, version: int | None) -> AliasMove | None:
    """Point ``alias`` of ``name`` at ``version`` (None removes it) inside the caller's write transaction.

    Returns the move, or None when the alias already pointed there.
    """
    current = conn.execute(
        select(aliases.c.version).where(aliases.c.model_name == name, aliases.c.alias == alias)
    ).scalar()
    previous = None if current is None else int(current)
    if previous == version:
        return None
    now = utc_now()
    if version is None:
        conn.execute(delete(aliases).where(aliases.c.model_name == name, aliases.c.alias == alias))
    elif previous is None:
        conn.execute(
            insert(aliases).values(model_name=name, alias=alias, version=version, updated_at=now, updated_by=actor)
        )
    else:
        conn.execute(
            update(aliases)
            .where(aliases.c.model_name == name, aliases.c.alias == alias)
            .values(version=version, updated_at=now, updated_by=actor)
        )
    move = AliasMove(name, alias, version, previous, now, actor)
    conn.execute(
        insert(alias_history).values(
            model_name=name, alias=alias, version=version, previous_version=previous, moved_at=now, moved_by=actor
        )
    )
    append_audit(
        conn,
        actor=actor,
        action="alias.removed" if version is None else "alias.moved",
        object_type="alias",
        object_id=f"{name}@{alias}",
        details={"alias": alias, "from_version": previous, "to_version": version},
    )
    return move


def set_alias(
    name: str, version: int, alias: str, *, store: Store | None = None, record: AuditRecord | None = None
) -> AliasMove | None:
    """Point ``name@alias`` at ``version``; an audited move, kept in the alias history.

    ``record`` is a further audit entry (e.g. ``model.promoted``) written in the same transaction
    when the alias moves: both are stored, or neither. Returns the move, or None if the alias
    already pointed at ``version`` (then ``record`` is not written).
    """
    check_name(alias, "alias")
    if alias.isdigit() or alias == "latest":
        raise ConfigError(f"'alias' must not be a number or 'latest', got {alias!r}.")
    st = store_or_default(store)
    with st.write() as conn:
        known = _versions(conn, name)
        if version not in known:
            raise NotFoundError(
                f"model '{name}' has no version {version}; versions: {', '.join(map(str, known)) or 'none'}."
            )
        move = move_alias(conn, st.actor, name, alias, version)
        if move is not None and record is not None:
            append_audit(
                conn,
                actor=st.actor,
                action=record.action,
                object_type=record.object_type,
                object_id=record.object_id,
                details=record.details,
            )
        return move


def remove_alias(name: str, alias: str, *, store: Store | None = None) -> AliasMove:
    """Remove ``name@alias`` (an audited move to no version)."""
    st = store_or_default(store)
    with st.write() as conn:
        move = move_alias(conn, st.actor, name, alias, None)
        if move is None:
            raise NotFoundError(f"model '{name}' has no alias '{alias}'.")
        return move


def _entity(r: Any) -> AliasMove:
    return AliasMove(
        name=r.model_name,
        alias=r.alias,
        version=None if r.version is None else int(r.version),
        previous_version=None if r.previous_version is None else int(r.previous_version),
        moved_at=r.moved_at,
        moved_by=r.moved_by,
    )


def alias_history_of(name: str, alias: str | None = None, *, store: Store | None = None) -> list[AliasMove]:
    """Every move of the aliases of ``name`` (of ``alias`` only, if given), oldest first."""
    q = select(alias_history).where(alias_history.c.model_name == name)
    if alias is not None:
        q = q.where(alias_history.c.alias == alias)
    with store_or_default(store).read() as conn:
        return [_entity(r) for r in conn.execute(q.order_by(alias_history.c.id))]


def alias_at(name: str, alias: str, when: datetime | str, *, store: Store | None = None) -> int | None:
    """The version ``name@alias`` pointed at at time ``when`` (None if unset then).

    ``when`` is a datetime (naive means UTC) or an ISO string.
    """
    moment = format_time(datetime.fromisoformat(when) if isinstance(when, str) else when)
    q = (
        select(alias_history.c.version)
        .where(alias_history.c.model_name == name, alias_history.c.alias == alias, alias_history.c.moved_at <= moment)
        .order_by(alias_history.c.moved_at.desc(), alias_history.c.id.desc())
        .limit(1)
    )
    with store_or_default(store).read() as conn:
        v = conn.execute(q).scalar()
    return None if v is None else int(v)

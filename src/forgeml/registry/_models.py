"""Model versions: registration (artifacts first, then one metadata transaction), listing, deletion.

Registration stores the model folder in the content-addressed artifact store *before* touching
the database, then allocates the next version number, links the datasets, appends the audit entry
and moves the alias in a single transaction. A crash before the commit leaves no version row and
no audit entry, only unreferenced objects that ``Store.gc()`` removes.

Example:
    >>> v = register_version("churn-model/", "churn", metric="roc_auc", cv_score=0.91)   # doctest: +SKIP
    >>> v.ref                                                                          # doctest: +SKIP
    'churn@1'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from forgeml.errors import ConflictError, NotFoundError
from forgeml.registry._aliases import move_alias
from forgeml.registry._common import check_name, loads, store_or_default
from forgeml.registry._entities import DatasetVersion, ModelSummary, ModelVersion
from forgeml.store import Store, append_audit, canonical_json, utc_now
from forgeml.store.tables import aliases, datasets, model_versions, models, version_datasets

__all__ = ["BEFORE_COMMIT_HOOKS", "delete_version", "get_version", "list_models", "list_versions", "register_version"]

#: Called as ``hook(name, version)`` inside the registration transaction, after every row is written
#: and before the commit. Tests use it to kill a process mid-registration; keep it empty otherwise.
BEFORE_COMMIT_HOOKS: list[Callable[[str, int], None]] = []


def register_version(
    folder: str | Path,
    name: str,
    *,
    lineage: Mapping[str, Any] | None = None,
    metric: str | None = None,
    cv_score: float | None = None,
    datasets_used: Sequence[DatasetVersion] = (),
    alias: str | None = None,
    store: Store | None = None,
) -> ModelVersion:
    """Register the model folder as the next version of ``name`` (optionally pointing ``alias`` at it)."""
    check_name(name, "model name")
    if alias is not None:
        check_name(alias, "alias")
    st = store_or_default(store)
    digest, files = st.artifacts.put_folder(folder)  # artifacts first: a crash below leaves only orphans
    size = sum(f.size for f in files)
    with st.write() as conn:
        version = _next_version(conn, name, st.actor)
        now = utc_now()
        inserted = conn.execute(
            insert(model_versions).values(
                model_name=name,
                version=version,
                artifact_digest=digest,
                artifact_size=size,
                metric=metric,
                cv_score=cv_score,
                lineage_json=canonical_json(dict(lineage or {})),
                created_at=now,
                created_by=st.actor,
            )
        ).inserted_primary_key
        _link_datasets(conn, int(inserted[0]) if inserted else 0, datasets_used)
        append_audit(
            conn,
            actor=st.actor,
            action="model.registered",
            object_type="model_version",
            object_id=f"{name}@{version}",
            details={
                "artifact_digest": digest,
                "artifact_size": size,
                "files": len(files),
                "metric": metric,
                "cv_score": cv_score,
                "datasets": [d.ref for d in datasets_used],
            },
        )
        if alias is not None:
            move_alias(conn, st.actor, name, alias, version)
        for hook in BEFORE_COMMIT_HOOKS:
            hook(name, version)
    return get_version(name, version, store=st)


def _next_version(conn: Connection, name: str, actor: str) -> int:
    row = conn.execute(select(models.c.last_version).where(models.c.name == name).with_for_update()).first()
    if row is None:
        conn.execute(insert(models).values(name=name, last_version=1, created_at=utc_now(), created_by=actor))
        return 1
    version = int(row.last_version) + 1  # numbers of deleted versions are never reused
    conn.execute(update(models).where(models.c.name == name).values(last_version=version))
    return version


def _link_datasets(conn: Connection, version_id: int, used: Sequence[DatasetVersion]) -> None:
    for d in used:
        did = conn.execute(
            select(datasets.c.id).where(datasets.c.name == d.name, datasets.c.version == d.version)
        ).scalar()
        if did is None:
            raise NotFoundError(f"dataset '{d.ref}' is not registered; register it with register_dataset() first.")
        conn.execute(insert(version_datasets).values(version_id=version_id, dataset_id=did, role="train"))


def _entity(conn: Connection, r: Any) -> ModelVersion:
    refs = conn.execute(
        select(datasets.c.name, datasets.c.version)
        .join(version_datasets, version_datasets.c.dataset_id == datasets.c.id)
        .where(version_datasets.c.version_id == r.id)
        .order_by(datasets.c.name, datasets.c.version)
    )
    names = conn.execute(
        select(aliases.c.alias)
        .where(aliases.c.model_name == r.model_name, aliases.c.version == r.version)
        .order_by(aliases.c.alias)
    ).scalars()
    return ModelVersion(
        name=r.model_name,
        version=int(r.version),
        artifact_digest=r.artifact_digest,
        artifact_size=int(r.artifact_size),
        metric=r.metric,
        cv_score=None if r.cv_score is None else float(r.cv_score),
        lineage=loads(r.lineage_json),
        created_at=r.created_at,
        created_by=r.created_by,
        datasets=tuple(f"{n}@{v}" for n, v in refs),
        aliases=tuple(names),
    )


def known_models(conn: Connection) -> list[str]:
    return [str(n) for n in conn.execute(select(models.c.name).order_by(models.c.name)).scalars()]


def _missing_model(conn: Connection, name: str) -> NotFoundError:
    known = known_models(conn)
    return NotFoundError(f"no registered model '{name}'; registered models: {', '.join(known) or 'none'}.")


def list_versions(name: str, *, store: Store | None = None) -> list[ModelVersion]:
    """Every version of ``name``, oldest first; :class:`NotFoundError` (listing known models) if unknown."""
    with store_or_default(store).read() as conn:
        if conn.execute(select(models.c.name).where(models.c.name == name)).first() is None:
            raise _missing_model(conn, name)
        rows = conn.execute(
            select(model_versions).where(model_versions.c.model_name == name).order_by(model_versions.c.version)
        ).all()
        return [_entity(conn, r) for r in rows]


def get_version(name: str, version: int, *, store: Store | None = None) -> ModelVersion:
    """One version; :class:`NotFoundError` lists the versions (or models) that exist."""
    with store_or_default(store).read() as conn:
        row = conn.execute(
            select(model_versions).where(model_versions.c.model_name == name, model_versions.c.version == version)
        ).first()
        if row is not None:
            return _entity(conn, row)
        if conn.execute(select(models.c.name).where(models.c.name == name)).first() is None:
            raise _missing_model(conn, name)
        known = conn.execute(
            select(model_versions.c.version).where(model_versions.c.model_name == name).order_by("version")
        ).scalars()
        raise NotFoundError(
            f"model '{name}' has no version {version}; versions: {', '.join(map(str, known)) or 'none'}."
        )


def list_models(*, store: Store | None = None) -> list[ModelSummary]:
    """Every registered model with its version numbers and current aliases, by name."""
    with store_or_default(store).read() as conn:
        versions: dict[str, list[int]] = {}
        for n, v in conn.execute(select(model_versions.c.model_name, model_versions.c.version)):
            versions.setdefault(n, []).append(int(v))
        names: dict[str, dict[str, int]] = {}
        for n, a, v in conn.execute(select(aliases.c.model_name, aliases.c.alias, aliases.c.version)):
            names.setdefault(n, {})[a] = int(v)
        return [
            ModelSummary(
                r.name, tuple(sorted(versions.get(r.name, []))), names.get(r.name, {}), r.created_at, r.created_by
            )
            for r in conn.execute(select(models).order_by(models.c.name))
        ]


def delete_version(name: str, version: int, *, store: Store | None = None) -> ModelVersion:
    """Remove a version's metadata (its audit entries stay); refused while an alias points at it.

    Its artifact files are removed by the next ``Store.gc()`` once no other version shares them.
    """
    st = store_or_default(store)
    with st.write() as conn:
        row = conn.execute(
            select(model_versions).where(model_versions.c.model_name == name, model_versions.c.version == version)
        ).first()
        if row is None:
            get_version(name, version, store=st)  # raises the NotFoundError that lists what exists
            raise NotFoundError(f"no version '{name}@{version}'.")  # not reached
        gone = _entity(conn, row)
        if gone.aliases:
            raise ConflictError(
                f"cannot delete '{name}@{version}': alias {', '.join(repr(a) for a in gone.aliases)} points at it; "
                f"move it first ('forgeml models alias {name} VERSION ALIAS') or remove it "
                f"('forgeml models unalias {name} ALIAS')."
            )
        conn.execute(delete(version_datasets).where(version_datasets.c.version_id == row.id))
        conn.execute(delete(model_versions).where(model_versions.c.id == row.id))
        append_audit(
            conn,
            actor=st.actor,
            action="model.deleted",
            object_type="model_version",
            object_id=f"{name}@{version}",
            details={"artifact_digest": gone.artifact_digest, "datasets": list(gone.datasets)},
        )
    return gone

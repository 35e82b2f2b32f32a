"""Datasets, registered when used: identical content under one name is one version.

Example:
    >>> import pandas as pd, tempfile
    >>> from forgeml.config import Settings
    >>> from forgeml.store import Store
    >>> store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp()}))
    >>> df = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]})
    >>> register_dataset(df, "customers", store=store).ref
    'customers@1'
    >>> register_dataset(df.copy(), "customers", store=store).ref   # same content: the same version
    'customers@1'
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from forgeml.data import fingerprint, read_table
from forgeml.errors import NotFoundError
from forgeml.registry._common import check_name, loads, store_or_default
from forgeml.registry._entities import DatasetVersion
from forgeml.store import Store, append_audit, canonical_json, utc_now
from forgeml.store.tables import datasets

__all__ = ["get_dataset", "list_datasets", "register_dataset"]


def _entity(row: Any) -> DatasetVersion:
    return DatasetVersion(
        name=row.name,
        version=int(row.version),
        fingerprint=row.fingerprint,
        schema=loads(row.schema_json),
        n_rows=int(row.n_rows),
        n_columns=int(row.n_columns),
        source=row.source,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _schema(df: pd.DataFrame, target: str | None) -> dict[str, Any]:
    return {"columns": [{"name": str(c), "dtype": str(t)} for c, t in df.dtypes.items()], "target": target}


def register_dataset(
    data: pd.DataFrame | str | Path,
    name: str,
    *,
    source: str | None = None,
    target: str | None = None,
    store: Store | None = None,
) -> DatasetVersion:
    """Register ``data`` (a frame or a CSV / Parquet path) under ``name``; same content → same version.

    A new version is recorded with its sha256 fingerprint (``forgeml.data.fingerprint``), column
    types, row count and source, and a ``dataset.registered`` audit entry, in one transaction.
    """
    check_name(name, "dataset name")
    st = store_or_default(store)
    if not isinstance(data, pd.DataFrame):
        source = source or str(data)
    df = read_table(data)
    digest = fingerprint(df)
    existing = _find(st, name, digest)
    if existing is not None:
        return existing
    with st.write() as conn:
        again = _find_in(conn, name, digest)  # another process may have registered it meanwhile
        if again is not None:
            return again
        last = conn.execute(select(func.max(datasets.c.version)).where(datasets.c.name == name)).scalar()
        row = {
            "name": name,
            "version": int(last or 0) + 1,
            "fingerprint": digest,
            "schema_json": canonical_json(_schema(df, target)),
            "n_rows": len(df),
            "n_columns": df.shape[1],
            "source": source,
            "created_at": utc_now(),
            "created_by": st.actor,
        }
        conn.execute(insert(datasets).values(**row))
        append_audit(
            conn,
            actor=st.actor,
            action="dataset.registered",
            object_type="dataset",
            object_id=f"{name}@{row['version']}",
            details={"fingerprint": digest, "n_rows": len(df), "n_columns": df.shape[1], "source": source},
        )
    return _entity(SimpleNamespace(**row))


def _find_in(conn: Connection, name: str, digest: str) -> DatasetVersion | None:
    row = conn.execute(select(datasets).where(datasets.c.name == name, datasets.c.fingerprint == digest)).first()
    return None if row is None else _entity(row)


def _find(store: Store, name: str, digest: str) -> DatasetVersion | None:
    with store.read() as conn:
        return _find_in(conn, name, digest)


def list_datasets(name: str | None = None, *, store: Store | None = None) -> list[DatasetVersion]:
    """Every registered dataset version (of ``name`` only, if given), by name then version.

    Example:
        >>> [d.ref for d in list_datasets(store=store)]   # doctest: +SKIP
        ['customers@1']
    """
    query = select(datasets).order_by(datasets.c.name, datasets.c.version)
    if name is not None:
        query = query.where(datasets.c.name == name)
    with store_or_default(store).read() as conn:
        return [_entity(r) for r in conn.execute(query)]


def get_dataset(name: str, version: int | None = None, *, store: Store | None = None) -> DatasetVersion:
    """One dataset version (the latest when ``version`` is None); :class:`NotFoundError` lists what exists."""
    found = list_datasets(name, store=store)
    if version is not None:
        found = [d for d in found if d.version == version]
    if not found:
        known = sorted({d.ref for d in list_datasets(store=store)})
        raise NotFoundError(
            f"no dataset '{name}{'' if version is None else f'@{version}'}'; "
            f"registered: {', '.join(known) if known else 'none'}."
        )
    return found[-1]

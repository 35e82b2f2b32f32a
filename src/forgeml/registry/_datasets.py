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
    >>> read_dataset("customers", store=store).equals(df)           # the content is kept (Parquet)
    True
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from forgeml.data import fingerprint, read_table
from forgeml.errors import IntegrityError, NotFoundError, SchemaError
from forgeml.registry._common import check_name, loads, store_or_default
from forgeml.registry._entities import DatasetVersion
from forgeml.store import Store, append_audit, canonical_json, utc_now
from forgeml.store.tables import datasets

__all__ = ["dataset_bytes", "get_dataset", "list_datasets", "read_dataset", "register_dataset"]


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
        artifact_digest=getattr(row, "artifact_digest", None),
        subject_column=getattr(row, "subject_column", None),
        erased_at=getattr(row, "erased_at", None),
    )


def dataset_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as Parquet bytes (the form dataset content is stored in), index dropped.

    Example:
        >>> dataset_bytes(pd.DataFrame({"x": [1]}))[:4]
        b'PAR1'
    """
    buf = io.BytesIO()
    df.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


def _schema(df: pd.DataFrame, target: str | None) -> dict[str, Any]:
    return {"columns": [{"name": str(c), "dtype": str(t)} for c, t in df.dtypes.items()], "target": target}


def register_dataset(
    data: pd.DataFrame | str | Path,
    name: str,
    *,
    source: str | None = None,
    target: str | None = None,
    subject_column: str | None = None,
    store: Store | None = None,
) -> DatasetVersion:
    """Register ``data`` (a frame or a CSV / Parquet path) under ``name``; same content → same version.

    A new version is recorded with its sha256 fingerprint (``forgeml.data.fingerprint``), column
    types, row count and source, and a ``dataset.registered`` audit entry, in one transaction. The
    content itself is kept as Parquet in the artifact store (read it back with :func:`read_dataset`),
    so that retraining can reuse it and an erasure can find a person's rows by ``subject_column``.
    """
    check_name(name, "dataset name")
    st = store_or_default(store)
    if not isinstance(data, pd.DataFrame):
        source = source or str(data)
    df = read_table(data)
    if subject_column is not None and subject_column not in df.columns:
        raise SchemaError(
            f"subject id column '{subject_column}' is not in dataset '{name}'; "
            f"its columns are: {', '.join(map(str, df.columns))}."
        )
    digest = fingerprint(df)
    existing = _find(st, name, digest)
    if existing is not None and existing.artifact_digest is not None and existing.erased_at is None:
        return existing
    content = st.artifacts.put_bytes(dataset_bytes(df))
    with st.write() as conn:
        again = _find_in(conn, name, digest)  # another process may have registered it meanwhile
        if again is not None and again.artifact_digest is not None and again.erased_at is None:
            return again
        if again is not None:  # same content registered before content was kept, or erased: keep it now
            conn.execute(
                datasets.update()
                .where(datasets.c.name == name, datasets.c.version == again.version)
                .values(artifact_digest=content, erased_at=None, subject_column=subject_column or again.subject_column)
            )
            found = _find_in(conn, name, digest)
            assert found is not None
            return found
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
            "artifact_digest": content,
            "subject_column": subject_column,
            "erased_at": None,
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


def read_dataset(name: str, version: int | None = None, *, store: Store | None = None) -> pd.DataFrame:
    """The stored content of dataset ``name`` (the latest version when ``version`` is None), checked
    against its sha256 before it is read.

    Example:
        >>> read_dataset("customers", 1, store=store).shape   # doctest: +SKIP
        (3, 2)
    """
    st = store_or_default(store)
    d = get_dataset(name, version, store=st)
    if d.erased_at is not None:
        raise NotFoundError(
            f"dataset '{d.ref}' had its content destroyed by an erasure on {d.erased_at}; "
            f"use a newer version of '{name}' (see `forgeml datasets list {name}`)."
        )
    if d.artifact_digest is None:
        raise NotFoundError(
            f"dataset '{d.ref}' was registered before forgeml kept dataset content; register the data again "
            "to store it."
        )
    path = st.artifacts.object_path(d.artifact_digest)
    if not path.is_file():
        raise IntegrityError(f"dataset '{d.ref}': its content object '{path}' is missing from the artifact store.")
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != d.artifact_digest:
        raise IntegrityError(
            f"dataset '{d.ref}': its content '{path}' does not match its recorded sha256; it was corrupted or "
            "swapped and will not be read."
        )
    return pd.read_parquet(io.BytesIO(raw))

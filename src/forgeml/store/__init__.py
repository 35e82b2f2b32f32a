"""Persistence: the SQLAlchemy metadata store, its Alembic migrations and the artifact store.

The metadata lives in SQLite under ``FORGEML_HOME`` by default, or in PostgreSQL when
``FORGEML_DATABASE_URL`` is set; the schema is migrated on open. Writers are serialised, and the
audit log is appended in the same transaction as the change it records.

Example:
    >>> import tempfile
    >>> from forgeml.config import Settings
    >>> store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp()}))
    >>> store.backend
    'sqlite'
    >>> store.close()
"""

from forgeml.store import tables
from forgeml.store._artifacts import ArtifactFile, ArtifactStore, GcReport
from forgeml.store._audit import (
    GENESIS_HASH,
    HASHED_FIELDS,
    append_audit,
    canonical_json,
    entry_hash,
    format_time,
    utc_now,
)
from forgeml.store._engine import make_engine, migrate
from forgeml.store._store import DEFAULT_GC_GRACE_S, Store, StoreGcReport, close_default_stores, default_store
from forgeml.store._subjects import erased_subjects, normalise_subject, subject_hash

__all__ = [
    "DEFAULT_GC_GRACE_S",
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "ArtifactFile",
    "ArtifactStore",
    "GcReport",
    "Store",
    "StoreGcReport",
    "append_audit",
    "canonical_json",
    "close_default_stores",
    "default_store",
    "entry_hash",
    "erased_subjects",
    "format_time",
    "make_engine",
    "migrate",
    "normalise_subject",
    "subject_hash",
    "tables",
    "utc_now",
]

"""The metadata store (SQLAlchemy) and the artifact store, opened together from :class:`Settings`.

Example:
    >>> import tempfile
    >>> from forgeml.config import Settings
    >>> from forgeml.store import append_audit
    >>> store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp()}))
    >>> with store.write() as conn:
    ...     entry = append_audit(conn, actor="ana", action="config.changed", object_type="settings",
    ...                          object_id="home", details={"key": "value"})
    >>> entry["seq"]
    1
    >>> store.close()
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from forgeml.config import Settings
from forgeml.store._artifacts import ArtifactStore, GcReport
from forgeml.store._engine import is_postgres, make_engine, migrate, write_connection
from forgeml.store.tables import datasets, model_versions

__all__ = ["DEFAULT_GC_GRACE_S", "Store", "StoreGcReport", "close_default_stores", "default_store"]

DEFAULT_GC_GRACE_S = 15 * 60.0


@dataclass(frozen=True)
class StoreGcReport:
    """What :meth:`Store.gc` kept and removed."""

    kept_versions: int
    removed: GcReport


class Store:
    """Metadata (SQLite or PostgreSQL, migrated on open) plus content-addressed artifacts."""

    def __init__(self, settings: Settings, engine: Engine, artifacts: ArtifactStore) -> None:
        self.settings = settings
        self.engine = engine
        self.artifacts = artifacts

    @classmethod
    def open(cls, settings: Settings | None = None) -> Store:
        """Connect to ``settings.database_url`` (default: the environment) and apply pending migrations."""
        s = settings or Settings.from_env()
        engine = make_engine(s.database_url)
        migrate(engine)
        return cls(s, engine, ArtifactStore(s.artifact_root))

    @property
    def backend(self) -> str:
        return "postgresql" if is_postgres(self.engine) else "sqlite"

    @property
    def actor(self) -> str:
        return self.settings.actor

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One serialised write transaction: every change and its audit entry commit together or not at all."""
        with write_connection(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def gc(self, *, grace_seconds: float = DEFAULT_GC_GRACE_S, now: float | None = None) -> StoreGcReport:
        """Remove artifacts nothing references: those of deleted versions and erased dataset content, and
        orphans of crashed registrations. Files younger than ``grace_seconds`` are kept, so a registration
        in flight is safe. Stored dataset content (one Parquet object per live dataset version) is kept."""
        with self.read() as conn:
            digests = list(conn.execute(select(model_versions.c.artifact_digest)).scalars())
            data = conn.execute(
                select(datasets.c.artifact_digest).where(
                    datasets.c.artifact_digest.is_not(None), datasets.c.erased_at.is_(None)
                )
            ).scalars()
            kept_data = {str(d) for d in data}
        keep = self.artifacts.referenced(digests) | kept_data
        removed = self.artifacts.gc(keep, grace_seconds=grace_seconds, now=now)
        return StoreGcReport(kept_versions=len(digests), removed=removed)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


_DEFAULT: dict[Settings, Store] = {}
_LOCK = threading.Lock()


def default_store(settings: Settings | None = None) -> Store:
    """The process-wide store for ``settings`` (default: read from the environment now), opened once."""
    s = settings or Settings.from_env()
    with _LOCK:
        store = _DEFAULT.get(s)
        if store is None:
            store = _DEFAULT[s] = Store.open(s)
        return store


def close_default_stores() -> None:
    """Close and forget every store :func:`default_store` opened (tests; settings changed; after a fork)."""
    with _LOCK:
        for store in _DEFAULT.values():
            store.close()
        _DEFAULT.clear()

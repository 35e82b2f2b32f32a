"""SQLAlchemy engines that serialise writers, and migrations applied safely on start.

SQLite: WAL journal, a 60 s busy timeout, foreign keys on, and pysqlite's own transaction
handling switched off so that a write transaction really starts with ``BEGIN IMMEDIATE`` (the
database write lock is taken at the start, not at the first write). PostgreSQL: a write
transaction takes a transaction-scoped advisory lock first. Either way, two processes writing
at once run one after the other, so version numbers and the audit chain stay consistent.

Example:
    >>> engine = make_engine("sqlite://")
    >>> is_postgres(engine)
    False
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from forgeml.errors import ConfigError
from forgeml.store._audit import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["is_postgres", "make_engine", "migrate", "write_connection"]

WRITE_LOCK_KEY = 0x466F726765  # "Forge"
MIGRATE_LOCK_KEY = WRITE_LOCK_KEY + 1
BUSY_TIMEOUT_S = 60


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``), configured as above."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConfigError(f"'FORGEML_DATABASE_URL' must be a SQLAlchemy URL, got {url!r}.") from err
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    if backend != "sqlite":
        raise ConfigError(f"'FORGEML_DATABASE_URL' must point at sqlite or postgresql, got {backend!r}.")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_S}}
    if parsed.database in (None, "", ":memory:"):
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    _use_wal(cursor)
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch a database file to WAL once; WAL is stored in the file, so later connections only read it.

    Switching takes an exclusive lock, and SQLite answers "database is locked" at once, without
    waiting on the busy timeout, when several processes open a new database together: so retry.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() in ("wal", "memory"):
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


@contextmanager
def write_connection(engine: Engine, *, lock_key: int = WRITE_LOCK_KEY) -> Iterator[Connection]:
    """A connection in a transaction that holds the store's write lock until it commits or rolls back."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if is_postgres(engine):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
            yield conn


def _alembic_config() -> Config:
    from alembic.config import Config  # imported when a store opens, not with forgeml

    cfg = Config()
    cfg.set_main_option("script_location", "forgeml.store:migrations")
    return cfg


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; safe when several processes start at once.

    Returns the revision applied, or None when the schema was already current.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return None
    with write_connection(engine, lock_key=MIGRATE_LOCK_KEY) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")  # re-reads the revision under the lock: a no-op if another process won
    return head

"""SQLite engines: a new database switches to WAL even while another process holds its write lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from forgeml.store import make_engine


def test_wal_switch_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    # A database still in rollback-journal mode whose write lock another connection holds: SQLite
    # answers "database is locked" to PRAGMA journal_mode=WAL at once, ignoring the busy timeout,
    # which is what several processes opening a new store together ran into.
    path = tmp_path / "forgeml.db"
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.3, other.execute, args=("COMMIT",))
    release.start()

    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1  # waited for the commit
    release.join()
    engine.dispose()
    other.close()

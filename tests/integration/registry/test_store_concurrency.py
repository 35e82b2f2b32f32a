"""Migrations on start, concurrent registration from several processes, and a process killed
in the middle of a registration — on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from _registry_helpers import FORK, forked
from sqlalchemy import func, select, text

from forgeml import audit, registry
from forgeml.config import Settings
from forgeml.store import Store, migrate
from forgeml.store.tables import audit_log, model_versions

PROCESSES = 4
PER_PROCESS = 5


def test_open_migrates_to_head_once(store: Store) -> None:
    with store.read() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == "0002"
    assert migrate(store.engine) is None  # already current: nothing to do


def test_write_transactions_take_the_write_lock(settings: Settings) -> None:
    store = Store.open(settings)
    if store.backend == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
        # a write transaction holds the write lock from BEGIN: a second one cannot start meanwhile
        with store.write():
            other = Store.open(settings)
            with other.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    locked = False
                except Exception as err:  # sqlite3.OperationalError: database is locked
                    locked = "locked" in str(err)
            other.close()
        assert locked
    else:
        with store.write() as conn:
            held = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar()
        assert held and held >= 1
    store.close()


def _register_many(settings: Settings, folder: str, count: int, start: Any, results: Any) -> None:
    start.wait()  # every process passes the barrier together, on a database nobody has migrated yet
    store = Store.open(settings)
    for _ in range(count):
        results.put(registry.register_version(folder, "churn", store=store).version)
    store.close()


def test_concurrent_registration_from_processes(fresh_settings: Settings, model_folder: Path) -> None:
    start, results = FORK.Barrier(PROCESSES), FORK.Queue()
    procs = [forked(_register_many, fresh_settings, str(model_folder), PER_PROCESS, start, results)
             for _ in range(PROCESSES)]  # fmt: skip
    n = PROCESSES * PER_PROCESS
    got = sorted(results.get(timeout=120) for _ in range(n))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert got == list(range(1, n + 1))  # distinct numbers, no gaps

    store = Store.open(fresh_settings)
    assert [v.version for v in registry.list_versions("churn", store=store)] == list(range(1, n + 1))
    report = audit.verify(store=store)
    assert report.ok, report.problems
    assert report.entries == n and report.head_seq == n
    store.close()


def _register_and_hang(settings: Settings, folder: str, paused: Any, never: Any) -> None:
    def pause(model: str, version: int) -> None:
        paused.set()  # every row is written, the transaction is open, nothing is committed
        never.wait()  # the test kills this process here

    registry.BEFORE_COMMIT_HOOKS.append(pause)
    registry.register_version(folder, "churn", store=Store.open(settings))


def test_process_killed_mid_registration_leaves_nothing(
    store: Store, model_folder: Path, variant_folder: Callable[[str], Path], train_frame: pd.DataFrame
) -> None:
    registry.register_version(model_folder, "churn", store=store)
    before = audit.verify(store=store)
    crashing = variant_folder("crash")
    paused, never = FORK.Event(), FORK.Event()
    proc = forked(_register_and_hang, store.settings, str(crashing), paused, never)
    assert paused.wait(timeout=60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL

    assert [v.version for v in registry.list_versions("churn", store=store)] == [1]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(model_versions)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == before.entries
    after = audit.verify(store=store)
    assert after.ok and after.head_hash == before.head_hash

    # the artifacts were written before the transaction: the crash left them as orphans
    orphan_sha = hashlib.sha256((crashing / "notes.txt").read_bytes()).hexdigest()
    assert store.artifacts.object_path(orphan_sha).exists()
    kept_young = store.gc()  # inside the grace period: a registration might still be in flight
    assert kept_young.removed.objects == 0
    swept = store.gc(grace_seconds=0)
    assert swept.removed.objects >= 2  # the extra file and the variant's manifest
    assert not store.artifacts.object_path(orphan_sha).exists()
    survivor = registry.load_model("churn@1", store=store)  # what is referenced survives and verifies
    assert len(survivor.predict(train_frame)) == len(train_frame)

    assert registry.register_version(model_folder, "churn", store=store).version == 2  # the number was not used
    assert audit.verify(store=store).ok

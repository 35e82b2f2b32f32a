"""Retention of prediction logs, feedback and live windows: ``enforce_retention``, ``forgeml gc --retention``,
``FORGEML_RETENTION`` and the server's periodic loop — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from forgeml import audit
from forgeml.cli import app
from forgeml.errors import ConfigError
from forgeml.governance import enforce_retention, retention_loop
from forgeml.store import Store, format_time
from forgeml.store.tables import feedback, live_profiles, prediction_log

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _seed(store: Store, ages_days: list[float], now: datetime = NOW) -> None:
    """One prediction (with feedback given a day later) and one live window per age."""
    with store.write() as conn:
        for age in ages_days:
            at = now - timedelta(days=age)
            pid = uuid.uuid4().hex
            conn.execute(
                insert(prediction_log).values(
                    id=pid, model_name="churn", version=1, created_at=format_time(at), prediction_json='"yes"'
                )
            )
            conn.execute(
                insert(feedback).values(
                    prediction_id=pid, model_name="churn", version=1,
                    created_at=format_time(at + timedelta(days=1)), outcome_json='"no"',
                )
            )  # fmt: skip
            conn.execute(
                insert(live_profiles).values(
                    model_name="churn", version=1, window_start=format_time(at - timedelta(hours=1)),
                    window_end=format_time(at), n_rows=1, payload_json="{}", created_at=format_time(at),
                )
            )  # fmt: skip


def _counts(store: Store) -> tuple[int, int, int]:
    with store.read() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in (prediction_log, feedback, live_profiles)
        )


def test_old_rows_go_recent_rows_stay(store: Store) -> None:
    _seed(store, [200, 120, 95, 30, 1])
    report = enforce_retention("90d", store=store, now=NOW)
    assert report.cutoff == "2025-03-03T12:00:00.000000+00:00"
    # the 95-day-old prediction goes, and its feedback (given at 94 days) with it
    assert (report.predictions_deleted, report.feedback_deleted, report.live_windows_deleted) == (3, 3, 3)
    assert _counts(store) == (2, 2, 2)
    entry = audit.read_log(action="retention.enforced", store=store)[-1]
    assert entry.details["predictions_deleted"] == 3 and entry.details["max_age_s"] == 90 * 86400.0

    again = enforce_retention("90d", store=store, now=NOW)
    assert again.deleted == 0 and len(audit.read_log(action="retention.enforced", store=store)) == 1


def test_no_retention_keeps_everything(store: Store) -> None:
    _seed(store, [5000, 1])
    assert store.settings.retention is None
    report = enforce_retention(store=store, now=NOW)
    assert (report.max_age_s, report.deleted) == (None, 0) and _counts(store) == (2, 2, 2)
    with pytest.raises(ConfigError, match="'retention' must look like 90d"):
        enforce_retention("three months", store=store)


def test_gc_enforces_retention_from_the_option_and_the_environment(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    _seed(store, [400, 40, 2], now=now)
    runner = CliRunner()
    result = runner.invoke(app, ["gc", "--retention", "365d"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 prediction log rows, 1 feedback rows and 1 live windows" in result.stdout
    assert _counts(store) == (2, 2, 2)

    result = runner.invoke(app, ["gc"])
    assert result.exit_code == 0 and "retention: none configured" in result.stdout

    monkeypatch.setenv("FORGEML_RETENTION", "7d")
    result = runner.invoke(app, ["gc"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 prediction log rows" in result.stdout and _counts(store) == (1, 1, 1)

    bad = runner.invoke(app, ["gc", "--retention", "soon"])
    assert bad.exit_code == 1 and "'retention' must look like 90d" in bad.stderr


def test_server_loop_enforces_the_configured_retention(store: Store) -> None:
    _seed(store, [30, 1], now=datetime.now(UTC))
    configured = Store(dataclasses.replace(store.settings, retention=7 * 86400.0), store.engine, store.artifacts)

    async def run_briefly() -> None:
        task = asyncio.create_task(retention_loop(configured, interval_s=0.05))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_briefly())
    assert _counts(store) == (1, 1, 1)
    # without a configured retention the loop returns at once and deletes nothing
    asyncio.run(asyncio.wait_for(retention_loop(store, interval_s=0.05), timeout=1.0))
    assert _counts(store) == (1, 1, 1)


def test_the_server_enforces_retention_while_it_runs(store: Store, model_folder) -> None:
    from fastapi.testclient import TestClient

    from forgeml.serving import create_app

    _seed(store, [30, 1], now=datetime.now(UTC))
    configured = Store(dataclasses.replace(store.settings, retention=7 * 86400.0), store.engine, store.artifacts)
    app = create_app([f"churn={model_folder}"], monitor=False, store=configured)
    with TestClient(app) as client:
        assert client.get("/v2/health/ready").status_code == 200
        deadline = time.monotonic() + 10
        while _counts(store) != (1, 1, 1) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _counts(store) == (1, 1, 1)
    assert audit.read_log(action="retention.enforced", store=store)[-1].details["predictions_deleted"] == 1

"""The live monitor with a fake clock and a temporary SQLite store: buffer, ids, flushes into windows,
restarts that continue a window, the bounded buffer, feedback and ``live_report``."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score
from sqlalchemy import func, select

import forgeml
from forgeml._clock import FakeClock
from forgeml.config import Settings
from forgeml.errors import DataError, NotFoundError
from forgeml.monitoring import (
    LiveMonitor,
    ModelStatus,
    MonitorConfig,
    MonitoredVersion,
    MonitorListener,
    live_report,
    record_feedback,
)
from forgeml.predictor import Predictor
from forgeml.store import Store
from forgeml.store.tables import feedback, live_profiles, prediction_log

T0 = 1_800_000_000.0  # a window boundary for 60 s windows


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n) + shift
    x2 = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    y = np.where(x1 - x2 + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color, "customer": [f"c{i}" for i in range(n)], "y": y})


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    train = _frame(600, 0).drop(columns="customer")
    p = forgeml.AutoML(max_trials=1, executor="serial", families=["linear"], seed=0).fit(train, target="y").predictor
    p = copy.copy(p)
    p.schema = dataclasses.replace(p.schema, subject_column="customer")
    return p


@pytest.fixture
def store(tmp_path: Path) -> Any:
    home = tmp_path / "home"
    st = Store.open(Settings(home=home, database_url=f"sqlite:///{home / 'db.sqlite'}", artifact_root=home, actor="t"))
    yield st
    st.close()


class Recorder(MonitorListener):
    def __init__(self) -> None:
        self.drops: list[tuple[str, int]] = []
        self.statuses: list[ModelStatus] = []

    def dropped(self, model: str, rows: int) -> None:
        self.drops.append((model, rows))

    def status(self, status: ModelStatus) -> None:
        self.statuses.append(status)


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.drop(columns="y").to_dict("records")


def _monitor(store: Store, model: MonitoredVersion, clock: FakeClock, **config: Any) -> tuple[LiveMonitor, Recorder]:
    rec = Recorder()
    cfg = MonitorConfig(window_seconds=60, **config)
    return LiveMonitor(cfg, store=store, clock=clock, listener=rec, models=lambda: [model]), rec


def _send(monitor: LiveMonitor, model: MonitoredVersion, rows: list[dict[str, Any]], size: int = 25) -> list[str]:
    ids: list[str] = []
    for i in range(0, len(rows), size):
        part = rows[i : i + size]
        ids += monitor.record(model, part, model.fast.predict_raw(part))
    return ids


def _count(store: Store, table: Any, **where: Any) -> int:
    with store.read() as conn:
        q = select(func.count()).select_from(table)
        for k, v in where.items():
            q = q.where(table.c[k] == v)
        return int(conn.execute(q).scalar_one())


def test_ids_are_unique_uuid4_hex_in_row_order(predictor: Predictor, store: Store) -> None:
    model = MonitoredVersion("m", 0, predictor, predictor.compile())
    monitor, _ = _monitor(store, model, FakeClock(T0))
    ids = _send(monitor, model, _rows(_frame(60, 1)))
    assert len(ids) == len(set(ids)) == 60
    assert all(re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}", i) for i in ids)
    assert monitor.pending == 60
    other, _ = _monitor(store, model, FakeClock(T0))
    assert not set(other.record(model, _rows(_frame(1, 1)), np.zeros((1, 2)))) & set(ids)  # another process


def test_flush_writes_log_and_windows_and_a_restart_continues_the_window(predictor: Predictor, store: Store) -> None:
    clock = FakeClock(T0 + 5)
    model = MonitoredVersion("m", 3, predictor, predictor.compile())
    assert MonitorConfig().log_inputs is False  # inputs are kept only when asked for (data minimisation)
    monitor, rec = _monitor(store, model, clock, log_inputs=True)
    frame = _frame(80, 1)
    ids = _send(monitor, model, _rows(frame))
    assert _count(store, prediction_log) == 0  # nothing written on the hot path
    assert monitor.flush() == 80 and monitor.pending == 0
    with store.read() as conn:
        logged = conn.execute(select(prediction_log).where(prediction_log.c.id == ids[7])).one()
    assert (logged.model_name, logged.version, logged.subject_id) == ("m", 3, "c7")
    assert json.loads(logged.features_json)["x1"] == frame["x1"][7]
    proba = predictor.predict_raw(frame.drop(columns="y").iloc[[7]])[0]
    assert json.loads(logged.prediction_json)["proba"] == pytest.approx(proba.tolist())
    assert logged.created_at.startswith(datetime.fromtimestamp(T0 + 5, UTC).isoformat()[:19])
    assert rec.statuses[-1].drift is not None and rec.statuses[-1].drift.n_rows == 80

    clock.advance(30)  # same 60 s window; a restarted server (new monitor) adds to it
    again, _ = _monitor(store, model, clock)
    _send(again, model, _rows(_frame(20, 2)))
    again.flush()
    with store.read() as conn:
        windows = conn.execute(select(live_profiles.c.window_start, live_profiles.c.n_rows)).all()
    assert [w.n_rows for w in windows] == [100]

    clock.advance(60)  # next window
    _send(again, model, _rows(_frame(10, 3)))
    again.flush()
    with store.read() as conn:
        windows = conn.execute(select(live_profiles.c.n_rows).order_by(live_profiles.c.window_start)).all()
    assert [w.n_rows for w in windows] == [100, 10]
    assert _count(store, prediction_log, model_name="m") == 110


def test_a_full_buffer_drops_the_oldest_rows_and_never_blocks(predictor: Predictor, store: Store) -> None:
    model = MonitoredVersion("m", 1, predictor, predictor.compile())
    monitor, rec = _monitor(store, model, FakeClock(T0), max_buffer_rows=50, log_inputs=False)
    ids = _send(monitor, model, _rows(_frame(100, 4)), size=20)
    assert sum(n for _, n in rec.drops) == 60 and monitor.pending == 40
    monitor.flush()
    with store.read() as conn:
        kept = conn.execute(select(prediction_log.c.id, prediction_log.c.features_json)).all()
    assert sorted(r.id for r in kept) == sorted(ids[60:])  # the newest rows survive
    assert all(r.features_json is None for r in kept)  # input logging off


def test_status_flags_the_shifted_feature_and_the_rolling_metric(predictor: Predictor, store: Store) -> None:
    clock = FakeClock(T0)
    model = MonitoredVersion("m", 1, predictor, predictor.compile())
    monitor, rec = _monitor(store, model, clock)
    frame = _frame(400, 5, shift=3.0)
    ids = _send(monitor, model, _rows(frame))
    monitor.flush()
    drift = rec.statuses[-1].drift
    assert drift is not None and drift.drifted_features == ["x1"]

    labelled = frame.iloc[:50]
    target, now = predictor.schema.target, datetime.fromtimestamp(clock.now(), UTC)
    assert record_feedback("m", ids[:50], labelled["y"].tolist(), target=target, store=store, now=now).recorded == 50
    assert record_feedback("m", ids[50:51], ["yes"], target=target, store=store, now=now).recorded == 1
    old = datetime.fromtimestamp(clock.now() - 120, UTC)  # received before the last window: not in the gauge
    record_feedback("m", ids[51:60], frame["y"][51:60].tolist(), target=target, store=store, now=old)
    clock.advance(10)
    status = monitor.refresh()[0]
    assert status.metric == predictor.metric == "roc_auc" and status.feedback_rows == 51
    from sklearn.metrics import roc_auc_score

    proba = predictor.predict_raw(frame.drop(columns="y").iloc[:51])[:, 1]
    truth = [*labelled["y"].tolist(), "yes"]
    assert status.performance == pytest.approx(roc_auc_score([t == "yes" for t in truth], proba))
    assert status.cv_score == pytest.approx(predictor.info["cv_score"])


def test_feedback_errors_name_the_id_and_repeats_overwrite(predictor: Predictor, store: Store) -> None:
    model = MonitoredVersion("m", 1, predictor, predictor.compile())
    monitor, _ = _monitor(store, model, FakeClock(T0))
    ids = _send(monitor, model, _rows(_frame(5, 6)))
    monitor.flush()
    target = predictor.schema.target
    with pytest.raises(NotFoundError, match="'nope'"):
        record_feedback("m", [ids[0], "nope"], ["yes", "no"], target=target, store=store)
    with pytest.raises(NotFoundError, match="made by model 'm', not 'other'"):
        record_feedback("other", ids[:1], ["yes"], target=target, store=store)
    with pytest.raises(DataError, match=f"prediction '{ids[1]}': outcome 'maybe' is not one of"):
        record_feedback("m", ids[:2], ["yes", "maybe"], target=target, store=store)
    with pytest.raises(DataError, match="one outcome per id"):
        record_feedback("m", ids[:2], ["yes"], target=target, store=store)
    assert _count(store, feedback) == 0  # nothing written by a failed call
    first = record_feedback("m", ids[:2], ["yes", "no"], target=target, store=store)
    second = record_feedback("m", ids[1:3], ["yes", "no"], target=target, store=store)
    assert (first.recorded, first.updated, second.recorded, second.updated) == (2, 0, 1, 1)
    with store.read() as conn:
        outcome = conn.execute(select(feedback.c.outcome_json).where(feedback.c.prediction_id == ids[1])).scalar_one()
    assert json.loads(outcome) == "yes"  # replaced


def test_live_report_merges_windows_and_scores_per_window(predictor: Predictor, store: Store) -> None:
    clock = FakeClock(T0)
    model = MonitoredVersion("m", 0, predictor, predictor.compile())
    monitor, _ = _monitor(store, model, clock)
    frames = [_frame(300, 10), _frame(300, 11, shift=3.0)]
    id_lists = []
    for frame in frames:
        id_lists.append(_send(monitor, model, _rows(frame)))
        monitor.flush()
        clock.advance(60)
    target = predictor.schema.target
    record_feedback("m", id_lists[0][:100], frames[0]["y"][:100].tolist(), target=target, store=store)
    record_feedback("m", id_lists[1][:80], frames[1]["y"][:80].tolist(), target=target, store=store)
    until = datetime.fromtimestamp(clock.now(), UTC)
    report = live_report("m", predictor=predictor, store=store, now=until)
    assert report.version == 0 and report.n_rows == 600 and [w.n_rows for w in report.windows] == [300, 300]
    assert [w.dataset_drift for w in report.windows] == [False, False]  # 1 of 3 features: below the 50 % share
    assert report.windows[1].drifted_features == ["x1"] and report.windows[0].drifted_features == []
    assert report.drift.drifted_features == ["x1"]
    assert [w.n_feedback for w in report.performance.windows] == [100, 80]
    assert report.performance.n_feedback == 180 and report.performance.metric == "roc_auc"
    recent = live_report("m", predictor=predictor, store=store, now=until, window=timedelta(seconds=60))
    assert [w.n_rows for w in recent.windows] == [300] and recent.performance.n_feedback == 80
    labels = predictor.predict(frames[1].drop(columns="y").iloc[:80])
    assert accuracy_score(frames[1]["y"][:80], labels) > 0.5  # the model is still useful on shifted rows
    page = report.to_html()
    assert page.count("<svg") >= 5 and "http://" not in page and "https://" not in page
    assert json.loads(json.dumps(report.to_json()))["drift"]["drifted_features"] == ["x1"]
    with pytest.raises(NotFoundError, match="no live traffic of model 'other'"):
        live_report("other", predictor=predictor, store=store, now=until)


def test_columns_from_the_fast_path_give_the_same_window_as_the_rows(predictor: Predictor, store: Store) -> None:
    rows = _rows(_frame(60, 4))
    payloads = {}
    for name, with_columns in (("rows", False), ("columns", True)):
        model = MonitoredVersion(name, 1, predictor, predictor.compile())
        monitor, _ = _monitor(store, model, FakeClock(T0))
        for i in range(0, len(rows), 7):
            part = rows[i : i + 7]
            raw, cols = model.fast.predict_raw_with_columns(part)
            monitor.record(model, part, raw, cols if with_columns else None)
        assert monitor.flush() == 60
        with store.read() as conn:
            payloads[name] = conn.execute(
                select(live_profiles.c.payload_json).where(live_profiles.c.model_name == name)
            ).scalar_one()
    assert json.loads(payloads["columns"]) == json.loads(payloads["rows"])


def test_a_flush_waits_for_rows_a_concurrent_flush_has_taken_but_not_written(
    predictor: Predictor, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feedback flushes before it looks ids up; the background flusher may hold the rows (buffer
    empty, store not yet written). The second flush must return only once they are in the store."""
    import threading

    model = MonitoredVersion("m", 0, predictor, predictor.compile())
    monitor, _ = _monitor(store, model, FakeClock(T0))
    ids = _send(monitor, model, _rows(_frame(30, 1)))
    taken, release = threading.Event(), threading.Event()
    write = monitor._write

    def slow_write(batch: Any) -> int:
        taken.set()
        release.wait(5)
        return write(batch)

    monkeypatch.setattr(monitor, "_write", slow_write)
    background = threading.Thread(target=monitor.flush)
    background.start()
    assert taken.wait(5) and monitor.pending == 0  # the rows are in flight
    threading.Timer(0.2, release.set).start()
    monitor.flush(refresh=False)
    assert _count(store, prediction_log) == 30  # written by the time the second flush returned
    record_feedback("m", ids[:3], ["yes", "no", "yes"], target=predictor.schema.target, store=store)
    background.join(5)


def test_rows_of_a_subject_whose_erasure_began_are_not_logged(predictor: Predictor, store: Store) -> None:
    from forgeml.governance import erase_subject

    model = MonitoredVersion("m", 1, predictor, predictor.compile())
    monitor, _ = _monitor(store, model, FakeClock(T0 + 5))
    frame = _frame(20, 1)
    _send(monitor, model, _rows(frame.iloc[:10]))
    assert monitor.flush() == 10
    ids = _send(monitor, model, _rows(frame))  # c3 asks again while its erasure runs (not yet flushed)
    report = erase_subject(" c3 ", store=store)
    assert report.predictions_deleted == 1  # the row already stored
    assert monitor.flush() == 19  # the buffered one is left out, checked in the flush's transaction
    assert _count(store, prediction_log, subject_id="c3") == 0
    assert _count(store, prediction_log, subject_id="c4") == 2
    target = predictor.schema.target
    with pytest.raises(NotFoundError, match=ids[3]):
        record_feedback("m", [ids[3]], ["yes"], target=target, store=store)
    with store.read() as conn:  # the window still counts every row: aggregates hold no one's data
        rows = conn.execute(select(func.sum(live_profiles.c.n_rows))).scalar_one()
    assert rows == 30

"""Live monitoring on a real server: drifted traffic is flagged on exactly the shifted features (in
``/metrics`` and in ``forgeml monitor NAME --json``), feedback gives the metric computed by hand, a
killed server loses at most one flush, shadow answers are logged and never returned, and
``--no-monitor`` gives no ids and logs nothing."""

from __future__ import annotations

import json
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select
from tests.integration.serving.conftest import CREDIT_G, ROOT, Server
from typer.testing import CliRunner

from forgeml.cli import app
from forgeml.config import Settings
from forgeml.store import Store, close_default_stores
from forgeml.store.tables import live_profiles, prediction_log

FLUSH = ["--monitor-flush", "0.3s"]


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return pd.read_csv(CREDIT_G)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.astype(object).where(df.notna(), None).to_dict("records")


@pytest.fixture
def home(tmp_path: Path, model_dir: Path, credit: pd.DataFrame) -> Iterator[Path]:
    """A registry with the served model as ``credit@champion`` and a copy as ``credit@challenger``."""
    from forgeml.registry import register

    home = tmp_path / "home"
    store = Store.open(Settings.from_env({"FORGEML_HOME": str(home), "FORGEML_ACTOR": "test"}))
    register(model_dir, "credit", data=credit, alias="champion", store=store)
    copy = tmp_path / "challenger"
    shutil.copytree(model_dir, copy)
    (copy / "notes.txt").write_text("challenger\n")
    register(copy, "credit", alias="challenger", store=store)
    store.close()
    yield home
    close_default_stores()


def _store(home: Path) -> Store:
    return Store.open(Settings.from_env({"FORGEML_HOME": str(home)}))


def _gauges(server: Server, name: str) -> dict[str, float]:
    text = server.client.get("/metrics").text
    return {m.group(1): float(m.group(2)) for m in re.finditer(rf"^{name}(\{{[^}}]*\}}) (\S+)$", text, re.M)}


def _wait(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _window_rows(server: Server) -> float:
    return _gauges(server, "forgeml_monitor_window_rows").get('{model="credit"}', 0.0)


def _monitor_json(home: Path, *args: str) -> dict[str, Any]:
    close_default_stores()
    result = CliRunner().invoke(app, ["monitor", "credit", "--json", *args], env={"FORGEML_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_drifted_traffic_is_flagged_on_the_shifted_features_only(
    start_server: Callable[..., Server], home: Path, credit: pd.DataFrame
) -> None:
    live = credit.drop(columns="default").copy()
    live["age"] += 5 * live["age"].std()
    live["amount"] += 5 * live["amount"].std()
    order = live["checking_balance"].value_counts().index.tolist()
    live["checking_balance"] = live["checking_balance"].map(dict(zip(order, order[::-1], strict=True)))
    s = start_server(["--models", "credit@champion", *FLUSH], {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""})
    rows = _records(live)
    for i in range(0, len(rows), 100):
        r = s.client.post("/v1/models/credit:predict", json={"instances": rows[i : i + 100]})
        assert r.status_code == 200 and len(r.json()["ids"]) == len(rows[i : i + 100])
    _wait(lambda: _window_rows(s) == 1000, "the 1,000 rows to be flushed")

    detected = _gauges(s, "forgeml_feature_drift_detected")
    flagged = sorted(k.split('"')[1] for k, v in detected.items() if v == 1.0)
    assert flagged == ["age", "amount", "checking_balance"]
    assert len(detected) == 20  # one series per feature, the rest 0
    stats = _gauges(s, "forgeml_feature_drift")
    assert stats['{feature="age",model="credit",statistic="wasserstein"}'] > 1.0  # 1,000 rows: distances
    assert stats['{feature="purpose",model="credit",statistic="jensenshannon"}'] < 0.01
    assert _gauges(s, "forgeml_dataset_drift") == {'{model="credit"}': 0.0}  # 3 of 20 < 50 %

    report = _monitor_json(home, "--window", "1h")
    assert sorted(report["drift"]["drifted_features"]) == ["age", "amount", "checking_balance"]
    assert report["n_rows"] == 1000 and report["version"] == 1 and len(report["windows"]) == 1


def test_feedback_gives_the_rolling_metric_computed_by_hand(
    start_server: Callable[..., Server], home: Path, credit: pd.DataFrame
) -> None:
    s = start_server(["--models", "credit@champion", *FLUSH], {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""})
    rows = _records(credit.drop(columns="default").iloc[:40])
    truth = credit["default"].iloc[:40].tolist()
    ids, positive = [], []
    for row in rows:
        body = s.client.post("/v1/models/credit:predict", json={"instances": [row], "probabilities": True}).json()
        ids += body["ids"]
        positive.append(body["probabilities"][0]["2"])
    r = s.client.post("/v1/models/credit:feedback", json={"ids": ids[:30], "outcomes": truth[:30]})
    assert r.status_code == 200 and r.json() == {"model_name": "credit", "recorded": 30, "updated": 0}
    expected = roc_auc_score([t == 2 for t in truth[:30]], positive[:30])

    r = s.client.post("/v1/models/credit:feedback", json={"ids": [ids[31]], "outcomes": ["bad"]})
    assert r.status_code == 422 and ids[31] in r.json()["error"]
    r = s.client.post("/v1/models/credit:feedback", json={"ids": ["0" * 32], "outcomes": [1]})
    assert r.status_code == 404 and "0" * 32 in r.json()["error"]
    r = s.client.post("/v1/models/credit:feedback", json={"ids": ids[:2], "outcomes": [1]})
    assert r.status_code == 422

    key = '{metric="roc_auc",model="credit",window="1h"}'
    _wait(lambda: key in _gauges(s, "forgeml_model_performance"), "the performance gauge")
    assert _gauges(s, "forgeml_model_performance")[key] == pytest.approx(expected)
    assert _gauges(s, "forgeml_model_feedback_rows")['{model="credit",window="1h"}'] == 30
    assert '{metric="roc_auc",model="credit"}' in _gauges(s, "forgeml_model_cv_score")
    perf = _monitor_json(home)["performance"]
    assert perf["metric"] == "roc_auc" and perf["n_feedback"] == 30
    assert perf["value"] == pytest.approx(expected) and perf["windows"][0]["value"] == pytest.approx(expected)

    # every forgeml metric the shipped alert rules and dashboard use is one this server exports
    text = s.client.get("/metrics").text
    shipped = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text()
    shipped += (ROOT / "deploy" / "grafana" / "forgeml-dashboard.json").read_text()
    used = set(re.findall(r"forgeml_[a-z_]+", shipped))
    assert {"forgeml_model_performance_gap", "forgeml_dataset_drift", "forgeml_feature_drift"} <= used
    assert sorted(n for n in used if n not in text) == []


def test_a_killed_server_loses_at_most_one_flush_and_a_restart_continues(
    start_server: Callable[..., Server], home: Path, credit: pd.DataFrame
) -> None:
    env = {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""}
    rows = _records(credit.drop(columns="default"))
    first = start_server(["--models", "credit@champion", "--monitor-flush", "1s"], env)
    for row in rows[:50]:
        assert first.client.post("/v1/models/credit:predict", json={"instances": [row]}).status_code == 200
    _wait(lambda: _window_rows(first) == 50, "the first 50 rows to be flushed")
    for row in rows[50:80]:  # in the buffer when the server dies
        first.client.post("/v1/models/credit:predict", json={"instances": [row]})
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)

    second = start_server(["--models", "credit@champion", "--monitor-flush", "1s"], env)
    assert _window_rows(second) >= 50  # the persisted window is loaded back at start
    for row in rows[80:100]:
        second.client.post("/v1/models/credit:predict", json={"instances": [row]})
    second.proc.send_signal(signal.SIGTERM)  # a clean stop flushes what is buffered
    second.proc.wait(20)
    store = _store(home)
    with store.read() as conn:
        windows = conn.execute(select(live_profiles.c.n_rows)).scalars().all()
        logged = conn.execute(select(func.count()).select_from(prediction_log)).scalar_one()
    store.close()
    assert len(windows) == 1 and 70 <= windows[0] <= 100  # lost: at most the 30 rows of the last interval
    assert logged == windows[0]


def test_shadow_answers_are_logged_and_never_returned(
    start_server: Callable[..., Server], home: Path, credit: pd.DataFrame, model_dir: Path
) -> None:
    import forgeml

    env = {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""}
    s = start_server(["--models", "credit@champion", "--shadow", "credit@challenger", *FLUSH], env)
    frame = credit.drop(columns="default").iloc[:20]
    body = s.client.post("/v1/models/credit:predict", json={"instances": _records(frame)}).json()
    assert sorted(body) == ["ids", "model_name", "model_version", "predictions"]
    assert body["model_version"] == "1"
    assert body["predictions"] == forgeml.load(model_dir).predict(frame).tolist()
    store = _store(home)

    def shadowed() -> int:
        with store.read() as conn:
            q = select(func.count()).select_from(prediction_log).where(prediction_log.c.shadow_version == 2)
            return int(conn.execute(q).scalar_one())

    _wait(lambda: shadowed() == 20, "the shadow predictions to be logged")
    with store.read() as conn:
        row = conn.execute(select(prediction_log).where(prediction_log.c.id == body["ids"][0])).one()
    store.close()
    assert json.loads(row.shadow_prediction_json)["label"] == body["predictions"][0]
    shadow = _monitor_json(home, "--shadow")["shadow"]
    assert shadow["shadow_versions"] == [2] and shadow["n_compared"] == 20
    assert shadow["agreement"] == 1.0 and shadow["mean_abs_diff"] == pytest.approx(0.0, abs=1e-12)


def test_monitoring_off_has_no_ids_and_logs_nothing(
    start_server: Callable[..., Server], model_dir: Path, credit: pd.DataFrame, tmp_path: Path
) -> None:
    home = tmp_path / "off"
    env = {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""}
    s = start_server(["--models", f"credit={model_dir}", "--no-monitor"], env)
    rows = _records(credit.drop(columns="default").iloc[:3])
    body = s.client.post("/v1/models/credit:predict", json={"instances": rows}).json()
    assert "ids" not in body and len(body["predictions"]) == 3
    names = list(rows[0])
    inputs = [{"name": n, "shape": [3], "datatype": "BYTES", "data": [r[n] for r in rows]} for n in names]
    assert "parameters" not in s.client.post("/v2/models/credit/infer", json={"inputs": inputs}).json()
    r = s.client.post("/v1/models/credit:feedback", json={"ids": ["a" * 32], "outcomes": [1]})
    assert r.status_code == 400 and "--no-monitor" in r.json()["error"]
    assert "forgeml_feature_drift" not in s.client.get("/metrics").text
    assert not (home / "forgeml.db").exists()  # the store is never even opened


def test_a_folder_model_is_monitored_as_version_0(
    start_server: Callable[..., Server], model_dir: Path, credit: pd.DataFrame, tmp_path: Path
) -> None:
    home = tmp_path / "folder"
    env = {"FORGEML_HOME": str(home), "FORGEML_API_KEYS": ""}
    s = start_server(["--models", f"credit={model_dir}", "--no-log-inputs", *FLUSH], env)
    rows = _records(credit.drop(columns="default").iloc[:5])
    names = list(rows[0])
    inputs = [{"name": n, "shape": [5], "datatype": "BYTES", "data": [r[n] for r in rows]} for n in names]
    ids = s.client.post("/v2/models/credit/infer", json={"inputs": inputs}).json()["parameters"]["ids"]
    assert len(set(ids)) == 5
    spec = s.client.get("/openapi.json").json()
    assert "/v1/models/{name}:feedback" in spec["paths"]
    assert "ids" in spec["components"]["schemas"]["V1PredictResponse"]["properties"]
    assert {"ids", "outcomes"} <= set(spec["components"]["schemas"]["V1FeedbackRequest"]["properties"])
    _wait(lambda: _window_rows(s) == 5, "the V2 rows to be flushed")
    store = _store(home)
    with store.read() as conn:
        logged = conn.execute(select(prediction_log.c.version, prediction_log.c.features_json)).all()
    store.close()
    assert {(r.version, r.features_json) for r in logged} == {(0, None)}
    close_default_stores()
    result = CliRunner().invoke(app, ["monitor", f"credit={model_dir}", "--json"], env={"FORGEML_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_rows"] == 5
    assert np.isfinite(json.loads(result.stdout)["drift"]["share_drifted"])

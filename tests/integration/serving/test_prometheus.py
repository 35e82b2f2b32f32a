"""A real Prometheus scrapes a running forgeml server; the shipped rules and config pass promtool."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.integration.serving.conftest import HOST, ROOT, Server, free_port

needs_prometheus = pytest.mark.skipif(
    not (shutil.which("prometheus") and shutil.which("promtool")) and not os.environ.get("CI"),
    reason="Debian's prometheus package is not installed (apt-get install prometheus); CI always runs this",
)


@needs_prometheus
def test_shipped_rules_and_config_pass_promtool() -> None:
    for args in (
        ["check", "rules", "deploy/prometheus/alerts.yml"],
        ["check", "config", "deploy/prometheus/prometheus.yml"],
    ):
        done = subprocess.run(["promtool", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_grafana_dashboard_is_valid_json_on_our_metrics() -> None:
    import json

    dash = json.loads((ROOT / "deploy" / "grafana" / "forgeml-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dash["panels"] for t in p["targets"])
    for name in (
        "forgeml_requests_total",
        "forgeml_request_duration_seconds_bucket",
        "forgeml_requests_in_flight",
        "forgeml_rows_predicted_total",
        "forgeml_model_info",
        "forgeml_model_load_duration_seconds_bucket",
    ):
        assert name in exprs


@needs_prometheus
def test_prometheus_scrapes_a_running_server(
    start_server: Callable[..., Server], model_dir: Path, rows: list[dict], tmp_path: Path
) -> None:
    s = start_server(["--models", f"credit={model_dir}"], {"FORGEML_API_KEYS": ""})
    for _ in range(5):
        assert s.client.post("/v1/models/credit:predict", json={"instances": rows[:2]}).status_code == 200
    port = free_port()
    config = tmp_path / "prometheus.yml"
    shutil.copy(ROOT / "deploy" / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [alerts.yml]\n"
        f"scrape_configs:\n  - job_name: forgeml\n    static_configs:\n      - targets: ['{HOST}:{s.port}']\n"
    )
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address={HOST}:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        found: dict[str, list] = {}
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=5) as prom:
            while time.monotonic() < deadline:
                try:
                    for q in (
                        'forgeml_requests_total{endpoint="/v1/models/{name}:predict",status="200"}',
                        'forgeml_model_info{model="credit"}',
                        "forgeml_rows_predicted_total",
                        'up{job="forgeml"}',
                    ):
                        res = prom.get("/api/v1/query", params={"query": q}).json()["data"]["result"]
                        if res:
                            found[q] = res
                except httpx.HTTPError:
                    pass
                if len(found) == 4:
                    break
                time.sleep(0.5)
        assert len(found) == 4, found
        series = found['forgeml_requests_total{endpoint="/v1/models/{name}:predict",status="200"}'][0]
        assert series["metric"]["model"] == "credit" and series["metric"]["version"] == "1"
        assert float(series["value"][1]) >= 5
        assert found['up{job="forgeml"}'][0]["value"][1] == "1"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)

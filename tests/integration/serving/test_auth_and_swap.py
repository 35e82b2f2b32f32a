"""API keys (401/403, scopes) and hot swap under concurrent load with zero failed requests."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tests.integration.serving.conftest import CREDIT_G, Server, train, under_load


def test_api_keys_limit_scopes(start_server: Callable[..., Server], model_dir: Path, rows: list[dict]) -> None:
    s = start_server(["--models", f"credit={model_dir}"], {"FORGEML_API_KEYS": "key1:predict,key2:admin"})
    c = s.client
    body = {"instances": rows[:1]}
    r = c.post("/v1/models/credit:predict", json=body)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = c.post("/v1/models/credit:predict", json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "not valid" in r.json()["error"]
    assert c.post("/v1/models/credit:predict", json=body, headers={"Authorization": "Bearer key1"}).status_code == 200
    assert c.post("/v1/models/credit:predict", json=body, headers={"X-API-Key": "key2"}).status_code == 200
    assert c.get("/v1/models", headers={"X-API-Key": "key1"}).status_code == 200
    r = c.post("/v1/models/credit:reload", headers={"X-API-Key": "key1"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = c.post("/v1/models/credit:reload", headers={"X-API-Key": "key2"})
    assert r.status_code == 200 and r.json()["version"] == "1"
    assert c.get("/v2/health/ready").status_code == 200  # probes and scraping need no key
    assert c.get("/metrics").status_code == 200
    assert c.post("/v2/models/credit/infer", json={"inputs": []}).status_code == 401


def test_api_keys_from_the_cli_flag(start_server: Callable[..., Server], model_dir: Path, rows: list[dict]) -> None:
    s = start_server(["--models", f"credit={model_dir}", "--api-key", "abc:admin"], {"FORGEML_API_KEYS": ""})
    assert s.client.get("/v1/models").status_code == 401
    assert s.client.get("/v1/models", headers={"X-API-Key": "abc"}).status_code == 200


def test_hot_swap_under_load_fails_no_request(
    start_server: Callable[..., Server], model_dir: Path, rows: list[dict], tmp_path: Path
) -> None:
    from forgeml.config import Settings
    from forgeml.registry import register, set_alias
    from forgeml.store import Store

    home = tmp_path / "home"
    store = Store.open(Settings.from_env({"FORGEML_HOME": str(home), "FORGEML_ACTOR": "test"}))
    df = pd.read_csv(CREDIT_G)
    register(model_dir, "credit", data=df, alias="champion", store=store)
    v2 = register(train(tmp_path, "second", seed=1), "credit", store=store)
    assert v2.version == 2
    s = start_server(["--models", "credit@champion", "--poll", "0.3"], {"FORGEML_HOME": str(home)})
    assert s.client.get("/v1/models/credit").json()["version"] == "1"

    with under_load(s.port, "credit", rows[:2], clients=8) as load:
        time.sleep(1.0)
        moved_at = time.monotonic()
        set_alias("credit", 2, "champion", store=store)
        load.wait_for_version("2")
        time.sleep(1.0)  # keep the load a little after the switch
    results = load.results
    assert not load.failures, load.failures[:5]
    versions = Counter(v for _, v in results)
    assert versions["1"] > 0 and versions["2"] > 0, versions
    last = [v for _, v in sorted(results)[-50:]]
    assert set(last) == {"2"}
    first_v2 = min(t for t, v in results if v == "2")
    assert first_v2 >= moved_at
    text = s.client.get("/metrics").text
    assert 'forgeml_model_info{model="credit",version="2"} 1.0' in text
    assert 'forgeml_model_info{model="credit",version="1"}' not in text

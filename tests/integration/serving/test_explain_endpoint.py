"""``POST /v1/models/{name}:explain`` on a real ``forgeml serve`` process."""

from __future__ import annotations

import pytest


def test_explain_adds_up_to_the_predicted_probability(server, rows) -> None:
    body = {"instances": rows[:5], "top": 4}
    got = server.client.post("/v1/models/credit:explain", json=body)
    assert got.status_code == 200, got.text
    data = got.json()
    assert data["model_name"] == "credit" and data["model_version"] == "1"
    predicted = server.client.post("/v1/models/credit:predict", json={"instances": rows[:5], "probabilities": True})
    pred = predicted.json()
    for e, label, proba in zip(data["explanations"], pred["predictions"], pred["probabilities"], strict=True):
        assert e["prediction"] == label and e["explained_class"] == 2
        assert len(e["contributions"]) == 4
        assert e["output"] == pytest.approx(proba["2"], abs=1e-9)
        assert e["base_value"] + sum(e["contributions"].values()) + e["rest"] == pytest.approx(e["output"], abs=1e-9)
        sizes = [abs(v) for v in e["contributions"].values()]
        assert sizes == sorted(sizes, reverse=True)


def test_explain_another_class_and_bad_input(server, rows) -> None:
    other = server.client.post("/v1/models/credit:explain", json={"instances": rows[:2], "class": "1", "top": 1})
    assert other.status_code == 200 and {e["explained_class"] for e in other.json()["explanations"]} == {1}
    bad = dict(rows[1], age="old")
    got = server.client.post("/v1/models/credit:explain", json={"instances": [rows[0], bad]})
    assert got.status_code == 422
    assert got.json()["instance"] == 1 and got.json()["field"] == "age"
    assert server.client.post("/v1/models/credit:explain", json={"instances": []}).status_code == 422
    assert server.client.post("/v1/models/credit:explain", json={"instances": rows[:1], "top": 0}).status_code == 422
    missing = server.client.post("/v1/models/nope:explain", json={"instances": rows[:1]})
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    spec = server.client.get("/openapi.json").json()["paths"]["/v1/models/{name}:explain"]["post"]
    assert "V1ExplainRequest" in str(spec["requestBody"])


def test_explain_needs_a_predict_key(start_server, model_dir, rows) -> None:
    s = start_server(["--models", f"credit={model_dir}"], {"FORGEML_API_KEYS": "reader:predict,boss:admin"})
    body = {"instances": rows[:1]}
    assert s.client.post("/v1/models/credit:explain", json=body).status_code == 401
    assert s.client.post("/v1/models/credit:explain", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
    ok = s.client.post("/v1/models/credit:explain", json=body, headers={"Authorization": "Bearer reader"})
    assert ok.status_code == 200 and len(ok.json()["explanations"]) == 1
    metrics = s.client.get("/metrics").text
    assert 'endpoint="/v1/models/{name}:explain"' in metrics

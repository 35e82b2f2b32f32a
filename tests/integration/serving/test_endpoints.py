"""Every endpoint of a real server, the error cases (all JSON) and the Prometheus metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
from tests.integration.serving.conftest import CREDIT_G, Server


def test_v1_list_describe_and_predict(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    listed = c.get("/v1/models").json()["models"]
    assert [(m["name"], m["version"], m["ready"]) for m in listed] == [("credit", "1", True)]
    info = c.get("/v1/models/credit").json()
    assert info["task"] == "binary" and info["compiled"] is True
    assert {"name": "age", "role": "numeric"} in info["inputs"]

    r = c.post("/v1/models/credit:predict", json={"instances": rows[:5]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["predictions"]) == 5 and "probabilities" not in body
    assert (body["model_name"], body["model_version"]) == ("credit", "1")

    import forgeml

    expected = forgeml.load(server_model_dir(server)).predict(pd.DataFrame.from_records(rows[:5])).tolist()
    assert body["predictions"] == expected

    r = c.post("/v1/models/credit:predict", json={"instances": rows[:3], "probabilities": True})
    probas = r.json()["probabilities"]
    assert len(probas) == 3 and abs(sum(probas[0].values()) - 1) < 1e-9


def server_model_dir(server: Server) -> str:
    args = server.proc.args
    assert isinstance(args, list)
    return str(args[args.index("--models") + 1]).split("=", 1)[1]


def test_v2_health_metadata_and_infer(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    assert c.get("/v2/health/live").json() == {"live": True}
    assert c.get("/v2/health/ready").json() == {"ready": True}
    meta = c.get("/v2/models/credit").json()
    assert meta["versions"] == ["1"] and meta["platform"] == "forgeml"
    assert c.get("/v2/models/credit/versions/1").status_code == 200
    assert c.get("/v2/models/credit/ready").json()["ready"] is True
    assert c.get("/v2/models/credit/versions/1/ready").json()["ready"] is True

    names = [i["name"] for i in meta["inputs"]]
    inputs = [{"name": n, "shape": [3], "datatype": "BYTES", "data": [r[n] for r in rows[:3]]} for n in names]
    for path in ("/v2/models/credit/infer", "/v2/models/credit/versions/1/infer"):
        r = c.post(path, json={"id": "req-1", "inputs": inputs})
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["id"] == "req-1" and out["model_version"] == "1"
        by_name = {o["name"]: o for o in out["outputs"]}
        v1 = c.post("/v1/models/credit:predict", json={"instances": rows[:3]}).json()["predictions"]
        assert by_name["predictions"]["data"] == v1
        assert by_name["probabilities"]["shape"] == [3, 2]
    r = c.post("/v2/models/credit/versions/7/infer", json={"inputs": inputs})
    assert r.status_code == 404 and "version 1, not 7" in r.json()["error"]


def test_docs_and_openapi(server: Server) -> None:
    assert server.client.get("/docs").status_code == 200
    spec = server.client.get("/openapi.json").json()
    assert "/v1/models/{name}:predict" in spec["paths"] and "/v2/models/{name}/infer" in spec["paths"]


def test_bad_field_gives_422_naming_instance_and_field(server: Server, rows: list[dict[str, object]]) -> None:
    bad = [dict(r) for r in rows[:4]]
    bad[2]["age"] = "forty"
    r = server.client.post("/v1/models/credit:predict", json={"instances": bad})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "schema_mismatch" and (body["instance"], body["field"]) == (2, "age")
    assert "row 2, column 'age': expected a number, got 'forty'" in body["error"]


def test_missing_field_and_malformed_bodies_give_422(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    missing = [dict(r) for r in rows[:2]]
    del missing[1]["purpose"]
    body = c.post("/v1/models/credit:predict", json={"instances": missing}).json()
    assert (body["instance"], body["field"]) == (1, "purpose")
    r = c.post("/v1/models/credit:predict", json={"instances": [rows[0], 5]})
    assert r.status_code == 422 and r.json()["instance"] == 1
    for payload in ({"rows": []}, {"instances": []}):
        r = c.post("/v1/models/credit:predict", json=payload)
        assert r.status_code == 422 and "error" in r.json()
    r = c.post("/v1/models/credit:predict", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()


def test_oversized_body_unknown_model_and_path(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    big = {"instances": rows * 400}
    r = c.post(
        "/v1/models/credit:predict",
        content=json.dumps(big, default=str).encode(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    r = c.post("/v1/models/nope:predict", json={"instances": rows[:1]})
    assert r.status_code == 404 and r.json()["code"] == "not_found" and "served: credit" in r.json()["error"]
    assert c.get("/v2/models/nope").status_code == 404
    r = c.get("/no/such/path")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = c.delete("/v1/models")
    assert r.status_code == 405 and "error" in r.json()
    assert c.get("/v2/health/live").status_code == 200  # still up after all of it


def test_metrics_have_conventional_names_and_labels(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    c.post("/v1/models/credit:predict", json={"instances": rows[:3]})
    text = c.get("/metrics").text
    assert (
        'forgeml_requests_total{endpoint="/v1/models/{name}:predict",model="credit",status="200",version="1"}' in text
    )
    assert "forgeml_request_duration_seconds_bucket{" in text
    assert "forgeml_requests_in_flight " in text
    assert 'forgeml_rows_predicted_total{model="credit",version="1"}' in text
    assert 'forgeml_model_load_duration_seconds_count{model="credit"} 1.0' in text
    assert 'forgeml_model_info{model="credit",version="1"} 1.0' in text
    assert CREDIT_G.name not in text


def test_example_row_with_curl_style_content_type(server: Server) -> None:
    # what `curl -d @examples/credit_row.json` sends: the body as x-www-form-urlencoded
    body = (CREDIT_G.parent / "credit_row.json").read_bytes()
    for headers in ({"content-type": "application/x-www-form-urlencoded"}, {}):
        r = server.client.post("/v1/models/credit:predict", content=body, headers=headers)
        assert r.status_code == 200, r.text
        assert len(r.json()["predictions"]) == 1
        assert r.headers["content-type"] == "application/json"
        assert r.content == json.dumps(r.json(), ensure_ascii=False, separators=(",", ":")).encode()


def test_chunked_body_over_the_limit_gives_413(server: Server, rows: list[dict[str, object]]) -> None:
    data = json.dumps({"instances": rows * 400}, default=str).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        for i in range(0, len(data), 65536):
            yield data[i : i + 65536]

    r = server.client.post("/v1/models/credit:predict", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_large_request_predicted_off_the_loop_equals_small_ones(server: Server, rows: list[dict[str, object]]) -> None:
    many = rows * 14  # 280 rows: above the 256 predicted in a worker thread
    big = server.client.post("/v1/models/credit:predict", json={"instances": many, "probabilities": True}).json()
    small = server.client.post("/v1/models/credit:predict", json={"instances": rows, "probabilities": True}).json()
    assert big["predictions"] == small["predictions"] * 14
    assert big["probabilities"] == small["probabilities"] * 14


def test_failed_predictions_are_counted_under_the_predict_route(server: Server, rows: list[dict[str, object]]) -> None:
    c = server.client
    bad = [dict(rows[0], age="forty")]
    assert c.post("/v1/models/credit:predict", json={"instances": bad}).status_code == 422
    assert c.post("/v1/models/nope:predict", json={"instances": rows[:1]}).status_code == 404
    text = c.get("/metrics").text
    route = 'endpoint="/v1/models/{name}:predict"'
    assert f'forgeml_requests_total{{{route},model="credit",status="422",version="1"}}' in text
    assert f'forgeml_requests_total{{{route},model="",status="404",version=""}}' in text

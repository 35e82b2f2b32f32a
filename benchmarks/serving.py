"""Serving benchmark: forgeml's fast path and HTTP server beside a plain FastAPI + scikit-learn server.

Trains a LightGBM-based forgeml ensemble on adult.csv.gz and a scikit-learn pipeline
(OrdinalEncoder + LGBMClassifier, through pandas) on the same rows, then measures in one run:

* in-process single-row latency p50/p99: forgeml fast path, forgeml ``predict_raw`` (DataFrame
  path) and the scikit-learn pipeline;
* HTTP single-row latency p50/p99 (one client, sequential) and requests/s with 8 concurrent
  clients, for ``forgeml serve`` and the comparison server (uvicorn, 1 worker each);
* rows/s for a 100k-row batch.

Usage: ``.venv/bin/python benchmarks/serving.py [--datasets-dir DIR] [--seconds 5] [--trials 6]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def pct(ts: list[float]) -> dict[str, float]:
    a = np.asarray(ts) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3)}


def timed(fn: Callable[[int], Any], n: int, warm: int = 50) -> dict[str, float]:
    for i in range(warm):
        fn(i)
    ts = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        ts.append(time.perf_counter() - t)
    return pct(ts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], ready_url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server {cmd} did not start")


def http_bench(url: str, rows: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    bodies = [json.dumps({"instances": [r]}).encode() for r in rows]
    headers = {"content-type": "application/json"}
    with httpx.Client(timeout=10) as c:

        def one(i: int) -> None:
            r = c.post(url, content=bodies[i % len(bodies)], headers=headers)
            r.raise_for_status()

        single = timed(one, 2000)
    done = [0] * 8
    errors = [0] * 8
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(timeout=10) as c:
            i = k
            while not stop.is_set():
                r = c.post(url, content=bodies[i % len(bodies)], headers=headers)
                done[k] += r.status_code == 200
                errors[k] += r.status_code != 200
                i += 8

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"single_row": single, "rps_8_clients": round(sum(done) / elapsed, 1), "errors": sum(errors)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets-dir", default=str(ROOT.parent / "shared" / "datasets"))
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--trials", type=int, default=6)
    args = ap.parse_args()

    import skops.io as sio
    from lightgbm import LGBMClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    import forgeml
    from forgeml.data import read_table

    df = read_table(Path(args.datasets_dir) / "adult.csv.gz")
    X, y = df.drop(columns=["income"]), df["income"]
    tmp = Path(tempfile.mkdtemp(prefix="forgeml-bench-"))
    t = time.perf_counter()
    automl = forgeml.AutoML(max_trials=args.trials, families=["lightgbm"], executor="serial", n_folds=3, seed=0)
    automl.fit(df, target="income")
    model_dir = automl.save(tmp / "adult")
    predictor = automl.predictor
    members = [(m.name, round(m.weight, 3)) for m in predictor.members]
    print(f"trained forgeml in {time.perf_counter() - t:.1f}s: members {members}", file=sys.stderr)

    cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    pipe = make_pipeline(
        ColumnTransformer(
            [
                (
                    "cat",
                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1),
                    cats,
                )
            ],
            remainder="passthrough",
        ),
        LGBMClassifier(n_estimators=200, verbose=-1, n_jobs=1),
    ).fit(X, y)
    sio.dump(pipe, tmp / "baseline.skops")

    rows = X.iloc[:500].astype(object).where(X.iloc[:500].notna(), None).to_dict("records")
    fast = predictor.compile()
    results: dict[str, Any] = {
        "dataset": "adult.csv.gz",
        "rows": len(df),
        "forgeml_members": members,
        "cpus": os.cpu_count(),
    }
    results["in_process"] = {
        "forgeml_fast_path": timed(lambda i: fast.predict_raw([rows[i % 500]]), 3000),
        "forgeml_predict_raw_dataframe": timed(lambda i: predictor.predict_raw(pd.DataFrame([rows[i % 500]])), 300),
        "sklearn_pipeline_pandas": timed(lambda i: pipe.predict(pd.DataFrame.from_records([rows[i % 500]])), 300),
    }

    big = pd.concat([X] * 3, ignore_index=True).iloc[:100_000]
    big_rows = big.astype(object).where(big.notna(), None).to_dict("records")
    batch: dict[str, float] = {}
    for name, fn in {
        "forgeml_predict_raw_dataframe": lambda: predictor.predict_raw(big),
        "forgeml_fast_path_dicts": lambda: fast.predict_raw(big_rows),
        "sklearn_pipeline_pandas": lambda: pipe.predict_proba(big),
    }.items():
        t = time.perf_counter()
        fn()
        batch[name] = round(100_000 / (time.perf_counter() - t))
    results["batch_100k_rows_per_s"] = batch

    port = free_port()
    cli = str(Path(sys.executable).with_name("forgeml"))
    env_keys = os.environ.pop("FORGEML_API_KEYS", None)
    proc = start(
        [cli, "serve", "--port", str(port), "--models", f"adult={model_dir}"],
        f"http://127.0.0.1:{port}/v2/health/ready",
    )
    try:
        results["http_forgeml"] = http_bench(f"http://127.0.0.1:{port}/v1/models/adult:predict", rows, args.seconds)
    finally:
        proc.terminate()
        proc.wait(20)
    port = free_port()
    proc = start(
        [sys.executable, str(HERE / "_baseline_server.py"), str(tmp / "baseline.skops"), str(port)],
        f"http://127.0.0.1:{port}/ready",
    )
    try:
        results["http_fastapi_sklearn"] = http_bench(f"http://127.0.0.1:{port}/predict", rows, args.seconds)
    finally:
        proc.terminate()
        proc.wait(20)
    if env_keys is not None:
        os.environ["FORGEML_API_KEYS"] = env_keys
    f, b = results["http_forgeml"], results["http_fastapi_sklearn"]
    results["throughput_ratio"] = round(f["rps_8_clients"] / max(b["rps_8_clients"], 1e-9), 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

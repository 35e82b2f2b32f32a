"""Serving benchmark: forgeml's fast path and HTTP server beside a plain FastAPI endpoint and MLflow's
scoring server, measured in one run.

Splits ``adult.csv.gz`` 75/25 (seeded, stratified) and trains on the same training rows:

* a forgeml ensemble of LightGBM models (``--trials``, 3 folds), served by ``forgeml serve``;
* a scikit-learn pipeline (``OrdinalEncoder`` + ``LGBMClassifier``, through pandas) served by a
  plain FastAPI endpoint (``_baseline_server.py``);
* the same pipeline saved with ``mlflow.sklearn.save_model`` and served by ``mlflow models serve
  --env-manager local`` (``/invocations`` with ``dataframe_records``). MLflow runs from its own
  virtual environment, ``benchmarks/.venv-mlflow``, created on first use (``pip install mlflow
  lightgbm scikit-learn pandas uvloop httptools``) and reused after.

Then it reports:

* in-process single-row latency p50/p99: forgeml fast path, forgeml ``predict_raw`` on a DataFrame,
  the pipeline through pandas, MLflow's ``pyfunc`` model;
* HTTP single-row latency p50/p99 with one client sending requests back to back, and requests/s
  with ``--clients`` (8) concurrent connections, each for ``--seconds`` (10) after a 2 s warm-up;
* rows/s for a 100k-row batch (test rows repeated).

Every server is uvicorn with one worker, uvloop and httptools, access log off, on 127.0.0.1; only
one runs at a time and each is killed (its whole process group) when measured. The load generator
is ``wrk`` (``apt-get install wrk``) with a Lua script that POSTs the bodies, one wrk thread: it
costs the 2-CPU machines this runs on far less than Python clients. Without ``wrk`` (or with
``--client python``) it falls back to httpx clients in threads; the report says which was used.

Usage: ``.venv/bin/python benchmarks/serving.py [--seconds 10] [--clients 8] [--trials 6]
[--client auto|wrk|python] [--no-mlflow]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _common import TARGET, baseline_pipeline, pct, rows_of, timed  # noqa: E402

MLFLOW_PACKAGES = ["mlflow", "lightgbm", "scikit-learn", "pandas", "uvloop", "httptools"]
QUIET_UVICORN = {"UVICORN_ACCESS_LOG": "false", "UVICORN_LOG_LEVEL": "warning"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- servers ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def server(
    name: str, cmd: list[str], ready_url: str, logs: Path, env: dict[str, str] | None = None, wait_s: float = 180
) -> Iterator[None]:
    """Run ``cmd`` in its own session until ``ready_url`` answers 200 (bounded), then kill its whole
    process group on exit, whatever happens."""
    out = (logs / f"{name}.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {logs / (name + '.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready after {wait_s:.0f} s; see {logs / (name + '.log')}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        yield
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # children that outlived the leader
            os.killpg(proc.pid, signal.SIGKILL)
        out.close()


# ---- load generators -------------------------------------------------------------------------------
_LUA = """
local bodies = {%(bodies)s}
local headers = {["Content-Type"] = "application/json"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "%(path)s", headers, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"errors":%%d,"non_2xx":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


class Wrk:
    """``wrk`` with one thread and a Lua script that cycles through the request bodies."""

    def __init__(self, work: Path) -> None:
        self.work = work
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
        self.name = (done.stdout + done.stderr).strip().splitlines()[0]

    def _run(self, url: str, script: Path, connections: int, seconds: float) -> dict[str, Any]:
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script)]
        done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60)
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}")
        r = json.loads(line[len("WRKJSON ") :])
        return {
            "requests": r["requests"],
            "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
            "p50_ms": round(r["p50_us"] / 1000, 3),
            "p99_ms": round(r["p99_us"] / 1000, 3),
            "errors": r["errors"] + r["non_2xx"],
        }

    def measure(self, url: str, bodies: list[bytes], clients: int, seconds: float) -> dict[str, Any]:
        path = "/" + url.split("/", 3)[3]
        lua = ", ".join("[==[" + b.decode() + "]==]" for b in bodies)
        script = self.work / f"wrk-{abs(hash(url))}.lua"
        script.write_text(_LUA % {"bodies": lua, "path": path})
        self._run(url, script, clients, 2)  # warm-up
        single = self._run(url, script, 1, seconds)
        many = self._run(url, script, clients, seconds)
        return {
            "single_row": {"p50_ms": single["p50_ms"], "p99_ms": single["p99_ms"], "rps": single["rps"]},
            f"rps_{clients}_clients": many["rps"],
            f"latency_{clients}_clients": {"p50_ms": many["p50_ms"], "p99_ms": many["p99_ms"]},
            "errors": single["errors"] + many["errors"],
        }


class PythonClients:
    """The fallback: httpx clients (one sequential, then ``clients`` threads) for ``seconds`` each."""

    name = f"httpx {httpx.__version__} clients in Python threads"

    def measure(self, url: str, bodies: list[bytes], clients: int, seconds: float) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        errors = 0
        with httpx.Client(timeout=10) as c:
            ts: list[float] = []
            end = time.monotonic() + 2 + seconds
            i = 0
            while time.monotonic() < end:
                t = time.perf_counter()
                errors += c.post(url, content=bodies[i % len(bodies)], headers=headers).status_code != 200
                ts.append(time.perf_counter() - t)
                i += 1
            single = pct(ts[len(ts) // 6 :])  # drop the ~2 s warm-up
        done = [0] * clients
        failed = [0] * clients
        lat: list[list[float]] = [[] for _ in range(clients)]
        stop = threading.Event()

        def client(k: int) -> None:
            with httpx.Client(timeout=10) as c:
                i = k
                while not stop.is_set():
                    t = time.perf_counter()
                    r = c.post(url, content=bodies[i % len(bodies)], headers=headers)
                    lat[k].append(time.perf_counter() - t)
                    done[k] += r.status_code == 200
                    failed[k] += r.status_code != 200
                    i += clients

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        return {
            "single_row": single,
            f"rps_{clients}_clients": round(sum(done) / elapsed, 1),
            f"latency_{clients}_clients": pct([x for ls in lat for x in ls]),
            "errors": errors + sum(failed),
        }


# ---- MLflow's environment --------------------------------------------------------------------------
def mlflow_venv(path: Path) -> Path:
    """The python of MLflow's virtual environment, created and filled on first use."""
    python = path / "bin" / "python"
    marker = path / ".forgeml-bench-ready"
    if marker.exists() and (path / "bin" / "mlflow").exists():
        return python
    log(f"creating {path} (pip install {' '.join(MLFLOW_PACKAGES)}) ...")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(path)], check=True, timeout=300)
    (path / ".gitignore").write_text("*\n")  # never committed
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *MLFLOW_PACKAGES],
        check=True,
        timeout=1800,
    )
    marker.write_text("ok\n")
    return python


# ---- the run ---------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--datasets-dir", default=str(ROOT.parent / "shared" / "datasets"))
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each HTTP measurement")
    ap.add_argument("--clients", type=int, default=8, help="concurrent connections for requests/s")
    ap.add_argument("--trials", type=int, default=6)
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--no-mlflow", action="store_true", help="leave MLflow's scoring server out")
    ap.add_argument("--mlflow-venv", default=str(HERE / ".venv-mlflow"))
    ap.add_argument("--out", help="JSON results file (default benchmarks/results/serving-<time>.json)")
    args = ap.parse_args()

    from sklearn.model_selection import train_test_split

    import forgeml
    from forgeml.data import read_table

    work = Path(tempfile.mkdtemp(prefix="forgeml-serving-bench-"))
    logs = work / "logs"
    logs.mkdir()
    if args.client == "wrk" or (args.client == "auto" and shutil.which("wrk")):
        client: Wrk | PythonClients = Wrk(work)
    else:
        client = PythonClients()
    mlflow_python = None
    mlflow_skipped = "--no-mlflow" if args.no_mlflow else ""
    if not args.no_mlflow:
        try:
            mlflow_python = mlflow_venv(Path(args.mlflow_venv))
        except (OSError, subprocess.SubprocessError) as e:  # no network, no pip: report without MLflow
            mlflow_skipped = f"cannot set up {args.mlflow_venv}: {e}"
            log(f"MLflow left out: {mlflow_skipped}")

    df = read_table(Path(args.datasets_dir) / "adult.csv.gz")
    train, test = train_test_split(df, test_size=0.25, random_state=0, stratify=df[TARGET])
    X_train, y_train = train.drop(columns=[TARGET]), train[TARGET]
    X_test = test.drop(columns=[TARGET])
    rows = rows_of(X_test.iloc[:500])
    big = pd.concat([X_test] * (100_000 // len(X_test) + 1), ignore_index=True).iloc[:100_000]

    t = time.perf_counter()
    automl = forgeml.AutoML(max_trials=args.trials, families=["lightgbm"], executor="serial", n_folds=3, seed=0)
    automl.fit(train, target=TARGET)
    model_dir = automl.save(work / "adult")
    predictor = automl.predictor
    members = [(m.name, round(m.weight, 3)) for m in predictor.members]
    log(f"trained forgeml in {time.perf_counter() - t:.1f}s: members {members}")
    pipe = baseline_pipeline(X_train).fit(X_train, y_train)
    import skops.io as sio

    sio.dump(pipe, work / "baseline.skops")

    results: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "dataset": "adult.csv.gz",
        "train_rows": len(train),
        "test_rows": len(test),
        "forgeml_members": members,
        "cpus": os.cpu_count(),
        "load_generator": client.name,
        "seconds_per_measurement": args.seconds,
        "clients": args.clients,
    }
    if mlflow_skipped:
        results["mlflow_skipped"] = mlflow_skipped

    fast = predictor.compile()
    results["in_process"] = {
        "forgeml_fast_path": timed(lambda i: fast.predict_raw([rows[i % 500]]), 3000),
        "forgeml_predict_raw_dataframe": timed(lambda i: predictor.predict_raw(pd.DataFrame([rows[i % 500]])), 300),
        "sklearn_pipeline_pandas": timed(lambda i: pipe.predict(pd.DataFrame.from_records([rows[i % 500]])), 300),
    }
    batch: dict[str, float] = {}
    for name, fn, data in (
        ("forgeml_predict_raw_dataframe", predictor.predict_raw, big),
        ("forgeml_fast_path_dicts", fast.predict_raw, rows_of(big)),
        ("sklearn_pipeline_pandas", pipe.predict_proba, big),
    ):
        t = time.perf_counter()
        fn(data)
        batch[name] = round(len(big) / (time.perf_counter() - t))
    results["batch_100k_rows_per_s"] = batch

    if mlflow_python is not None:
        train.to_parquet(work / "train.parquet")
        big.to_parquet(work / "batch.parquet")
        (work / "rows.json").write_text(json.dumps(rows))
        done = subprocess.run(
            [str(mlflow_python), str(HERE / "_mlflow_helper.py"), str(work)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("MLFLOW_JSON ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"MLflow helper failed ({done.returncode}): {done.stderr[-2000:]}")
        ml = json.loads(line[len("MLFLOW_JSON ") :])
        results["mlflow_version"] = ml["mlflow_version"]
        results["in_process"]["mlflow_pyfunc"] = ml["single_row"]
        batch["mlflow_pyfunc"] = ml["batch_rows_per_s"]
        same = [str(v) for v in pipe.predict(pd.DataFrame.from_records(rows))] == ml["predictions"]
        results["mlflow_same_predictions_as_pipeline"] = same

    # ---- HTTP, one server at a time ----
    quiet = {**os.environ, **QUIET_UVICORN, "FORGEML_API_KEYS": ""}
    instances = [json.dumps({"instances": [r]}).encode() for r in rows]
    servers: list[tuple[str, list[str], str, str, list[bytes], dict[str, str]]] = []
    port = free_port()
    cli = str(Path(sys.executable).with_name("forgeml"))
    servers.append(
        (
            "forgeml",
            [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--models", f"adult={model_dir}"],
            f"http://127.0.0.1:{port}/v2/health/ready",
            f"http://127.0.0.1:{port}/v1/models/adult:predict",
            instances,
            quiet,
        )
    )
    port = free_port()
    servers.append(
        (
            "fastapi_sklearn",
            [sys.executable, str(HERE / "_baseline_server.py"), str(work / "baseline.skops"), str(port)],
            f"http://127.0.0.1:{port}/ready",
            f"http://127.0.0.1:{port}/predict",
            instances,
            quiet,
        )
    )
    if mlflow_python is not None:
        port = free_port()
        bin_dir = mlflow_python.parent
        serve_args = ["--env-manager", "local", "--port", str(port), "-h", "127.0.0.1"]
        servers.append(
            (
                "mlflow",
                [str(bin_dir / "mlflow"), "models", "serve", "-m", str(work / "mlflow-model"), *serve_args],
                f"http://127.0.0.1:{port}/ping",
                f"http://127.0.0.1:{port}/invocations",
                [json.dumps({"dataframe_records": [r]}).encode() for r in rows],
                {**quiet, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
            )
        )
    for name, cmd, ready, url, bodies, env in servers:
        log(f"HTTP: {name} ({client.name}, {args.seconds:.0f} s each) ...")
        with server(name, cmd, ready, logs, env):
            with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as c:  # every body is valid
                for body in bodies:
                    check = c.post(url, content=body)
                    if check.status_code != 200:
                        raise RuntimeError(f"{name} answered {check.status_code}: {check.text[:500]}")
            results[f"http_{name}"] = client.measure(url, bodies, args.clients, args.seconds)

    key = f"rps_{args.clients}_clients"
    f = results["http_forgeml"]
    results["targets"] = {"http_p50_under_2ms": f["single_row"]["p50_ms"] < 2.0}
    for name in ("fastapi_sklearn", "mlflow"):
        if f"http_{name}" in results:
            ratio = round(f[key] / max(results[f"http_{name}"][key], 1e-9), 2)
            results["targets"][f"throughput_ratio_vs_{name}"] = ratio
            results["targets"][f"10x_vs_{name}"] = ratio >= 10
    out = Path(args.out) if args.out else HERE / "results" / f"serving-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(table(results, args.clients))
    shutil.rmtree(work, ignore_errors=True)


def table(r: dict[str, Any], clients: int) -> str:
    """The results as a markdown table."""
    ip, b = r["in_process"], r["batch_100k_rows_per_s"]

    def ms(d: dict[str, float] | None) -> str:
        return "–" if d is None else f"{d['p50_ms']:.2f} / {d['p99_ms']:.2f}"

    lines = [
        f"| server | in-process p50 / p99 ms | HTTP p50 / p99 ms (1 client) | req/s, {clients} clients "
        f"| HTTP p50 / p99 ms ({clients} clients) | 100k-row batch, rows/s |",
        "|---|---|---|---|---|---|",
    ]
    for label, key, inproc, batch in (
        ("forgeml serve (fast path)", "forgeml", "forgeml_fast_path", "forgeml_predict_raw_dataframe"),
        ("plain FastAPI + sklearn pipeline", "fastapi_sklearn", "sklearn_pipeline_pandas", "sklearn_pipeline_pandas"),
        ("MLflow scoring server", "mlflow", "mlflow_pyfunc", "mlflow_pyfunc"),
    ):
        h = r.get(f"http_{key}")
        if h is None:
            continue
        lines.append(
            f"| {label} | {ms(ip.get(inproc))} | {ms(h['single_row'])} | {h[f'rps_{clients}_clients']:,.0f} "
            f"| {ms(h[f'latency_{clients}_clients'])} | {b.get(batch, float('nan')):,.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

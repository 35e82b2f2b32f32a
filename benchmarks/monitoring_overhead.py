"""Monitoring overhead: prediction latency and throughput with live monitoring on vs off, same model.

Splits ``adult.csv.gz`` 75/25 (seeded, stratified), trains a forgeml LightGBM ensemble
(``--trials``, 3 folds) on the training rows and measures, on single test rows:

* in process: the fast path plus response encoding (``OutputCodec.encode``), then the same with
  ``LiveMonitor.record`` and the ids in the response, while a background thread flushes the
  monitor to a temporary SQLite store every ``--inproc-flush`` seconds (0.5 s, so that several
  flushes — binning, prediction log, window upserts — fall inside the ~1 s of timed calls: the whole
  cost, not just the hot path);
* over HTTP: ``forgeml serve --no-monitor`` and ``forgeml serve`` (monitoring on, input logging on,
  ``--monitor-flush`` ``--flush``), one server at a time, alternating ``--rounds`` times (off, on,
  off, on, ...) so that load from other processes on the machine hits both sides alike: single-row
  p50/p99 with one client back to back, requests/s and p50/p99 with ``--clients`` connections.

The load generator is ``wrk`` when installed, else httpx clients in threads (as in
``serving.py``). The table gives the median of the rounds and the added share (on / off - 1).

Usage: ``.venv/bin/python benchmarks/monitoring_overhead.py [--seconds 10] [--clients 8] [--trials 2]
[--rounds 2] [--flush 10] [--client auto|wrk|python] [--out results.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _common import TARGET, rows_of, timed  # noqa: E402
from serving import QUIET_UVICORN, PythonClients, Wrk, free_port, log, server  # noqa: E402


def in_process(model_dir: Path, rows: list[dict[str, Any]], work: Path, flush: float, n: int) -> dict[str, Any]:
    """p50/p99 of predict + encode, without and with the monitor (flushed in a background thread)."""
    from sqlalchemy import func, select

    from forgeml.config import Settings
    from forgeml.monitoring import LiveMonitor, MonitorConfig, MonitoredVersion
    from forgeml.predictor import load_predictor
    from forgeml.serving._codec import OutputCodec
    from forgeml.store import Store
    from forgeml.store.tables import prediction_log

    predictor = load_predictor(model_dir)
    fast = predictor.compile()
    codec = OutputCodec(predictor, "adult", "1")
    home = work / "inproc-home"
    store = Store.open(Settings(home=home, database_url=f"sqlite:///{home / 'db'}", artifact_root=home, actor="b"))
    monitor = LiveMonitor(MonitorConfig(flush_seconds=flush), store=store)
    mv = MonitoredVersion("adult", 1, predictor, fast)
    m = len(rows)

    def off(i: int) -> bytes:
        return codec.encode(fast.predict_raw([rows[i % m]]), False)

    def on(i: int) -> bytes:
        batch = [rows[i % m]]
        raw = fast.predict_raw(batch)
        return codec.encode(raw, False, monitor.record(mv, batch, raw))

    stop = threading.Event()

    def flusher() -> None:
        while not stop.wait(flush):
            monitor.flush()

    out: dict[str, Any] = {"off": timed(off, n)}
    thread = threading.Thread(target=flusher, daemon=True)
    thread.start()
    try:
        out["on"] = timed(on, n)
    finally:
        stop.set()
        thread.join()
    monitor.flush()
    with store.read() as conn:
        out["rows_logged"] = int(conn.execute(select(func.count()).select_from(prediction_log)).scalar_one())
    store.close()
    return out


def http(
    model_dir: Path, rows: list[dict[str, Any]], work: Path, client: Any, args: argparse.Namespace
) -> dict[str, list[dict[str, Any]]]:
    cli = str(Path(sys.executable).with_name("forgeml"))
    bodies = [json.dumps({"instances": [r]}).encode() for r in rows]
    runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    for k in range(args.rounds):
        for mode in ("off", "on"):
            port = free_port()
            home = work / f"home-{mode}-{k}"
            flags = ["--no-monitor"] if mode == "off" else ["--monitor-flush", f"{args.flush}s"]
            cmd = [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--models", f"adult={model_dir}", *flags]
            env = {**os.environ, **QUIET_UVICORN, "FORGEML_API_KEYS": "", "FORGEML_HOME": str(home)}
            url = f"http://127.0.0.1:{port}/v1/models/adult:predict"
            log(f"HTTP round {k + 1}/{args.rounds}: monitoring {mode} ({client.name}, {args.seconds:.0f} s each) ...")
            with server(f"forgeml-{mode}-{k}", cmd, f"http://127.0.0.1:{port}/v2/health/ready", work, env):
                with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as c:
                    has_ids = "ids" in c.post(url, content=bodies[0]).json()
                    if has_ids != (mode == "on"):
                        raise RuntimeError(f"monitoring {mode}, but the response {'has' if has_ids else 'lacks'} ids")
                runs[mode].append(client.measure(url, bodies, args.clients, args.seconds))
            if mode == "on":
                runs[mode][-1]["db_bytes"] = (home / "forgeml.db").stat().st_size
    return runs


def _median(runs: list[dict[str, Any]], *keys: str) -> float:
    vals = []
    for r in runs:
        v: Any = r
        for key in keys:
            v = v[key]
        vals.append(float(v))
    return float(statistics.median(vals))


def table(results: dict[str, Any], clients: int) -> str:
    lines = [f"{'measure':<42}{'off':>12}{'on':>12}{'added':>10}", "-" * 76]

    def add(name: str, off: float, on: float, higher_is_worse: bool = True) -> None:
        change = on / off - 1 if higher_is_worse else 1 - on / off
        lines.append(f"{name:<42}{off:>12.3f}{on:>12.3f}{change:>+10.1%}")

    ip = results["in_process"]
    add("in-process p50 (ms)", ip["off"]["p50_ms"], ip["on"]["p50_ms"])
    add("in-process p99 (ms)", ip["off"]["p99_ms"], ip["on"]["p99_ms"])
    h = results["http"]
    if not h["off"]:
        return "\n".join(lines)
    add("HTTP single-row p50 (ms)", _median(h["off"], "single_row", "p50_ms"), _median(h["on"], "single_row", "p50_ms"))
    add("HTTP single-row p99 (ms)", _median(h["off"], "single_row", "p99_ms"), _median(h["on"], "single_row", "p99_ms"))
    key = f"latency_{clients}_clients"
    add(f"HTTP {clients} clients p50 (ms)", _median(h["off"], key, "p50_ms"), _median(h["on"], key, "p50_ms"))
    add(f"HTTP {clients} clients p99 (ms)", _median(h["off"], key, "p99_ms"), _median(h["on"], key, "p99_ms"))
    rps = f"rps_{clients}_clients"
    add(f"HTTP {clients} clients requests/s (lost)", _median(h["off"], rps), _median(h["on"], rps), False)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--datasets-dir", default=str(ROOT.parent / "shared" / "datasets"))
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each HTTP measurement")
    ap.add_argument("--clients", type=int, default=8, help="concurrent connections for requests/s")
    ap.add_argument("--trials", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="off/on server pairs, alternated")
    ap.add_argument("--flush", type=float, default=10.0, help="monitor flush interval in seconds")
    ap.add_argument("--calls", type=int, default=3000, help="in-process calls per side")
    ap.add_argument("--inproc-flush", type=float, default=0.5, help="flush interval in process (seconds)")
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--out", help="also write the results as JSON here")
    args = ap.parse_args()

    from sklearn.model_selection import train_test_split

    import forgeml
    from forgeml.data import read_table

    work = Path(tempfile.mkdtemp(prefix="forgeml-monitoring-bench-"))
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    client: Wrk | PythonClients = Wrk(work) if use_wrk else PythonClients()
    df = read_table(Path(args.datasets_dir) / "adult.csv.gz")
    train, test = train_test_split(df, test_size=0.25, random_state=0, stratify=df[TARGET])
    rows = rows_of(test.drop(columns=[TARGET]).iloc[:500])
    t = time.perf_counter()
    automl = forgeml.AutoML(max_trials=args.trials, families=["lightgbm"], executor="serial", n_folds=3, seed=0)
    model_dir = automl.fit(train, target=TARGET).save(work / "adult")
    log(f"trained in {time.perf_counter() - t:.1f}s; measuring in process ...")
    results: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "dataset": "adult.csv.gz",
        "train_rows": len(train),
        "cpus": os.cpu_count(),
        "load_generator": client.name,
        "flush_seconds": args.flush,
        "in_process": in_process(model_dir, rows, work, args.inproc_flush, args.calls),
        "http": http(model_dir, rows, work, client, args),
    }
    print(json.dumps(results, indent=2))
    print()
    print(table(results, args.clients))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark forgeml against scikit-learn's HistGradientBoosting on the shared datasets.

Every dataset gets a fixed, seeded 75/25 split (stratified for classification). Each framework
runs in its own fresh subprocess (this script re-invoked with ``--worker``), so memory figures and
crashes are isolated; a run is killed at ``2 x budget + 120`` seconds of wall clock. A failed or
killed run is scored as a constant predictor (class priors / mean of the training part).

Example:
    .venv/bin/python benchmarks/run_datasets.py --time-limit 60
    .venv/bin/python benchmarks/run_datasets.py --only credit_g,phoneme --time-limit 10
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
from peers.runners._runner import jsonable  # one definition, shared with the peers harness

FRAMEWORKS = ("forgeml", "hgb")
DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "results"
SAMPLE_INTERVAL_S = 0.2
HGB_MAX_CATEGORIES = 255  # HistGradientBoosting refuses categorical features with more categories
PANDAS_NA_VALUES = ["", "NA", "null", "NaN", "?"]
METRIC_BY_TASK = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}
LOGLOSS_EPS = 1e-15


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


@dataclass
class Split:
    entry: dict[str, Any]
    train: pd.DataFrame
    test: pd.DataFrame
    target: str
    task: str
    dropped_missing_target: int


def load_manifest(datasets_dir: Path) -> list[dict[str, Any]]:
    with open(datasets_dir / "manifest.json", encoding="utf-8") as fh:
        manifest = json.load(fh)
    return list(manifest["datasets"])


def read_data(path: Path, reader: str) -> pd.DataFrame:
    """Read one dataset file. ``forgeml``: forgeml's own reader (pyarrow; a literal 'None' stays a
    value, '', 'NA', 'null', 'NaN' ... are missing, dates become datetime64). ``pandas``:
    ``read_csv`` with the explicit NA list below."""
    if reader == "forgeml":
        from forgeml.data import read_table

        return read_table(path)
    return pd.read_csv(path, keep_default_na=False, na_values=PANDAS_NA_VALUES)


def load_split(entry: dict[str, Any], datasets_dir: Path, seed: int, reader: str) -> Split:
    from sklearn.model_selection import train_test_split

    target, task = str(entry["target"]), str(entry["task"])
    df = read_data(datasets_dir / entry["file"], reader)
    if target not in df.columns:
        raise KeyError(f"target column {target!r} not in {entry['file']}")
    missing = df[target].isna()
    df = df.loc[~missing].reset_index(drop=True)
    stratify = df[target].astype(str) if task != "regression" else None
    try:
        train, test = train_test_split(df, test_size=0.25, random_state=seed, stratify=stratify)
    except ValueError:  # a class with a single row cannot be stratified
        train, test = train_test_split(df, test_size=0.25, random_state=seed)
    return Split(entry, train, test, target, task, int(missing.sum()))


# --------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------


def label_strings(values: pd.Series | np.ndarray) -> np.ndarray:
    """Labels in the same string form as forgeml's predict_proba columns (``str(class)``)."""
    return np.array([str(v) for v in np.asarray(values, dtype=object)], dtype=object)


def log_loss_aligned(y_true: np.ndarray, proba: np.ndarray, columns: list[str]) -> float:
    """Log loss with the true labels looked up among ``columns``; a label with no column counts
    as probability ``1e-15``. Rows are clipped and renormalised like scikit-learn does."""
    p = np.clip(np.asarray(proba, dtype=float), LOGLOSS_EPS, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    index = {c: i for i, c in enumerate(columns)}
    rows = np.arange(len(y_true))
    cols = np.array([index.get(str(y), -1) for y in y_true])
    picked = np.where(cols >= 0, p[rows, np.maximum(cols, 0)], LOGLOSS_EPS)
    return float(-np.mean(np.log(picked)))


def score_classification(
    task: str, y_true: np.ndarray, proba: np.ndarray, columns: list[str], positive: str | None
) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    y_true = label_strings(y_true)
    pred = np.asarray(columns, dtype=object)[np.argmax(proba, axis=1)]
    out: dict[str, Any] = {"accuracy": float(np.mean(pred == y_true))}
    if task == "binary":
        if positive not in columns:
            raise ValueError(f"positive class {positive!r} not among predict_proba columns {columns}")
        out["score"] = float(roc_auc_score(y_true == positive, proba[:, columns.index(str(positive))]))
    else:
        out["score"] = log_loss_aligned(y_true, proba, columns)
    return out


def score_regression(y_true: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import r2_score

    y = np.asarray(y_true, dtype=float)
    p = np.asarray(pred, dtype=float)
    return {"score": float(np.sqrt(np.mean((y - p) ** 2))), "r2": float(r2_score(y, p))}


def constant_scores(split: Split) -> dict[str, Any]:
    """Scores of the constant predictor fitted on the training part (used for failed runs)."""
    y_train, y_test = split.train[split.target], split.test[split.target]
    if split.task == "regression":
        mean = float(pd.to_numeric(y_train).mean())
        return score_regression(y_test.to_numpy(), np.full(len(y_test), mean))
    priors = label_strings(y_train)
    columns = sorted(set(priors))
    freq = np.array([np.mean(priors == c) for c in columns])
    proba = np.tile(freq, (len(y_test), 1))
    return score_classification(split.task, y_test.to_numpy(), proba, columns, split.entry.get("positive_class"))


# --------------------------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------------------------


def tree_rss(proc: psutil.Process) -> int:
    """RSS of ``proc`` and all its descendants, in bytes (processes that vanish are skipped)."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


class PeakSampler:
    """Samples the RSS of a process tree every ``interval`` seconds in a background thread and
    keeps the maximum of the sum."""

    def __init__(self, pid: int | None = None, interval: float = SAMPLE_INTERVAL_S) -> None:
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.proc))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.proc))

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


@contextlib.contextmanager
def timed(store: dict[str, float], key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        store[key] = time.perf_counter() - start


# --------------------------------------------------------------------------------------------
# workers (run in a fresh subprocess)
# --------------------------------------------------------------------------------------------


def hgb_frames(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Features for HistGradientBoosting: numbers as float, booleans as 0/1, datetimes as int64 ns
    (NaT -> NaN), string columns with <= 255 distinct training values as pandas ``category`` (categories
    from the training part, unseen -> missing), other string columns (free text, ids, high cardinality)
    as frequency-rank codes from the training part (unseen -> NaN), treated as numeric."""
    tr, te = pd.DataFrame(index=train.index), pd.DataFrame(index=test.index)
    handling: dict[str, str] = {}
    for col in train.columns:
        a, b = train[col], test[col]
        if pd.api.types.is_bool_dtype(a):
            tr[col], te[col] = a.astype(float), b.astype(float)
            handling[col] = "bool"
        elif pd.api.types.is_datetime64_any_dtype(a):
            for s, dst in ((a, tr), (b, te)):
                ns = s.astype("datetime64[ns]")
                vals = ns.to_numpy().view("int64").astype(float)
                vals[ns.isna().to_numpy()] = np.nan
                dst[col] = vals
            handling[col] = "datetime_ns"
        elif pd.api.types.is_numeric_dtype(a):
            tr[col], te[col] = a.astype(float), b.astype(float)
            handling[col] = "numeric"
        else:
            sa, sb = a.astype("string"), b.astype("string")
            counts = sa.value_counts(dropna=True)
            if len(counts) <= HGB_MAX_CATEGORIES:
                dtype = pd.CategoricalDtype(categories=sorted(counts.index.tolist()))
                tr[col], te[col] = sa.astype(object).astype(dtype), sb.astype(object).astype(dtype)
                handling[col] = "category"
            else:
                rank = {v: float(i) for i, v in enumerate(counts.index.tolist())}
                tr[col] = sa.map(rank).astype(float)
                te[col] = sb.map(rank).astype(float)
                handling[col] = f"codes({len(counts)})"
    return tr, te, handling


def worker_forgeml(split: Split, time_limit: float, seed: int, out: dict[str, Any]) -> None:
    """Fit, predict and score forgeml; fills ``out`` as it goes, so a failed fit still reports
    how long it ran and how much memory it used."""
    from forgeml import AutoML

    x_test = split.test.drop(columns=[split.target])
    times: dict[str, float] = {}
    fit_mem = PeakSampler()
    try:
        with fit_mem, timed(times, "fit"):
            automl = AutoML(time_limit=time_limit, seed=seed).fit(split.train, target=split.target)
    finally:
        out.update(fit_seconds=times.get("fit"), fit_peak_mb=fit_mem.peak_mb, peak_mb=fit_mem.peak_mb)
    with PeakSampler() as pred_mem, timed(times, "predict"):
        if split.task == "regression":
            pred = np.asarray(automl.predict(x_test), dtype=float)
        else:
            proba_df = automl.predict_proba(x_test)
    if split.task == "regression":
        out.update(score_regression(split.test[split.target].to_numpy(), pred))
    else:
        columns = [str(c) for c in proba_df.columns]
        out.update(
            score_classification(
                split.task,
                split.test[split.target].to_numpy(),
                proba_df.to_numpy(dtype=float),
                columns,
                split.entry.get("positive_class"),
            )
        )
    info = automl.predictor.info
    out.update(
        fit_seconds=times["fit"],
        predict_seconds=times["predict"],
        peak_mb=max(fit_mem.peak_mb, pred_mem.peak_mb),
        fit_peak_mb=fit_mem.peak_mb,
        predict_peak_mb=pred_mem.peak_mb,
        forgeml_fit_seconds=jsonable(info.get("fit_seconds")),
        cv_score=jsonable(info.get("cv_score")),
        trials=jsonable(info.get("trials")),
    )
    with contextlib.suppress(Exception):
        lb = automl.leaderboard()
        out["leaderboard_rows"] = len(lb)
        out["leaderboard_head"] = jsonable(lb.head(5).to_dict(orient="records"))
        if "status" in lb.columns:
            bad = lb[lb["status"].astype(str) != "complete"]
            keep = [c for c in ("model", "family", "status", "fit_seconds", "note") if c in bad.columns]
            out["not_complete_trials"] = jsonable(bad[keep].to_dict(orient="records"))


def worker_hgb(split: Split, seed: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    x_train, x_test, handling = hgb_frames(
        split.train.drop(columns=[split.target]), split.test.drop(columns=[split.target])
    )
    times: dict[str, float] = {}
    out: dict[str, Any] = {"feature_handling": handling}
    y_train = split.train[split.target]
    model: Any
    if split.task == "regression":
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
        y_fit: Any = pd.to_numeric(y_train).astype(float)
    else:
        model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
        y_fit = label_strings(y_train)
    with PeakSampler() as fit_mem, timed(times, "fit"):
        model.fit(x_train, y_fit)
    with PeakSampler() as pred_mem, timed(times, "predict"):
        pred = model.predict(x_test) if split.task == "regression" else model.predict_proba(x_test)
    if split.task == "regression":
        out.update(score_regression(split.test[split.target].to_numpy(), pred))
    else:
        columns = [str(c) for c in model.classes_]
        out.update(
            score_classification(
                split.task, split.test[split.target].to_numpy(), pred, columns, split.entry.get("positive_class")
            )
        )
    out.update(
        fit_seconds=times["fit"],
        predict_seconds=times["predict"],
        peak_mb=max(fit_mem.peak_mb, pred_mem.peak_mb),
        fit_peak_mb=fit_mem.peak_mb,
        predict_peak_mb=pred_mem.peak_mb,
        n_iter=int(getattr(model, "n_iter_", 0)),
    )
    return out


def run_worker(args: argparse.Namespace) -> int:
    """Entry point of the child process: write one JSON object to ``--result-file``."""
    result: dict[str, Any] = {"ok": False}
    try:
        entry = next(e for e in load_manifest(args.datasets_dir) if e["name"] == args.dataset)
        split = load_split(entry, args.datasets_dir, args.seed, args.reader)
        if args.worker == "forgeml":
            worker_forgeml(split, args.time_limit, args.seed, result)
        else:
            result.update(worker_hgb(split, args.seed))
        result["ok"] = True
    except BaseException as err:  # report everything, including KeyboardInterrupt / SystemExit
        result["error"] = f"{type(err).__name__}: {err}".strip()[:2000]
        result["traceback"] = traceback.format_exc()[-4000:]
    Path(args.result_file).write_text(json.dumps(jsonable(result)), encoding="utf-8")
    return 0 if result["ok"] else 1


# --------------------------------------------------------------------------------------------
# parent: spawn, watch, kill, score
# --------------------------------------------------------------------------------------------


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def spawn(framework: str, entry: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Run one framework on one dataset in a fresh process (own session, so the whole tree can be
    killed); return the worker's JSON plus wall time, exit status and a parent-side peak RSS."""
    hard_limit = 2 * args.time_limit + 120
    with tempfile.TemporaryDirectory(prefix="forgeml-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        log_file = Path(tmp) / "log.txt"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            framework,
            "--dataset",
            entry["name"],
            "--datasets-dir",
            str(args.datasets_dir),
            "--time-limit",
            str(args.time_limit),
            "--seed",
            str(args.seed),
            "--reader",
            args.reader,
            "--result-file",
            str(result_file),
        ]
        start = time.perf_counter()
        killed = False
        with open(log_file, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                with PeakSampler(proc.pid) as mem:
                    try:
                        proc.wait(timeout=hard_limit)
                    except subprocess.TimeoutExpired:
                        killed = True
                        kill_group(proc.pid)
                        proc.wait()
            finally:
                kill_group(proc.pid)  # stray worker processes (loky, ...) left behind
        wall = time.perf_counter() - start
        out: dict[str, Any] = {}
        if result_file.exists():
            with contextlib.suppress(json.JSONDecodeError):
                out = json.loads(result_file.read_text(encoding="utf-8"))
        if not out:
            out = {"ok": False}
            tail = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
            if killed:
                out["error"] = f"killed after {wall:.0f}s (hard limit 2 x budget + 120 s = {hard_limit:.0f}s)"
            else:
                out["error"] = f"worker exited with status {proc.returncode} and no result"
            if tail:
                out["log_tail"] = "\n".join(tail)
    out.update(wall_seconds=wall, returncode=proc.returncode, killed=killed, process_peak_mb=mem.peak_mb)
    return out


def bench_dataset(entry: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    name, task = entry["name"], entry["task"]
    metric = METRIC_BY_TASK[task]
    base = {"dataset": name, "task": task, "metric": metric, "time_limit": args.time_limit, "seed": args.seed}
    try:
        split = load_split(entry, args.datasets_dir, args.seed, args.reader)
        fallback = constant_scores(split)
        base.update(
            n_train=len(split.train), n_test=len(split.test), dropped_missing_target=split.dropped_missing_target
        )
    except Exception as err:
        error = f"could not load/split: {type(err).__name__}: {err}"
        return [{**base, "framework": fw, "ok": False, "error": error, "score": None} for fw in args.frameworks]
    rows = []
    for fw in args.frameworks:
        res = spawn(fw, entry, args)
        row = {**base, "framework": fw, **res}
        if not row.get("ok"):
            row["failed_score"] = True
            row.update({k: v for k, v in fallback.items()})
        if fw == "forgeml":
            fit = row.get("fit_seconds")
            if fit is None and row.get("killed"):
                fit = row["wall_seconds"]  # killed during the run: the wall time is a lower bound
            if fit is not None:
                row["overrun_seconds"] = fit - args.time_limit
                row["overrun_pct"] = 100.0 * (fit - args.time_limit) / args.time_limit
        rows.append(row)
        print(one_line(row), flush=True)
    return rows


def one_line(row: dict[str, Any]) -> str:
    parts = [f"[{row['dataset']}/{row['framework']}]", f"{row['metric']}={fmt(row.get('score'), 4)}"]
    if "accuracy" in row:
        parts.append(f"acc={fmt(row['accuracy'], 4)}")
    if "r2" in row:
        parts.append(f"r2={fmt(row['r2'], 4)}")
    parts += [
        f"fit={fmt(row.get('fit_seconds'), 1)}s",
        f"predict={fmt(row.get('predict_seconds'), 2)}s",
        f"peak={fmt(row.get('peak_mb'), 0)}MB",
    ]
    if "overrun_seconds" in row:
        parts.append(f"overrun={row['overrun_seconds']:+.1f}s ({row['overrun_pct']:+.0f}%)")
    if row.get("cv_score") is not None:
        parts.append(f"cv={fmt(row['cv_score'], 4)}")
    if row.get("trials") is not None:
        trials = row["trials"]
        parts.append(f"trials={len(trials) if isinstance(trials, list) else trials}")
    if not row.get("ok"):
        parts.append(f"FAILED ({row.get('error')}) -> scored as constant predictor")
    return " ".join(parts)


def fmt(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def better(metric: str, a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return a > b if GREATER_IS_BETTER[metric] else a < b


def markdown_table(rows: list[dict[str, Any]], time_limit: float) -> str:
    by: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["dataset"], {})[r["framework"]] = r
    head = (
        "| dataset | task | metric | forgeml score | HGB score | forgeml fit s | overrun s (%) "
        "| forgeml peak MB | HGB fit s | HGB peak MB |"
    )
    lines = [head, "|" + "---|" * 10]
    wins: list[str] = []
    compared = 0
    worst: tuple[float, str] | None = None
    for name, fws in by.items():
        f, h = fws.get("forgeml", {}), fws.get("hgb", {})
        any_row = f or h
        fs = fmt(f.get("score"), 4) + ("" if f.get("ok", True) else " (FAILED)")
        hs = fmt(h.get("score"), 4) + ("" if h.get("ok", True) else " (FAILED)")
        if "overrun_seconds" in f:
            ov = f"{f['overrun_seconds']:+.1f} ({f['overrun_pct']:+.0f}%)" + (" killed" if f.get("killed") else "")
            if worst is None or f["overrun_seconds"] > worst[0]:
                worst = (f["overrun_seconds"], f"{name}: {ov}")
        else:
            ov = "-"
        if f and h:
            compared += 1
            if better(any_row["metric"], f.get("score"), h.get("score")):
                wins.append(name)
        lines.append(
            f"| {name} | {any_row['task']} | {any_row['metric']} | {fs} | {hs} | {fmt(f.get('fit_seconds'), 1)} "
            f"| {ov} | {fmt(f.get('peak_mb'), 0)} | {fmt(h.get('fit_seconds'), 2)} | {fmt(h.get('peak_mb'), 0)} |"
        )
    failed = [f"{r['dataset']}/{r['framework']}" for r in rows if not r.get("ok")]
    lines.append("")
    lines.append(
        f"Summary (budget {time_limit:g}s): forgeml better on {len(wins)}/{compared} datasets"
        + (f" ({', '.join(wins)})" if wins else "")
        + f"; worst overrun: {worst[1] if worst else '-'}"
        + f"; failed runs: {', '.join(failed) if failed else 'none'}"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    p.add_argument("--time-limit", type=float, default=60.0, help="forgeml budget in seconds (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", default="", help="comma-separated dataset names (default: all)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated subset of forgeml,hgb")
    p.add_argument("--reader", choices=("forgeml", "pandas"), default="forgeml", help="CSV reader for both frameworks")
    p.add_argument("--out", type=Path, default=None, help="JSON lines output (default benchmarks/results/<ts>.jsonl)")
    p.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    p.add_argument("--dataset", help=argparse.SUPPRESS)
    p.add_argument("--result-file", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = set(args.frameworks) - set(FRAMEWORKS)
    if unknown:
        p.error(f"unknown frameworks {sorted(unknown)}; choose from {FRAMEWORKS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)
    entries = load_manifest(args.datasets_dir)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        known = {e["name"] for e in entries}
        missing = [n for n in wanted if n not in known]
        if missing:
            print(f"unknown datasets {missing}; known: {sorted(known)}", file=sys.stderr)
            return 2
        entries = [e for e in entries if e["name"] in wanted]
    out = args.out or DEFAULT_RESULTS_DIR / f"{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"forgeml benchmark: {len(entries)} datasets, budget {args.time_limit:g}s, seed {args.seed}, "
        f"reader {args.reader}, hard kill at {2 * args.time_limit + 120:g}s; results -> {out}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    with open(out, "w", encoding="utf-8") as fh:
        for entry in entries:
            try:
                new = bench_dataset(entry, args)
            except Exception as err:  # never let one dataset stop the run
                new = [
                    {
                        "dataset": entry["name"],
                        "task": entry["task"],
                        "metric": METRIC_BY_TASK.get(entry["task"], "?"),
                        "framework": fw,
                        "ok": False,
                        "error": f"{type(err).__name__}: {err}",
                        "score": None,
                    }
                    for fw in args.frameworks
                ]
                for r in new:
                    print(one_line(r), flush=True)
            for r in new:
                fh.write(json.dumps(jsonable(r)) + "\n")
            fh.flush()
            rows.extend(new)
    print()
    print(markdown_table(rows, args.time_limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())

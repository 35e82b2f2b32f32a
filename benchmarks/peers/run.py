"""Benchmark forgeml against its AutoML peers (FLAML, AutoGluon, H2O) and a constant predictor on
the shared datasets: the same seeded 75/25 split, the same time budget and 2 cores for everyone,
one framework at a time, each in its own process (its own venv's python) with a hard kill at
2 x budget + 120 s. The harness scores every run from its prediction file; a failed or killed
run scores as the constant predictor (AMLB's rule). Rows go to a JSON-lines file; a markdown
summary of the whole file is printed at the end (see ``summary.py``).

Example:
    .venv/bin/python benchmarks/peers/setup.py      # once: the peers' venvs
    .venv/bin/python benchmarks/peers/run.py --time-limit 60 --out benchmarks/peers/results/peers-60s.jsonl
    .venv/bin/python benchmarks/peers/run.py --time-limit 10 --datasets credit_g,segment --frameworks forgeml,flaml
    .venv/bin/python benchmarks/peers/run.py --time-limit 60 --frameworks forgeml --append  # replaces forgeml's rows
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _data import DEFAULT_DATASETS_DIR, PreparedSplit, default_reader, load_manifest, prepare_split, select
from _process import run_process
from _results import append_row, completed_keys, read_rows, run_key
from _scoring import PredictionError, constant_score, read_result, score_run
from _spec import DEFAULT_FORGEML_PYTHON, FRAMEWORKS, METRIC_BY_TASK, REPO_ROOT, parse_frameworks
from _summary import markdown

DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "results"


def hard_limit(time_limit: float) -> float:
    """Seconds after which a run's whole process tree is killed: 2 x budget + 120 s."""
    return 2 * time_limit + 120


def framework_python(name: str, args: argparse.Namespace) -> Path:
    fw = FRAMEWORKS[name]
    if name == "forgeml":
        return Path(args.forgeml_python)
    if not fw.peer:
        return Path(sys.executable)
    return fw.venv / "bin" / "python"


def framework_version(name: str, python: Path) -> str | None:
    """The installed version of the framework's distribution, asked of its own python."""
    dist = FRAMEWORKS[name].distribution
    if dist is None:
        return None
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False, timeout=120)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def git_commit() -> str | None:
    """The repo's HEAD commit, with ``+dirty`` when the work tree has changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def runner_command(
    name: str, python: Path, split: PreparedSplit, metric: str, out_dir: Path, args: argparse.Namespace
) -> list[str]:
    fw = FRAMEWORKS[name]
    cmd = [
        str(python),
        str(fw.runner_path),
        "--train",
        str(split.train_path),
        "--test",
        str(split.test_path),
        "--target",
        split.target,
        "--task",
        split.task,
        "--metric",
        fw.metric_names.get(metric, metric),
        "--time-limit",
        f"{args.time_limit:g}",
        "--seed",
        str(args.seed),
        "--n-jobs",
        str(args.n_jobs),
        "--out-dir",
        str(out_dir),
    ]
    if args.memory_mb:
        cmd += ["--memory-mb", str(args.memory_mb)]
    return cmd


def failure_reason(result: dict[str, Any], killed: bool, returncode: int | None, wall: float, limit: float) -> str:
    if killed:
        return f"killed after {wall:.0f}s (hard limit 2 x budget + 120 s = {limit:.0f}s)"
    if result.get("error"):
        return str(result["error"])
    return f"runner exited with status {returncode} and no result"


def run_one(
    name: str, split: PreparedSplit, base: dict[str, Any], info: dict[str, Any], args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    """Run framework ``name`` on one prepared split; return its result row."""
    metric = METRIC_BY_TASK[split.task]
    out_dir = work / name
    out_dir.mkdir(parents=True, exist_ok=True)
    limit = hard_limit(args.time_limit)
    cmd = runner_command(name, info["python"], split, metric, out_dir, args)
    outcome = run_process(cmd, cwd=out_dir, hard_limit=limit, n_cores=args.n_jobs, log_path=out_dir / "log.txt")
    result = read_result(out_dir)
    row: dict[str, Any] = {
        **base,
        "framework": name,
        "version": result.get("version") or info["version"],
        "hard_limit_seconds": limit,
        "returncode": outcome.returncode,
        "killed": outcome.killed,
        "wall_seconds": outcome.wall_seconds,
        "peak_rss_mb": outcome.peak_rss_mb,
        "cores": outcome.cores,
        "fit_seconds": result.get("fit_seconds"),
        "predict_seconds": result.get("predict_seconds"),
        "startup_seconds": result.get("startup_seconds"),
        "info": result.get("info"),
    }
    if name == "forgeml":
        row["forgeml_commit"] = info.get("commit")
    try:
        _, scores = score_run(out_dir, split.task, split.y_test, split.positive)
        row.update(ok=True, failed=False, **scores)
    except (PredictionError, OSError, ValueError) as err:
        reason = (
            str(err)
            if result.get("ok")
            else failure_reason(result, outcome.killed, outcome.returncode, outcome.wall_seconds, limit)
        )
        row.update(ok=False, failed=True, error=reason, output_tail=outcome.output_tail, **base["constant"])
        if result.get("traceback"):
            row["traceback"] = result["traceback"]
    fit = row["fit_seconds"]
    if fit is None and outcome.killed:
        fit = outcome.wall_seconds  # killed mid-fit: the wall time is a lower bound
        row["overrun_is_lower_bound"] = True
    if isinstance(fit, int | float):
        row["overrun_seconds"] = fit - args.time_limit
        row["overrun_pct"] = 100.0 * (fit - args.time_limit) / args.time_limit
    return row


def one_line(row: dict[str, Any]) -> str:
    def f(key: str, digits: int) -> str:
        v = row.get(key)
        return "-" if not isinstance(v, int | float) else f"{v:.{digits}f}"

    parts = [f"[{row['dataset']}/{row['framework']}]", f"{row['metric']}={f('score', 4)}"]
    parts += [f"fit={f('fit_seconds', 1)}s", f"predict={f('predict_seconds', 2)}s", f"peak={f('peak_rss_mb', 0)}MB"]
    if isinstance(row.get("overrun_seconds"), int | float):
        parts.append(f"overrun={row['overrun_seconds']:+.1f}s")
    if not row.get("ok"):
        parts.append(f"FAILED ({str(row.get('error')).splitlines()[0][:200]}) -> constant predictor's score")
    return " ".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time-limit", type=float, default=60.0, help="budget in seconds for every framework (default 60)")
    p.add_argument("--datasets", default="", help="comma-separated dataset names (default: all in the manifest)")
    p.add_argument(
        "--frameworks", default=",".join(FRAMEWORKS), help=f"comma-separated subset of {','.join(FRAMEWORKS)}"
    )
    p.add_argument("--out", type=Path, default=None, help="JSON lines file (default results/peers-<budget>s.jsonl)")
    p.add_argument("--resume", action="store_true", help="append to --out, skipping runs it already holds")
    p.add_argument("--rerun-failed", action="store_true", help="with --resume, run failed runs again")
    p.add_argument("--append", action="store_true", help="append to --out, running everything (newer rows win)")
    p.add_argument("--seed", type=int, default=0, help="split seed and every framework's seed (default 0)")
    p.add_argument("--n-jobs", type=int, default=2, help="cores per run (default 2)")
    p.add_argument("--memory-mb", type=int, default=None, help="memory for H2O's JVM in MB (default 8192)")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    p.add_argument("--reader", choices=("forgeml", "pandas"), default=None, help="CSV reader (default forgeml's)")
    p.add_argument("--forgeml-python", default=str(DEFAULT_FORGEML_PYTHON), help="python with forgeml installed")
    p.add_argument(
        "--work-dir", type=Path, default=None, help="keep the runners' folders here (default: temp, removed)"
    )
    args = p.parse_args(argv)
    try:
        args.frameworks = parse_frameworks(args.frameworks)
    except ValueError as err:
        p.error(str(err))
    if args.rerun_failed and not args.resume:
        p.error("--rerun-failed needs --resume")
    if args.append and args.resume:
        p.error("--append runs everything again, --resume skips what was run: choose one")
    args.reader = args.reader or default_reader()
    args.out = args.out or DEFAULT_RESULTS_DIR / f"peers-{args.time_limit:g}s.jsonl"
    return args


def framework_info(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Python and version of each requested framework; peers whose venv is missing are left out."""
    out: dict[str, dict[str, Any]] = {}
    for name in args.frameworks:
        python = framework_python(name, args)
        if not python.exists():
            hint = "run benchmarks/peers/setup.py" if FRAMEWORKS[name].peer else "pass --forgeml-python"
            print(f"[{name}] skipped: no python at {python} ({hint})", file=sys.stderr, flush=True)
            continue
        out[name] = {"python": python, "version": framework_version(name, python)}
        if name == "forgeml":
            out[name]["commit"] = git_commit()
    return out


def bench_dataset(
    entry: dict[str, Any], todo: list[str], infos: dict[str, dict[str, Any]], args: argparse.Namespace, work: Path
) -> list[dict[str, Any]]:
    split = prepare_split(entry, args.datasets_dir, args.seed, args.reader, work / "data")
    metric = METRIC_BY_TASK[split.task]
    base: dict[str, Any] = {
        "dataset": split.name,
        "task": split.task,
        "metric": metric,
        "time_limit": args.time_limit,
        "seed": args.seed,
        "n_jobs": args.n_jobs,
        "n_train": len(split.y_train),
        "n_test": len(split.y_test),
        "dropped_missing_target": split.dropped_missing_target,
        "reader": args.reader,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    constant = constant_score(split.task, split.y_train, split.y_test, split.positive)
    base["constant_score"] = constant["score"]
    rows = []
    for name in todo:
        row = run_one(name, split, {**base, "constant": constant}, infos[name], args, work)
        row.pop("constant", None)
        append_row(args.out, row)
        print(one_line(row), flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        entries = select(load_manifest(args.datasets_dir), args.datasets)
    except (ValueError, OSError) as err:
        print(err, file=sys.stderr)
        return 2
    if args.out.exists() and not (args.resume or args.append):
        args.out.unlink()
    done = completed_keys(read_rows([args.out]), rerun_failed=args.rerun_failed) if args.resume else set()
    infos = framework_info(args)
    print(
        f"peers benchmark: {len(entries)} datasets x {', '.join(infos) or 'no framework'}, "
        f"budget {args.time_limit:g}s, "
        f"{args.n_jobs} cores, seed {args.seed}, hard kill at {hard_limit(args.time_limit):g}s; results -> {args.out}",
        flush=True,
    )
    for name, info in infos.items():
        print(f"  {name}: {info['version'] or '-'} ({info['python']})", flush=True)
    for entry in entries:
        todo = [n for n in infos if run_key(n, entry["name"], args.time_limit, args.seed) not in done]
        if not todo:
            continue
        with tempfile.TemporaryDirectory(prefix=f"peers-{entry['name']}-") as tmp:
            work = args.work_dir / entry["name"] if args.work_dir else Path(tmp)
            try:
                bench_dataset(entry, todo, infos, args, work)
            except Exception as err:  # one dataset that cannot be loaded never stops the run
                print(
                    f"[{entry['name']}] could not be prepared: {type(err).__name__}: {err}", file=sys.stderr, flush=True
                )
    print()
    print(markdown(read_rows([args.out])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

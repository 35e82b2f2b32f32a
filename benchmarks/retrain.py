"""Incremental vs full retraining: cost and test score on real datasets split into old / new / test.

Each dataset is read in file order and cut into the first 50 % ("old"), the next 30 % ("new") and
the last 20 % ("test"); no shuffling, so "new" and "test" may differ from "old" the way later data
does (adult: the last 20 % lies in its original test file; california_housing: the file runs
through the districts in order, so the parts cover different areas). A champion is trained on
"old" with a fixed time limit and registered (in a temporary store); then both retrain modes run on
"new" with ``promote=False`` (so both face the same champion):

- ``incremental``: the champion's boosters continue on the fresh rows, weights re-fitted;
- ``full``: a new search with the champion's configuration on old + new rows, same time limit.

Inside ``retrain`` the most recent 20 % of "new" is held out for the gate; "test" is never seen by
any model. Printed: a markdown table of training seconds, the gate's verdict and the test score of
the champion and of both challengers (metric: the champion's, ROC AUC or RMSE).

    .venv/bin/python benchmarks/retrain.py                                  # adult, california_housing
    .venv/bin/python benchmarks/retrain.py --only adult --time-limit 30
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


def _parts(path: Path) -> tuple[Any, Any, Any]:
    from forgeml.data import read_table

    df = read_table(path)
    a, b = int(len(df) * 0.5), int(len(df) * 0.8)
    return df.iloc[:a].reset_index(drop=True), df.iloc[a:b].reset_index(drop=True), df.iloc[b:].reset_index(drop=True)


def _test_score(ref: str, test: Any, target: str, store: Any) -> float:
    from forgeml.data import prepare_training
    from forgeml.metrics import get_scorer
    from forgeml.predictor import load_predictor
    from forgeml.registry import resolve_model_path

    p = load_predictor(resolve_model_path(ref, store=store))
    test = test[test[target].notna()]
    _, y, _ = prepare_training(test, p.schema)
    return get_scorer(p.metric, p.task).score(y, p.predict_raw(test))


def run(name: str, target: str, time_limit: float, seed: int) -> dict[str, Any]:
    import forgeml
    from forgeml import registry
    from forgeml.config import Settings
    from forgeml.retraining import retrain
    from forgeml.store import Store

    old, new, test = _parts(DATASETS / f"{name}.csv.gz")
    store = Store.open(Settings.from_env({"FORGEML_HOME": tempfile.mkdtemp(prefix="retrain-bench-")}))
    t = time.perf_counter()
    automl = forgeml.AutoML(time_limit=time_limit, seed=seed).fit(old, target=target)
    champion_seconds = time.perf_counter() - t
    registry.register(automl, name, data=old, alias="champion", store=store)
    out: dict[str, Any] = {
        "dataset": name,
        "rows": {"old": len(old), "new": len(new), "test": len(test)},
        "metric": automl.predictor.metric,
        "champion": {"seconds": round(champion_seconds, 1), "test": _test_score(f"{name}@1", test, target, store)},
    }
    for mode in ("incremental", "full"):
        r = retrain(name, new, mode=mode, time_limit=time_limit, promote=False, seed=seed, store=store)
        out[mode] = {
            "seconds": r.seconds["train"],
            "total_seconds": r.seconds["total"],
            "test": _test_score(f"{name}@{r.challenger_version}", test, target, store),
            "gate": r.decision,
            "gate_improvement": r.gate.improvement,
            "gate_lower": r.gate.lower,
        }
    store.close()
    return out


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| dataset | metric | champion test | incremental s | incremental test | gate | full s | full test | gate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        inc, full = r["incremental"], r["full"]
        lines.append(
            f"| {r['dataset']} | {r['metric']} | {r['champion']['test']:.4f} | {inc['seconds']:.1f} | "
            f"{inc['test']:.4f} | {inc['gate']} ({inc['gate_improvement']:+.4f}) | {full['seconds']:.1f} | "
            f"{full['test']:.4f} | {full['gate']} ({full['gate_improvement']:+.4f}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="adult,california_housing", help="Comma-separated dataset names.")
    parser.add_argument("--time-limit", type=float, default=60.0, help="Champion and full retrain budget (s).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="Also print the raw results as JSON.")
    args = parser.parse_args()
    manifest = {d["name"]: d for d in json.loads((DATASETS / "manifest.json").read_text())["datasets"]}
    results = []
    from forgeml.errors import ForgeError

    for name in args.only.split(","):
        try:
            results.append(run(name, manifest[name]["target"], args.time_limit, args.seed))
        except ForgeError as err:  # e.g. a budget too short on a busy machine: report it, go on
            print(f"failed {name}: {err}", flush=True)
            continue
        print(f"done {name}: {json.dumps(results[-1])}", flush=True)
    print(f"\ncpu cores: {os.cpu_count()}, time limit {args.time_limit:g} s, seed {args.seed}\n")
    print(_table(results))
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

"""The JSON-lines results file: one row per (framework, dataset, budget, seed) run. Rows are only
ever appended; a later row for the same key replaces an earlier one when read, so a re-run wins.

Example:
    rows = read_rows([Path("results/peers-60s.jsonl")])
    done = completed_keys(rows)
    run_key("flaml", "adult", 60, 0) in done
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runners._runner import jsonable  # one definition, shared with the runners

Key = tuple[str, str, float, int]


def run_key(framework: str, dataset: str, time_limit: float, seed: int) -> Key:
    return (str(framework), str(dataset), float(time_limit), int(seed))


def row_key(row: dict[str, Any]) -> Key:
    return run_key(row["framework"], row["dataset"], row["time_limit"], row["seed"])


def read_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Rows of every file in order, the last row of each key kept (in the place of the first).
    Blank and unreadable lines (a run killed mid-write) are skipped."""
    latest: dict[Key, dict[str, Any]] = {}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                key = row_key(row)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
            latest[key] = row
    return list(latest.values())


def completed_keys(rows: Iterable[dict[str, Any]], rerun_failed: bool = False) -> set[Key]:
    """Keys ``--resume`` skips: every row's, or only successful ones' with ``rerun_failed``."""
    return {row_key(r) for r in rows if r.get("ok") or not rerun_failed}


def append_row(path: Path, row: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(jsonable(row)) + "\n")

"""The datasets and the split every framework gets: ``run_datasets.py``'s seeded 75/25 split
(stratified for classification), written once per dataset as ``train.parquet`` (features and
target) and ``test.parquet`` (features only: no framework ever sees the test targets, which stay
in the harness's memory).

Strings are written as plain Python strings (object dtype, missing = None) so any pandas reads
them alike; a classification target is written as strings (``str(label)``), which is the class
naming the harness scores with; a regression target as float.

Example:
    split = prepare_split(entry, datasets_dir, seed=0, reader="forgeml", folder=tmp)
    split.train_path, split.test_path, split.y_test
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from run_datasets import label_strings, load_split

sys.path.pop(0)

DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@dataclass
class PreparedSplit:
    name: str
    task: str
    target: str
    positive: str | None
    train_path: Path
    test_path: Path
    y_train: np.ndarray
    y_test: np.ndarray
    dropped_missing_target: int


def load_manifest(datasets_dir: Path) -> list[dict[str, Any]]:
    with open(datasets_dir / "manifest.json", encoding="utf-8") as fh:
        return list(json.load(fh)["datasets"])


def select(entries: list[dict[str, Any]], names: str) -> list[dict[str, Any]]:
    """The entries named in the comma-separated ``names`` (all when empty), in manifest order."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        return entries
    known = {e["name"] for e in entries}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValueError(f"unknown datasets {unknown}; known: {', '.join(sorted(known))}")
    return [e for e in entries if e["name"] in wanted]


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """String-like columns as object dtype with None for missing; other columns unchanged."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s):
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def default_reader() -> str:
    """``forgeml`` (forgeml's pyarrow reader, as ``run_datasets.py``) when forgeml is importable."""
    try:
        import forgeml.data  # noqa: F401
    except ImportError:
        return "pandas"
    return "forgeml"


def prepare_split(entry: dict[str, Any], datasets_dir: Path, seed: int, reader: str, folder: Path) -> PreparedSplit:
    """Split one dataset and write the two files the runners read into ``folder``."""
    split = load_split(entry, datasets_dir, seed, reader)
    target, task = split.target, split.task
    train, test = plain_frame(split.train), plain_frame(split.test)
    if task == "regression":
        y_train = pd.to_numeric(train[target]).to_numpy(dtype=float)
        y_test = pd.to_numeric(test[target]).to_numpy(dtype=float)
    else:
        y_train, y_test = label_strings(train[target]), label_strings(test[target])
    train = train.assign(**{target: y_train})
    folder.mkdir(parents=True, exist_ok=True)
    train_path, test_path = folder / "train.parquet", folder / "test.parquet"
    train.reset_index(drop=True).to_parquet(train_path, index=False)
    test.drop(columns=[target]).reset_index(drop=True).to_parquet(test_path, index=False)
    positive = entry.get("positive_class")
    return PreparedSplit(
        name=str(entry["name"]),
        task=task,
        target=target,
        positive=None if positive is None else str(positive),
        train_path=train_path,
        test_path=test_path,
        y_train=y_train,
        y_test=y_test,
        dropped_missing_target=split.dropped_missing_target,
    )

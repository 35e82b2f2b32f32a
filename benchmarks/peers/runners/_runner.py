"""What every runner shares. A runner is executed by its framework's own python (a peer's venv has
no forgeml), so this module uses only the standard library, numpy and pandas.

The harness calls ``python <runner>.py --train train.parquet --test test.parquet --target y
--task binary --metric roc_auc --time-limit 60 --seed 0 --n-jobs 2 --out-dir DIR``. ``train.parquet``
holds the training part with its target; ``test.parquet`` holds the test features only. The runner
writes ``DIR/predictions.parquet`` (one float column per class, named by the class label, for
classification; one ``prediction`` column for regression) and ``DIR/result.json`` (``ok``, version,
``fit_seconds``, ``predict_seconds``, ``startup_seconds``, ``classes`` in column order, ``info``; on
failure ``error`` and ``traceback``, with the timings measured so far).

Example:
    def fit_predict(job: Job) -> Predictions:
        with job.timed("fit"):
            model = fit(job.train, job.target)
        with job.timed("predict"):
            return Predictions.from_proba(model.predict_proba(job.x_test), model.classes_)

    if __name__ == "__main__":
        main("myframework", fit_predict)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PREDICTIONS_FILE = "predictions.parquet"
RESULT_FILE = "result.json"
REGRESSION_COLUMN = "prediction"


@dataclass
class Job:
    """One fit/predict: the data, the settings and the timings measured so far."""

    train: pd.DataFrame
    x_test: pd.DataFrame
    target: str
    task: str
    metric: str
    time_limit: float
    seed: int
    n_jobs: int
    out_dir: Path
    memory_mb: int | None
    times: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    version: str | None = None

    @property
    def classification(self) -> bool:
        return self.task != "regression"

    @property
    def x_train(self) -> pd.DataFrame:
        return self.train.drop(columns=[self.target])

    @property
    def y_train(self) -> pd.Series:
        return self.train[self.target]

    @contextlib.contextmanager
    def timed(self, key: str) -> Iterator[None]:
        """Add the wall-clock seconds of the block to ``times[key]`` (even when it raises)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[key] = self.times.get(key, 0.0) + time.perf_counter() - start


@dataclass
class Predictions:
    """Test predictions: a (rows x classes) probability matrix with its class order, or values."""

    values: np.ndarray
    classes: list[str] | None = None

    @classmethod
    def from_proba(cls, proba: Any, classes: Sequence[Any]) -> Predictions:
        return cls(np.asarray(proba, dtype=float), [str(c) for c in classes])

    @classmethod
    def from_values(cls, values: Any) -> Predictions:
        return cls(np.asarray(values, dtype=float).reshape(-1))

    def frame(self) -> pd.DataFrame:
        if self.classes is None:
            return pd.DataFrame({REGRESSION_COLUMN: self.values})
        if self.values.ndim != 2 or self.values.shape[1] != len(self.classes):
            raise ValueError(f"probabilities of shape {self.values.shape} do not match {len(self.classes)} classes")
        return pd.DataFrame(self.values, columns=self.classes)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="one framework, one dataset: fit on train, predict test")
    p.add_argument("--train", type=Path, required=True)
    p.add_argument("--test", type=Path, required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--task", choices=("binary", "multiclass", "regression"), required=True)
    p.add_argument("--metric", required=True, help="the metric in the framework's own spelling")
    p.add_argument("--time-limit", type=float, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--memory-mb", type=int, default=None)
    p.add_argument("--out-dir", type=Path, required=True)
    return p.parse_args(argv)


def load_job(args: argparse.Namespace) -> Job:
    train = pd.read_parquet(args.train)
    x_test = pd.read_parquet(args.test)
    if args.target in x_test.columns:
        raise ValueError(f"the test features file contains the target column {args.target!r}")
    return Job(
        train=train,
        x_test=x_test,
        target=args.target,
        task=args.task,
        metric=args.metric,
        time_limit=args.time_limit,
        seed=args.seed,
        n_jobs=args.n_jobs,
        out_dir=args.out_dir,
        memory_mb=args.memory_mb,
    )


def jsonable(value: Any) -> Any:
    """numpy scalars, non-finite floats and nested containers made JSON-safe."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def main(framework: str, fit_predict: Callable[[Job], Predictions], argv: Sequence[str] | None = None) -> int:
    """Run ``fit_predict`` on the job described by the command line; write the prediction file and
    ``result.json``. Exit status 0 on success, 1 on failure (the error is in ``result.json``)."""
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"ok": False, "framework": framework}
    job: Job | None = None
    try:
        job = load_job(args)
        preds = fit_predict(job)
        frame = preds.frame()
        if len(frame) != len(job.x_test):
            raise ValueError(f"{len(frame)} predictions for {len(job.x_test)} test rows")
        frame.to_parquet(args.out_dir / PREDICTIONS_FILE, index=False)
        result.update(ok=True, classes=preds.classes, prediction_file=PREDICTIONS_FILE)
    except BaseException as err:  # report everything, KeyboardInterrupt / SystemExit included
        result["error"] = f"{type(err).__name__}: {err}".strip()[:2000]
        result["traceback"] = traceback.format_exc()[-4000:]
    if job is not None:
        result.update(
            version=job.version,
            fit_seconds=job.times.get("fit"),
            predict_seconds=job.times.get("predict"),
            startup_seconds=job.times.get("startup"),
            info=job.info,
        )
    (args.out_dir / RESULT_FILE).write_text(json.dumps(jsonable(result)), encoding="utf-8")
    return 0 if result["ok"] else 1

"""What runs inside a worker: fit one configuration on one fold (or on all rows, for a refit)."""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forgeml.models import get_family
from forgeml.search._dataset import TrainingData

_CACHE: dict[str, TrainingData] = {}


@dataclass(frozen=True)
class Task:
    """One unit of work. ``fold`` is a fold index, or ``None`` for a refit on every row that is
    saved under ``out_dir``."""

    data_dir: str
    trial_id: int
    family: str
    params: dict[str, Any]
    seed: int
    fold: int | None
    deadline: float | None
    feature_set: str | None = None
    n_iterations: int | None = None
    out_dir: str | None = None
    debug: bool = False


@dataclass
class TaskResult:
    trial_id: int
    fold: int | None
    pred: np.ndarray | None = None
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    n_predicted: int = 0
    best_iteration: int | None = None
    error: str | None = None
    pid: int = field(default_factory=os.getpid)


def _data(path: str) -> TrainingData:
    if path not in _CACHE:
        _CACHE.clear()
        _CACHE[path] = TrainingData.load(Path(path))
    return _CACHE[path]


def run_task(task: Task) -> TaskResult:
    """Fit ``task``'s configuration and return validation predictions (or save the refit)."""
    result = TaskResult(task.trial_id, task.fold)
    try:
        data = _data(task.data_dir)
        cls = get_family(task.family)
        X, cats = data.view(cls.encoding, task.feature_set)
        model = cls(data.task, task.params, seed=task.seed)
        if task.fold is None:
            model.fit(X, data.y, categorical=cats, deadline=task.deadline, n_iterations=task.n_iterations)
            result.fit_seconds = model.fit_seconds_
            if task.out_dir:
                model.save(task.out_dir)
        else:
            tr, va = data.folds[task.fold]
            model.fit(X[tr], data.y[tr], categorical=cats, X_val=X[va], y_val=data.y[va], deadline=task.deadline)
            result.fit_seconds = model.fit_seconds_
            t0 = time.perf_counter()
            result.pred = model.predict(X[va])
            result.predict_seconds = time.perf_counter() - t0
            result.n_predicted = len(va)
        result.best_iteration = model.best_iteration_
    except Exception as err:  # a failed trial is data, not a crash
        if task.debug:
            raise
        result.error = f"{type(err).__name__}: {err}"
        result.pred = None
        if os.environ.get("FORGEML_DEBUG"):
            result.error += "\n" + traceback.format_exc()
    return result


def warm_up() -> int:
    """Import the heavy libraries in a fresh worker; returns its pid."""
    import forgeml.models  # noqa: F401

    return os.getpid()

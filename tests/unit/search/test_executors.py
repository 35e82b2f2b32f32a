"""Executors: the process pool runs tasks in other processes, can be killed and stays usable."""

from __future__ import annotations

import os
from concurrent.futures import CancelledError
from pathlib import Path

import numpy as np
import pytest
from joblib.externals.loky.process_executor import TerminatedWorkerError

from forgeml.data import make_folds
from forgeml.models import TaskInfo
from forgeml.search import ProcessExecutor, SerialExecutor, Task, TrainingData


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    d = tmp_path_factory.mktemp("data")
    TrainingData(
        matrices={"native": X, "dense": X},
        categorical={"native": [], "dense": []},
        sources={"native": list("abc"), "dense": list("abc")},
        y=y,
        folds=make_folds(y, "binary", 3, 0),
        task=TaskInfo("binary", 2),
    ).save(d)
    return str(d)


def test_serial_and_process_executors_agree(data_dir: str) -> None:
    task = Task(data_dir, 0, "linear", {"alpha": 1.0}, 0, 1, None)
    serial = SerialExecutor().submit(task).result()
    with ProcessExecutor(1) as ex:
        remote = ex.submit(task).result()
    assert remote.pid != os.getpid()
    assert remote.error is None and serial.error is None
    np.testing.assert_allclose(remote.pred, serial.pred)


def test_kill_fails_running_tasks_and_the_pool_recovers(data_dir: str) -> None:
    with ProcessExecutor(1) as ex:
        slow = ex.submit(Task(data_dir, 0, "random_forest", {"n_estimators": 1000}, 0, 0, None))
        ex.kill()
        with pytest.raises((TerminatedWorkerError, CancelledError, RuntimeError)):
            slow.result(timeout=30)
        ok = ex.submit(Task(data_dir, 1, "linear", {"alpha": 1.0}, 0, 0, None)).result(timeout=60)
        assert ok.error is None


def test_a_failing_task_is_a_result_not_an_exception(data_dir: str) -> None:
    res = SerialExecutor().submit(Task(data_dir, 0, "linear", {"alpha": -1.0}, 0, 0, None)).result()
    assert res.error and res.pred is None


def test_refit_task_saves_the_model(data_dir: str, tmp_path: Path) -> None:
    res = (
        SerialExecutor()
        .submit(Task(data_dir, 0, "lightgbm", {}, 0, None, None, n_iterations=5, out_dir=str(tmp_path / "m")))
        .result()
    )
    assert res.error is None and (tmp_path / "m" / "model.json").exists()

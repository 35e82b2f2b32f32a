"""H2O: a local H2O cluster (``h2o.init(nthreads, max_mem_size)``, java from PATH, on a free port,
its files under the run's folder), ``H2OAutoML(max_runtime_secs, seed, sort_metric).train(...)``,
then the leader's ``predict``. Run by ``.venvs/h2o/bin/python``.

Column types are fixed from the training part (strings -> enum, numbers -> real, datetimes ->
time) and used for both frames, so train and test parse alike. Starting the JVM is timed as
``startup``, not as fit; uploading the training frame is part of fit, the test frame of predict."""

from __future__ import annotations

import contextlib
import socket
import sys
from typing import Any

import pandas as pd
from _runner import Job, Predictions, main

DEFAULT_MEMORY_MB = 8192


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def column_types(frame: pd.DataFrame) -> dict[str, str]:
    types: dict[str, str] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            types[col] = "enum"
        elif pd.api.types.is_datetime64_any_dtype(s):
            types[col] = "time"
        elif pd.api.types.is_numeric_dtype(s):
            types[col] = "real"
        else:
            types[col] = "enum"
    return types


def fit_predict(job: Job) -> Predictions:
    import h2o
    from h2o.automl import H2OAutoML

    job.version = h2o.__version__
    h2o.no_progress()
    memory = job.memory_mb or DEFAULT_MEMORY_MB
    with job.timed("startup"):
        h2o.init(
            nthreads=job.n_jobs,
            max_mem_size=f"{memory}M",
            port=free_port(),
            ice_root=str(job.out_dir),
            log_dir=str(job.out_dir / "h2o-logs"),
            strict_version_check=False,
        )
    try:
        return _fit_predict(job, h2o, H2OAutoML)
    finally:
        with contextlib.suppress(Exception):
            h2o.cluster().shutdown()


def _fit_predict(job: Job, h2o: Any, automl_cls: Any) -> Predictions:
    types = column_types(job.train)
    if job.classification:
        types[job.target] = "enum"
    test_types = {c: t for c, t in types.items() if c != job.target}
    with job.timed("fit"):
        train = h2o.H2OFrame(job.train, column_types=types)
        aml = automl_cls(max_runtime_secs=round(job.time_limit), seed=job.seed, sort_metric=job.metric)
        aml.train(y=job.target, training_frame=train)
    with job.timed("predict"):
        test = h2o.H2OFrame(job.x_test, column_types=test_types)
        out = aml.leader.predict(test).as_data_frame(use_multi_thread=False)
    job.info.update(leader=aml.leader.model_id, models=int(aml.leaderboard.nrows))
    if not job.classification:
        return Predictions.from_values(out["predict"])
    # probability columns follow the response's level order (H2O renames numeric-looking levels "p1")
    levels = train[job.target].levels()[0]
    proba = out.iloc[:, 1:]
    if proba.shape[1] != len(levels):
        raise ValueError(f"H2O returned {proba.shape[1]} probability columns for {len(levels)} levels {levels}")
    return Predictions.from_proba(proba.to_numpy(dtype=float), levels)


if __name__ == "__main__":
    sys.exit(main("h2o", fit_predict))

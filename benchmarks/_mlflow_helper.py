"""Runs inside ``benchmarks/.venv-mlflow`` for ``serving.py``: fits the comparison pipeline on the
same training rows, saves it as an MLflow model (``mlflow.sklearn.save_model``, skops format, with a
signature inferred from the training rows) and times MLflow's in-process ``pyfunc`` prediction.

``python _mlflow_helper.py WORKDIR`` reads ``WORKDIR/train.parquet``, ``rows.json`` (request rows)
and ``batch.parquet`` (the 100k-row batch), writes ``WORKDIR/mlflow-model`` and prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from _common import TARGET, baseline_pipeline, timed


def main() -> None:
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature

    work = Path(sys.argv[1])
    train = pd.read_parquet(work / "train.parquet")
    X, y = train.drop(columns=[TARGET]), train[TARGET]
    pipe = baseline_pipeline(X).fit(X, y)
    model_dir = work / "mlflow-model"
    signature = infer_signature(X.head(100), pipe.predict(X.head(100)))
    import skops.io as sio  # MLflow saves scikit-learn models with skops: trust exactly what it holds

    trusted = sio.get_untrusted_types(data=sio.dumps(pipe))
    mlflow.sklearn.save_model(pipe, model_dir, signature=signature, skops_trusted_types=trusted)

    model = mlflow.pyfunc.load_model(str(model_dir))
    rows = json.loads((work / "rows.json").read_text())
    first = model.predict(pd.DataFrame.from_records(rows))
    out = {
        "mlflow_version": mlflow.__version__,
        "predictions": [str(v) for v in first],
        "single_row": timed(lambda i: model.predict(pd.DataFrame.from_records([rows[i % len(rows)]])), 300),
    }
    batch = pd.read_parquet(work / "batch.parquet")
    t = time.perf_counter()
    model.predict(batch)
    out["batch_rows_per_s"] = round(len(batch) / (time.perf_counter() - t))
    print("MLFLOW_JSON " + json.dumps(out))


if __name__ == "__main__":
    main()

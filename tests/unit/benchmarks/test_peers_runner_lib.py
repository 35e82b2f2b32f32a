"""The runners' shared protocol: what a runner writes when it succeeds, when its framework
raises, and when it returns predictions that do not fit the test part."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _runner import Job, Predictions, main
from h2o_runner import column_types


@pytest.fixture()
def files(tmp_path: Path) -> list[str]:
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", None, "b"], "y": ["p", "q", "p"]})
    train.to_parquet(tmp_path / "train.parquet", index=False)
    train.drop(columns=["y"]).to_parquet(tmp_path / "test.parquet", index=False)
    return [
        *("--train", str(tmp_path / "train.parquet"), "--test", str(tmp_path / "test.parquet")),
        *("--target", "y", "--task", "binary", "--metric", "roc_auc", "--time-limit", "5"),
        *("--out-dir", str(tmp_path / "out")),
    ]


def result_of(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))


def test_success_writes_predictions_with_class_order_and_timings(tmp_path: Path, files: list[str]) -> None:
    def fit_predict(job: Job) -> Predictions:
        assert job.target not in job.x_test.columns and list(job.x_train.columns) == ["x", "c"]
        with job.timed("fit"):
            job.version = "9.9"
        with job.timed("predict"):
            return Predictions.from_proba(np.tile([0.25, 0.75], (len(job.x_test), 1)), ["q", "p"])

    assert main("fake", fit_predict, files) == 0
    result = result_of(tmp_path)
    assert result["ok"] is True and result["classes"] == ["q", "p"] and result["version"] == "9.9"
    assert result["fit_seconds"] >= 0 and result["predict_seconds"] >= 0
    preds = pd.read_parquet(tmp_path / "out" / "predictions.parquet")
    assert list(preds.columns) == ["q", "p"] and preds["p"].tolist() == [0.75] * 3


def test_a_raising_framework_is_reported_with_its_error(tmp_path: Path, files: list[str]) -> None:
    def fit_predict(job: Job) -> Predictions:
        with job.timed("fit"):
            raise MemoryError("model too big")

    assert main("fake", fit_predict, files) == 1
    result = result_of(tmp_path)
    assert result["ok"] is False and result["error"] == "MemoryError: model too big"
    assert "Traceback" in result["traceback"] and result["fit_seconds"] is not None
    assert not (tmp_path / "out" / "predictions.parquet").exists()


@pytest.mark.parametrize(
    ("preds", "message"),
    [
        (Predictions.from_values([1.0, 2.0]), "2 predictions for 3 test rows"),
        (Predictions.from_proba(np.ones((3, 3)) / 3, ["p", "q"]), "do not match 2 classes"),
    ],
)
def test_predictions_that_do_not_fit_the_test_part_fail_the_run(
    tmp_path: Path, files: list[str], preds: Predictions, message: str
) -> None:
    assert main("fake", lambda job: preds, files) == 1
    assert message in result_of(tmp_path)["error"]


def test_h2o_column_types_follow_the_training_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "n": [1, 2],
            "f": [0.5, None],
            "s": ["a", None],
            "b": [True, False],
            "t": pd.to_datetime(["2020-01-01", "2021-01-01"]),
        }
    )
    assert column_types(frame) == {"n": "real", "f": "real", "s": "enum", "b": "enum", "t": "time"}

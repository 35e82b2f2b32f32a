"""The ``forgeml`` command from a user's seat: train, predict, leaderboard, evaluate."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forgeml.cli import app

LEADERBOARD_COLUMNS = {"model", "family", "score", "score_std", "fit_seconds", "predict_seconds_per_1k", "params"}


def test_train_json_summary_and_model_folder(credit_model: tuple[Path, dict]) -> None:
    folder, summary = credit_model
    assert {"model_path", "cv_score", "leaderboard"} <= summary.keys()
    assert Path(summary["model_path"]) == folder
    assert summary["task"] == "binary"
    assert summary["metric"] == "roc_auc"
    assert 0.5 < summary["cv_score"] <= 1.0
    assert summary["trials"]["complete"] >= 1
    assert sum(summary["trials"].values()) == 3
    rows = summary["leaderboard"]
    assert rows and rows[0].keys() >= LEADERBOARD_COLUMNS
    assert {r["family"] for r in rows} <= {"lightgbm", "linear", "ensemble"}

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["task"] == "binary" and manifest["target"] == "default"
    schema = json.loads((folder / "schema.json").read_text())
    assert schema["target"]["name"] == "default"
    board = pd.read_csv(folder / "leaderboard.csv")
    assert set(board.columns) >= LEADERBOARD_COLUMNS
    assert len(board) >= 3


def test_train_human_output_and_quiet(tmp_path: Path, runner: CliRunner, write_csv, frames) -> None:
    data = write_csv(frames["binary"](n=120))
    out = tmp_path / "m"
    result = runner.invoke(
        app, ["train", str(data), "--target", "y", "--max-trials", "2", "--families", "linear", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Leaderboard" in result.stdout and "Saved" in result.stdout and "roc_auc" in result.stdout
    assert (out / "manifest.json").is_file()

    quiet_out = tmp_path / "q"
    result = runner.invoke(
        app,
        [
            "train",
            str(data),
            "--target",
            "y",
            "--max-trials",
            "2",
            "--families",
            "linear",
            "--out",
            str(quiet_out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(quiet_out)


def test_train_cli_options_are_applied(tmp_path: Path, runner: CliRunner, write_csv, frames) -> None:
    df = frames["binary"](n=160)
    df["store"] = np.arange(len(df)) % 8  # int column forced to categorical with --column
    df["team"] = np.arange(len(df)) // 20  # group column
    data = write_csv(df)
    out = tmp_path / "m"
    result = runner.invoke(
        app,
        [
            "train",
            str(data),
            "--target",
            "y",
            "--task",
            "binary",
            "--metric",
            "accuracy",
            "--search",
            "random",
            "--max-trials",
            "3",
            "--seed",
            "3",
            "--families",
            "linear",
            "--column",
            "store=categorical",
            "--group-column",
            "team",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["metric"] == "accuracy"
    schema = json.loads((out / "schema.json").read_text())
    roles = {c["name"]: c["role"] for c in schema["columns"]}
    assert roles["store"] == "categorical"
    assert schema["group_column"] == "team"
    assert roles.get("team") not in ("numeric", "categorical", "boolean", "datetime", "text")
    config = json.loads((out / "manifest.json").read_text())["info"]["config"]
    assert config["seed"] == 3 and config["search"] == "random" and config["families"] == ["linear"]


def test_train_with_time_column(tmp_path: Path, runner: CliRunner, write_csv, frames) -> None:
    df = frames["regression"](n=200).drop(columns=["description"])
    data = write_csv(df)
    out = tmp_path / "m"
    result = runner.invoke(
        app,
        [
            "train",
            str(data),
            "--target",
            "price",
            "--time-column",
            "day",
            "--max-trials",
            "2",
            "--families",
            "lightgbm",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    schema = json.loads((out / "schema.json").read_text())
    assert schema["time_column"] == "day"
    feats = [
        c["name"] for c in schema["columns"] if c["role"] in ("numeric", "categorical", "boolean", "datetime", "text")
    ]
    assert "day" not in feats


def test_predict_csv_parquet_and_proba(credit_model, credit_path: Path, tmp_path: Path, runner: CliRunner) -> None:
    folder, _ = credit_model
    csv_out = tmp_path / "pred.csv"
    result = runner.invoke(app, ["predict", str(folder), str(credit_path), "-o", str(csv_out), "--proba"])
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(csv_out)
    assert list(pred.columns) == ["prediction", "proba_1", "proba_2"]
    assert len(pred) == 1000
    assert set(pred["prediction"].unique()) <= {1, 2}
    assert pred["prediction"].dtype.kind == "i"
    np.testing.assert_allclose(pred["proba_1"] + pred["proba_2"], 1.0, atol=1e-6)
    # the predicted label is the more probable class
    expected = np.where(pred["proba_2"] > pred["proba_1"], 2, 1)
    assert (pred["prediction"].to_numpy() == expected).mean() > 0.99

    pq_out = tmp_path / "pred.parquet"
    result = runner.invoke(app, ["predict", str(folder), str(credit_path), "-o", str(pq_out)])
    assert result.exit_code == 0, result.output
    pq = pd.read_parquet(pq_out)
    assert list(pq.columns) == ["prediction"]
    assert pq["prediction"].tolist() == pred["prediction"].tolist()


def test_predict_to_stdout(credit_model, credit_df: pd.DataFrame, write_csv, runner: CliRunner) -> None:
    folder, _ = credit_model
    data = write_csv(credit_df.drop(columns=["default"]).head(25))
    result = runner.invoke(app, ["predict", str(folder), str(data)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "prediction"
    assert len(lines) == 26
    assert set(lines[1:]) <= {"1", "2"}


def test_leaderboard_command(credit_model, runner: CliRunner) -> None:
    folder, summary = credit_model
    result = runner.invoke(app, ["leaderboard", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0].keys() >= LEADERBOARD_COLUMNS
    assert [r["model"] for r in rows] == [r["model"] for r in summary["leaderboard"]]

    result = runner.invoke(app, ["leaderboard", str(folder), "--all"])
    assert result.exit_code == 0, result.output
    assert "Leaderboard" in result.stdout
    for r in rows:
        assert r["model"] in result.stdout


def test_evaluate_classification(credit_model, credit_path: Path, runner: CliRunner) -> None:
    folder, _ = credit_model
    result = runner.invoke(app, ["evaluate", str(folder), str(credit_path)])
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.stdout and "confusion matrix" in result.stdout

    result = runner.invoke(app, ["evaluate", str(folder), str(credit_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n_rows"] == 1000
    assert report["metrics"]["roc_auc"] > 0.7  # in-sample on the training rows
    cm = report["confusion_matrix"]
    assert cm["labels"] == ["1", "2"]
    assert np.array(cm["matrix"]).sum() == 1000


def test_evaluate_regression(tmp_path: Path, runner: CliRunner, write_csv, frames) -> None:
    data = write_csv(frames["regression"](n=200))
    out = tmp_path / "m"
    result = runner.invoke(
        app,
        [
            "train",
            str(data),
            "--target",
            "price",
            "--max-trials",
            "2",
            "--families",
            "linear",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(out), str(data)])
    assert result.exit_code == 0, result.output
    assert "rmse" in result.stdout and "residuals:" in result.stdout
    result = runner.invoke(app, ["evaluate", str(out), str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "regression"
    assert {"mean", "std", "abs_p50", "abs_p90", "max_abs"} <= report["residuals"].keys()
    assert "confusion_matrix" not in report
    result = runner.invoke(app, ["predict", str(out), str(data), "--proba"])
    assert result.exit_code == 1 and "classification" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(app, ["predict", str(out), str(data)])
    assert result.exit_code == 0, result.output
    values = pd.read_csv(io.StringIO(result.stdout))["prediction"]
    assert len(values) == 200 and np.isfinite(values).all()


@pytest.mark.parametrize("search", ["grid", "random"])
def test_cli_search_kinds_show_in_leaderboard(
    search: str, tmp_path: Path, runner: CliRunner, write_csv, frames
) -> None:
    data = write_csv(frames["binary"](n=120))
    out = tmp_path / "m"
    # linear has 3 portfolio defaults, so trials 4 and 5 come from the search strategy
    result = runner.invoke(
        app,
        [
            "train",
            str(data),
            "--target",
            "y",
            "--search",
            search,
            "--max-trials",
            "5",
            "--families",
            "linear",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert search in set(board["source"]), board[["model", "source"]]

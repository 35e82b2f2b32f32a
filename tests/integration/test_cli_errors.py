"""User mistakes on the command line: exit code 1, one line on stderr naming the thing, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from forgeml.cli import app

FAST = ["--max-trials", "2", "--families", "linear"]


def _train(runner: CliRunner, data: Path | str, *args: str) -> object:
    return runner.invoke(app, ["train", str(data), *args])


def test_missing_data_file(runner, tmp_path, user_error) -> None:
    missing = tmp_path / "nope.csv"
    user_error(
        _train(runner, missing, "--target", "y", *FAST, "--out", str(tmp_path / "m")), "nope.csv", "does not exist"
    )


def test_empty_file_header_only(runner, write_csv, tmp_path, user_error) -> None:
    data = write_csv("a,b,y\n", "empty.csv")
    user_error(_train(runner, data, "--target", "y", *FAST, "--out", str(tmp_path / "m")), "empty.csv", "empty")


def test_xlsx_is_rejected(runner, write_csv, tmp_path, user_error) -> None:
    data = write_csv("not really a spreadsheet", "book.xlsx")
    user_error(
        _train(runner, data, "--target", "y", *FAST, "--out", str(tmp_path / "m")), "book.xlsx", "csv", "parquet"
    )


def test_missing_target_suggests_close_match(runner, credit_path, tmp_path, user_error) -> None:
    result = _train(runner, credit_path, "--target", "defualt", *FAST, "--out", str(tmp_path / "m"))
    user_error(result, "'defualt'", "did you mean 'default'")


def test_target_with_one_class(runner, write_csv, frames, tmp_path, user_error) -> None:
    df = frames["binary"](n=60).assign(y="yes")
    user_error(_train(runner, write_csv(df), "--target", "y", *FAST, "--out", str(tmp_path / "m")), "'y'", "class")


def test_target_all_missing(runner, write_csv, frames, tmp_path, user_error) -> None:
    df = frames["binary"](n=60).assign(y=None)
    user_error(_train(runner, write_csv(df), "--target", "y", *FAST, "--out", str(tmp_path / "m")), "'y'", "missing")


def test_time_limit_too_short(runner, credit_path, tmp_path, user_error) -> None:
    result = _train(runner, credit_path, "--target", "default", "--time-limit", "0.5s", "--out", str(tmp_path / "m"))
    user_error(result, "time limit")
    assert not (tmp_path / "m").exists()


def test_bad_search_value(runner, credit_path, tmp_path, user_error) -> None:
    result = _train(runner, credit_path, "--target", "default", "--search", "fast", "--out", str(tmp_path / "m"))
    user_error(result, "search", "'fast'", "bayes")


def test_bad_column_spec(runner, credit_path, tmp_path, user_error) -> None:
    result = _train(
        runner, credit_path, "--target", "default", *FAST, "--column", "amount", "--out", str(tmp_path / "m")
    )
    user_error(result, "--column", "NAME=ROLE", "'amount'")


def test_bad_column_role(runner, credit_path, tmp_path, user_error) -> None:
    result = _train(
        runner, credit_path, "--target", "default", *FAST, "--column", "amount=money", "--out", str(tmp_path / "m")
    )
    user_error(result, "amount", "'money'", "categorical")


def test_predict_model_folder_missing(runner, credit_path, tmp_path, user_error) -> None:
    result = runner.invoke(app, ["predict", str(tmp_path / "no-model"), str(credit_path)])
    user_error(result, "no-model")


def test_predict_missing_feature_column(runner, credit_model, credit_df, write_csv, user_error) -> None:
    folder, _ = credit_model
    data = write_csv(credit_df.drop(columns=["amount", "default"]).head(20))
    user_error(runner.invoke(app, ["predict", str(folder), str(data)]), "'amount'")


def test_predict_wrong_typed_value(runner, credit_model, credit_df, write_csv, user_error) -> None:
    folder, _ = credit_model
    df = credit_df.drop(columns=["default"]).head(20).astype({"amount": object})
    df.loc[7, "amount"] = "abc"
    result = runner.invoke(app, ["predict", str(folder), str(write_csv(df))])
    user_error(result, "row 7", "'amount'", "'abc'")


def test_model_from_newer_format(runner, credit_model, credit_path, tmp_path, user_error) -> None:
    folder, _ = credit_model
    newer = tmp_path / "newer-model"
    shutil.copytree(folder, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["format_version"] = 999
    (newer / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(app, ["predict", str(newer), str(credit_path)])
    user_error(result, "999", "upgrade")
    user_error(runner.invoke(app, ["leaderboard", str(newer)]), "999", "upgrade")


def test_evaluate_without_target_column(runner, credit_model, credit_df, write_csv, user_error) -> None:
    folder, _ = credit_model
    data = write_csv(credit_df.drop(columns=["default"]).head(20))
    user_error(runner.invoke(app, ["evaluate", str(folder), str(data)]), "'default'")


def test_predict_bad_output_extension(runner, credit_model, credit_path, tmp_path, user_error) -> None:
    folder, _ = credit_model
    result = runner.invoke(app, ["predict", str(folder), str(credit_path), "-o", str(tmp_path / "p.xlsx")])
    user_error(result, "p.xlsx")


def test_real_console_script_prints_one_line(credit_path, tmp_path) -> None:
    """The installed ``forgeml`` script: a ForgeError is one stderr line, no traceback, exit code 1."""
    script = shutil.which("forgeml") or str(Path(sys.executable).parent / "forgeml")
    assert Path(script).exists(), f"console script not installed next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run(
        [script, "train", str(credit_path), "--target", "defualt", "--max-trials", "2", "--out", str(tmp_path / "m")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    flat = " ".join(line.strip() for line in proc.stderr.strip().splitlines())
    assert "'defualt'" in flat and "'default'" in flat, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, f"stderr has several lines:\n{proc.stderr}"


def test_credit_frame_fixture_matches_file(credit_df: pd.DataFrame) -> None:
    # guards the other tests' assumptions about the example
    assert credit_df.shape == (1000, 21)
    assert sorted(credit_df["default"].unique()) == [1, 2]


def test_error_message_keeps_square_brackets(runner, credit_path, tmp_path, user_error) -> None:
    """Column names such as 'price[usd]' or 'size[/cm]' must appear verbatim (not eaten as console markup)."""
    for name in ("price[usd]", "size[/cm]"):
        result = _train(runner, credit_path, "--target", name, *FAST, "--out", str(tmp_path / "m"))
        user_error(result, f"'{name}'")


def test_predict_output_folder_missing(runner, credit_model, credit_path, tmp_path, user_error) -> None:
    folder, _ = credit_model
    result = runner.invoke(app, ["predict", str(folder), str(credit_path), "-o", str(tmp_path / "nodir" / "p.csv")])
    user_error(result, "nodir")


def test_train_out_is_an_existing_file(runner, write_csv, frames, tmp_path, user_error) -> None:
    data = write_csv(frames["binary"](n=80))
    target = tmp_path / "afile"
    target.write_text("keep me")
    user_error(_train(runner, data, "--target", "y", *FAST, "--out", str(target)), "afile")
    assert target.read_text() == "keep me"


def test_train_never_wipes_a_folder_that_is_not_a_model(runner, write_csv, frames, tmp_path) -> None:
    """--out pointing at a user's folder must not delete their files; retraining into a model folder is fine."""
    data = write_csv(frames["binary"](n=80))
    model = tmp_path / "model"
    for _ in range(2):  # replacing an existing model folder works
        result = _train(runner, data, "--target", "y", *FAST, "--out", str(model), "--quiet")
        assert result.exit_code == 0, result.output
    precious = tmp_path / "project"
    precious.mkdir()
    (precious / "notes.txt").write_text("my work")
    result = _train(runner, data, "--target", "y", *FAST, "--out", str(precious), "--quiet")
    assert (precious / "notes.txt").exists(), "forgeml train deleted an unrelated folder given as --out"
    assert "Traceback" not in result.output


def test_evaluate_with_label_the_model_never_saw(runner, credit_model, credit_df, write_csv, user_error) -> None:
    folder, _ = credit_model
    df = credit_df.head(30).copy()
    df.loc[4, "default"] = 3
    result = runner.invoke(app, ["evaluate", str(folder), str(write_csv(df))])
    assert "np.int64" not in result.stderr, f"numpy repr leaks into the message: {result.stderr}"
    user_error(result, "'default'", "3")

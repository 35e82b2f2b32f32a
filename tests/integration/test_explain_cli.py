"""``forgeml explain MODEL DATA``: top contributions per row, as JSON, CSV or Parquet, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forgeml.cli import app


@pytest.fixture(scope="module")
def rows_csv(tmp_path_factory: pytest.TempPathFactory, credit_df: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("explain") / "rows.csv"
    credit_df.drop(columns=["default"]).head(12).to_csv(path, index=False)
    return path


def test_explain_prints_json_that_adds_up(runner, credit_model, rows_csv: Path) -> None:
    model, _ = credit_model
    result = runner.invoke(app, ["explain", str(model), str(rows_csv), "--top", "3"])
    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    assert len(explained) == 12
    predictions = runner.invoke(app, ["predict", str(model), str(rows_csv), "--proba"])
    proba = pd.read_csv(pd.io.common.StringIO(predictions.stdout))
    for row, (_, p) in zip(explained, proba.iterrows(), strict=True):
        assert row["explained_class"] == 2 and len(row["contributions"]) == 3  # positive class of {1, 2}
        assert row["base_value"] + sum(row["contributions"].values()) + row["rest"] == pytest.approx(row["output"])
        assert row["output"] == pytest.approx(p["proba_2"] if "proba_2" in p else p.iloc[-1], abs=1e-9)
        assert row["prediction"] == p["prediction"]


def test_explain_writes_csv_parquet_and_json(runner, credit_model, rows_csv: Path, tmp_path: Path) -> None:
    model, _ = credit_model
    for name in ("out.csv", "out.parquet", "out.json"):
        dest = tmp_path / name
        result = runner.invoke(app, ["explain", str(model), str(rows_csv), "-o", str(dest), "--class", "1"])
        assert result.exit_code == 0, result.output
        assert f"wrote explanations of 12 rows to {dest}" in result.stdout
    table = pd.read_csv(tmp_path / "out.csv")
    assert table.equals(pd.read_parquet(tmp_path / "out.parquet").astype(table.dtypes.to_dict()))
    assert list(table.columns) == ["row", "prediction", "explained_class", "output", "base_value", "rank", "feature",
                                   "contribution"]  # fmt: skip
    assert len(table) == 12 * 6 and set(table["explained_class"]) == {1}  # 5 columns and the rest, per row
    sums = table.groupby("row").agg(
        total=("contribution", "sum"), base=("base_value", "first"), out=("output", "first")
    )
    assert ((sums["total"] + sums["base"] - sums["out"]).abs() < 1e-9).all()
    assert len(json.loads((tmp_path / "out.json").read_text())) == 12


def test_explain_errors(runner, credit_model, rows_csv: Path, credit_df: pd.DataFrame, write_csv, user_error) -> None:
    model, _ = credit_model
    user_error(runner.invoke(app, ["explain", str(model), str(rows_csv), "--top", "0"]), "'--top' must be")
    user_error(runner.invoke(app, ["explain", str(model), str(rows_csv), "-o", "x.txt"]), "'-o' must end in")
    user_error(
        runner.invoke(app, ["explain", str(model), str(rows_csv), "--class", "3"]), "'class' must be one of 1, 2"
    )
    user_error(runner.invoke(app, ["explain", str(model), str(rows_csv), "--max-rows", "-1"]), "'--max-rows' must")
    short = write_csv(credit_df.drop(columns=["default", "age"]).head(3), "short.csv")
    user_error(runner.invoke(app, ["explain", str(model), str(short)]), "'age'")


def test_explain_caps_rows_and_says_so(runner, credit_model, rows_csv: Path) -> None:
    model, _ = credit_model
    result = runner.invoke(app, ["explain", str(model), str(rows_csv), "--max-rows", "5"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5
    assert "first 5 of 12 rows" in result.stderr and "--max-rows 12" in result.stderr
    every = runner.invoke(app, ["explain", str(model), str(rows_csv), "--max-rows", "0"])
    assert len(json.loads(every.stdout)) == 12 and "first" not in every.stderr

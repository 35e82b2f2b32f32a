"""``forgeml predict`` streams chunks and gives the same predictions as one in-memory call."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.integration.serving.conftest import CREDIT_G
from typer.testing import CliRunner

from forgeml.cli import app


@pytest.mark.parametrize(("src", "dest"), [("in.parquet", "out.parquet"), ("in.csv.gz", "out.csv")])
def test_chunked_predict_equals_whole_file(model_dir: Path, tmp_path: Path, src: str, dest: str) -> None:
    import forgeml

    df = pd.read_csv(CREDIT_G).drop(columns=["default"])
    path = tmp_path / src
    df.to_parquet(path, index=False) if src.endswith(".parquet") else df.to_csv(path, index=False)
    result = CliRunner().invoke(
        app, ["predict", str(model_dir), str(path), "-o", str(tmp_path / dest), "--proba", "--chunk-size", "128"]
    )
    assert result.exit_code == 0, result.output
    got = pd.read_parquet(tmp_path / dest) if dest.endswith(".parquet") else pd.read_csv(tmp_path / dest)
    automl = forgeml.load(model_dir)
    assert len(got) == len(df)
    assert got["prediction"].tolist() == automl.predict(df).tolist()
    want = automl.predict_proba(df).to_numpy()
    assert abs(got.filter(like="proba_").to_numpy() - want).max() < 1e-9


def test_bad_value_names_the_row_in_the_file(model_dir: Path, tmp_path: Path) -> None:
    df = pd.read_csv(CREDIT_G).drop(columns=["default"])
    df["age"] = df["age"].astype(str)
    df.loc[700, "age"] = "old"
    path = tmp_path / "bad.parquet"
    df.to_parquet(path, index=False)
    result = CliRunner().invoke(
        app, ["predict", str(model_dir), str(path), "-o", str(tmp_path / "o.parquet"), "--chunk-size", "256"]
    )
    assert result.exit_code == 1 and "index 700" in result.stderr and "'age'" in result.stderr

"""Typed frames built by hand, as ``forgeml.data.coerce_frame`` would produce them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forgeml.data._schema import ColumnSpec, Schema, TargetSpec

WORDS = ["red", "green", "blue", "fox", "dog", "cat", "quick", "lazy"]


def make_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    num = rng.normal(size=n)
    num[::17] = np.nan
    flag = rng.integers(0, 2, n).astype(np.float64)
    flag[::23] = np.nan
    cats = rng.choice(["a", "b", "c", "d"], size=n, p=[0.5, 0.3, 0.17, 0.03]).astype(object)
    cats[::19] = None
    cats[5] = "only-once"
    stamps = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"))
    stamps[::29] = pd.NaT
    text = [" ".join(rng.choice(WORDS, size=4)) for _ in range(n)]
    text[::31] = [""] * len(text[::31])
    return pd.DataFrame(
        {
            "num": num,
            "flag": flag,
            "cat": pd.Series(cats, dtype=object),
            "when": stamps.astype("datetime64[ns]"),
            "note": pd.Series(text, dtype=object),
        }
    )


def make_schema() -> Schema:
    return Schema(
        columns=(
            ColumnSpec("num", "numeric"),
            ColumnSpec("row_id", "identifier", reason="unique"),
            ColumnSpec("flag", "boolean"),
            ColumnSpec("cat", "categorical"),
            ColumnSpec("when", "datetime"),
            ColumnSpec("note", "text"),
        ),
        target=TargetSpec("y", "binary", classes=("no", "yes")),
    )


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_frame()


@pytest.fixture
def schema() -> Schema:
    return make_schema()


@pytest.fixture
def new_frame() -> pd.DataFrame:
    """Unseen rows from the same distribution."""
    return make_frame(50, seed=1)

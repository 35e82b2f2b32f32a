"""compare_schema: what a fresh table changes, and what stops a retrain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forgeml.data import ColumnSpec, Schema, TargetSpec, coerce_frame, profile_frame
from forgeml.errors import SchemaError, TargetError
from forgeml.retraining import compare_schema

SCHEMA = Schema(
    (ColumnSpec("age", "numeric"), ColumnSpec("plan", "categorical"), ColumnSpec("id", "identifier")),
    TargetSpec("churn", "binary", ("no", "yes")),
)


def _frame(n: int = 100, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "age": rng.normal(40, 10, size=n),
            "plan": rng.choice(["basic", "pro"], size=n),
            "churn": rng.choice(["no", "yes"], size=n),
        }
    )


PROFILE = profile_frame(coerce_frame(_frame(), SCHEMA), SCHEMA)


def test_same_data_changes_nothing() -> None:
    changes = compare_schema(SCHEMA, _frame(seed=1), PROFILE)
    assert changes.ok and changes.unchanged and changes.lines() == []
    changes.check("incremental")


def test_missing_feature_column_is_named_and_stops() -> None:
    changes = compare_schema(SCHEMA, _frame().drop(columns=["plan"]), PROFILE)
    assert changes.missing_columns == ["plan"] and not changes.ok
    with pytest.raises(SchemaError, match=r"lacks 1 feature column.*'plan'"):
        changes.check("full")


def test_dropped_columns_may_be_absent_and_new_ones_are_ignored() -> None:
    changes = compare_schema(SCHEMA, _frame().drop(columns=["id"]).assign(region="eu"), PROFILE)
    assert changes.ok and changes.new_columns == ["region"]
    assert changes.lines() == ["new column(s), ignored: region"]


def test_unseen_categories_are_counted() -> None:
    df = _frame()
    df.loc[:4, "plan"] = "enterprise"
    df.loc[5, "plan"] = "trial"
    changes = compare_schema(SCHEMA, df, PROFILE, known_categories={"plan": ["basic"]})
    assert changes.unseen_categories == {"plan": {"enterprise": 5, "trial": 1}}
    assert "unseen categories in 'plan': 'enterprise' ×5, 'trial' ×1" in changes.lines()


def test_numeric_column_now_text_is_a_type_change() -> None:
    df = _frame().astype({"age": object})
    df.loc[:2, "age"] = "unknown"
    changes = compare_schema(SCHEMA, df, PROFILE)
    assert [(t.column, t.role, t.n_bad, t.example) for t in changes.type_changes] == [
        ("age", "numeric", 3, "'unknown'")
    ]
    changes.check("full")  # a full retrain re-infers the schema
    with pytest.raises(SchemaError, match="'age' was numeric"):
        changes.check("incremental")


def test_missing_rate_changes_are_reported() -> None:
    df = _frame()
    df.loc[:49, "age"] = np.nan
    changes = compare_schema(SCHEMA, df, PROFILE)
    assert changes.missing_rates == {"age": (0.0, 0.5)}
    assert "missing rate of 'age': 0% → 50%" in changes.lines()


def test_absent_target_stops() -> None:
    changes = compare_schema(SCHEMA, _frame().drop(columns=["churn"]), PROFILE)
    with pytest.raises(TargetError, match="no target column 'churn'"):
        changes.check("full")


def test_unseen_target_classes_only_stop_incremental() -> None:
    df = _frame()
    df.loc[:2, "churn"] = "maybe"
    changes = compare_schema(SCHEMA, df, PROFILE)
    assert changes.unseen_classes == {"maybe": 3}
    changes.check("full")
    with pytest.raises(TargetError, match=r"'maybe' \(3 rows\).*--mode full"):
        changes.check("incremental")
    assert changes.to_json()["unseen_classes"] == {"maybe": 3}

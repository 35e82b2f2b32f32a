import numpy as np
import pandas as pd
import pytest

from forgeml.data import infer_schema
from forgeml.errors import ConfigError, DataError, TargetError

N = 60


def roles(schema):
    return {c.name: c.role for c in schema.columns}


def frame(**cols):
    base = {"y": np.tile([0.5, 1.7, 2.9], N // 3)}
    base.update(cols)
    return pd.DataFrame(base)


def test_roles_for_each_kind():
    rng = np.random.default_rng(0)
    df = frame(
        age=rng.integers(18, 90, N),
        income=rng.normal(size=N),
        city=np.tile(["paris", "rome", "oslo"], N // 3),
        member=np.tile(["Yes", "no"], N // 2),
        flag=np.tile([0, 1], N // 2),
        truth=np.tile([True, False], N // 2),
        empty=[None] * N,
        same=["k"] * N,
        when=pd.date_range("2020-01-01", periods=N).strftime("%Y-%m-%d"),
        stamp=pd.date_range("2021-01-01", periods=N, freq="h"),
        note=[f"the quick brown fox {i} jumps" for i in range(N)],
        code=[f"AB{i:04d}X" for i in range(N)],
        user_id=rng.permutation(N) + 1000,
        row=np.arange(N) * 3 + 7,
    )
    got = roles(infer_schema(df, "y"))
    assert got == {
        "age": "numeric",
        "income": "numeric",
        "city": "categorical",
        "member": "boolean",
        "flag": "boolean",
        "truth": "boolean",
        "empty": "constant",
        "same": "constant",
        "when": "datetime",
        "stamp": "datetime",
        "note": "text",
        "code": "identifier",
        "user_id": "identifier",
        "row": "identifier",
    }


def test_column_spec_records_dtype_and_reason():
    schema = infer_schema(frame(same=["k"] * N), "y")
    spec = schema.column("same")
    assert spec.dtype in ("str", "object")
    assert "single value 'k'" in spec.reason
    assert "y" not in [c.name for c in schema.columns]


def test_numeric_strings_do_not_look_like_dates():
    df = frame(n=np.tile(["1", "2", "3", "10", "12"], N // 5), v=np.tile(["1.5", "2.25"], N // 2))
    got = roles(infer_schema(df, "y"))
    assert got["n"] == "numeric"
    assert got["v"] == "numeric"


def test_mixed_format_dates_detected_but_codes_are_not():
    dates = np.tile(["Jan 5 2020", "5/1/2020", "2020-03-04", "March 3, 2021"], N // 4)
    codes = np.tile(["12-34", "56-78", "11-22", "33-44", "55-66", "77-88"], N // 6)
    got = roles(infer_schema(frame(d=dates, c=codes), "y"))
    assert got == {"d": "datetime", "c": "categorical"}


def test_integer_column_not_id_when_small_or_unordered():
    rng = np.random.default_rng(1)
    df = frame(score=rng.permutation(N) * 7 + 3)
    assert roles(infer_schema(df, "y"))["score"] == "numeric"


def test_notes_explain_dropped_columns():
    df = frame(id=np.arange(N))
    schema = infer_schema(df, "y")
    assert schema.column("id").role == "identifier"
    assert any("dropped identifier-like column 'id'" in n for n in schema.notes)


def test_column_types_override_and_validation():
    df = frame(zip=np.tile([10115, 20095, 80331], N // 3), junk=np.arange(N) * 1.5)
    schema = infer_schema(df, "y", column_types={"zip": "categorical", "junk": "drop"})
    assert roles(schema)["zip"] == "categorical"
    assert schema.column("junk").role == "drop"
    assert schema.feature_names == ["zip"]
    with pytest.raises(ConfigError, match=r"'nope'.*columns: 'y', 'zip', 'junk'"):
        infer_schema(df, "y", column_types={"nope": "numeric"})
    with pytest.raises(ConfigError, match=r"column_types\['zip'\]' must be one of numeric"):
        infer_schema(df, "y", column_types={"zip": "float"})
    with pytest.raises(ConfigError, match="target"):
        infer_schema(df, "y", column_types={"y": "numeric"})


def test_group_and_time_columns_are_recorded_and_dropped():
    df = frame(g=np.repeat(np.arange(6), N // 6), t=pd.date_range("2020", periods=N), x=np.arange(N) % 7)
    schema = infer_schema(df, "y", group_column="g", time_column="t")
    assert (schema.group_column, schema.time_column) == ("g", "t")
    assert schema.column("g").role == "drop" and schema.column("g").reason == "group column"
    assert schema.column("t").reason == "time column"
    assert schema.feature_names == ["x"]
    with pytest.raises(ConfigError, match=r"'group_column' must name a column.*'nope'"):
        infer_schema(df, "y", group_column="nope")
    with pytest.raises(ConfigError, match=r"'time_column' must name a column.*'when'"):
        infer_schema(df, "y", time_column="when")


def test_target_missing_suggests_closest_match():
    df = pd.DataFrame({"income": [1, 2], "age": [3, 4]})
    with pytest.raises(TargetError, match=r"'incme' is not in the data\. Did you mean 'income'\?.*'age'"):
        infer_schema(df, "incme")


def test_target_all_missing():
    df = pd.DataFrame({"x": [1, 2], "y": [None, None]})
    with pytest.raises(TargetError, match="'y' has no values"):
        infer_schema(df, "y")


def test_non_str_column_names_and_duplicates():
    schema = infer_schema(pd.DataFrame({0: [1.5, 2.5, 3.5], "y": ["a", "b", "a"]}), "y")
    assert schema.feature_names == ["0"]
    with pytest.raises(DataError, match="duplicated"):
        infer_schema(pd.DataFrame([[1, 2, 3]], columns=["a", "a", "y"]), "y")


def test_categorical_dtype_ignores_unused_categories():
    s = pd.Categorical(["a"] * N, categories=["a", "b", "c"])
    assert roles(infer_schema(frame(c=s), "y"))["c"] == "constant"


def test_target_rows_missing_are_noted_not_dropped():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", None, "b", "a"]})
    schema = infer_schema(df, "y")
    assert any("1 rows with a missing target" in n for n in schema.notes)

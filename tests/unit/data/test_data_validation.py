import numpy as np
import pandas as pd
import pytest

from forgeml.data import ColumnSpec, Schema, TargetSpec, coerce_frame, infer_schema
from forgeml.errors import SchemaError

SCHEMA = Schema(
    columns=(
        ColumnSpec("age", "numeric"),
        ColumnSpec("member", "boolean"),
        ColumnSpec("zip", "categorical"),
        ColumnSpec("when", "datetime"),
        ColumnSpec("note", "text"),
        ColumnSpec("id", "identifier"),
    ),
    target=TargetSpec("y", "binary", classes=("a", "b")),
)


def test_types_by_role_and_order():
    df = pd.DataFrame(
        {
            "extra": [1, 2, 3],
            "note": ["hello world", None, "x"],
            "when": ["2020-01-02", None, "2021-03-04T05:06:07"],
            "zip": [10115, 20095, None],
            "member": ["Yes", "no", None],
            "age": [30, None, 41],
        }
    )
    X = coerce_frame(df, SCHEMA)
    assert X.columns.tolist() == ["age", "member", "zip", "when", "note"]
    assert X.dtypes.astype(str).tolist() == ["float64", "float64", "object", "datetime64[ns]", "object"]
    assert X["age"].isna().tolist() == [False, True, False]
    assert X["member"].tolist()[:2] == [1.0, 0.0] and np.isnan(X["member"].iloc[2])
    assert X["zip"].tolist()[:2] == ["10115", "20095"] and X["zip"].isna().iloc[2]
    assert X["note"].tolist() == ["hello world", "", "x"]
    assert X["when"].iloc[1] is pd.NaT and X["when"].iloc[2] == pd.Timestamp("2021-03-04 05:06:07")
    assert X.index.equals(df.index)


def test_categorical_strings_agree_between_int_float_and_str_inputs():
    schema = Schema((ColumnSpec("c", "categorical"),), SCHEMA.target)
    as_int = coerce_frame(pd.DataFrame({"c": [3, 10]}), schema)["c"].tolist()
    as_float = coerce_frame(pd.DataFrame({"c": [3.0, 10.0, np.nan]}), schema)["c"].tolist()[:2]
    as_str = coerce_frame(pd.DataFrame({"c": ["3", "10"]}), schema)["c"].tolist()
    as_obj = coerce_frame(pd.DataFrame({"c": pd.Series([3, "10"], dtype=object)}), schema)["c"].tolist()
    assert as_int == as_float == as_str == as_obj == ["3", "10"]
    assert coerce_frame(pd.DataFrame({"c": [2.5, True]}, dtype=object), schema)["c"].tolist() == ["2.5", "True"]


def test_boolean_accepts_bools_numbers_and_tokens():
    schema = Schema((ColumnSpec("b", "boolean"),), SCHEMA.target)
    inputs = ([True, False], [1, 0], [1.0, 0.0], ["TRUE", "f"], [" y ", "No"], pd.Series([True, False], dtype=object))
    for values in inputs:
        assert coerce_frame(pd.DataFrame({"b": values}), schema)["b"].tolist() == [1.0, 0.0]


def test_datetime_tz_aware_converted_to_utc_naive():
    schema = Schema((ColumnSpec("t", "datetime"),), SCHEMA.target)
    aware = pd.Series(pd.to_datetime(["2020-01-01 12:00"]).tz_localize("Europe/Berlin"))
    assert coerce_frame(pd.DataFrame({"t": aware}), schema)["t"].iloc[0] == pd.Timestamp("2020-01-01 11:00")
    strings = pd.DataFrame({"t": ["2020-01-01T12:00:00+01:00", "Jan 5 2020"]})
    out = coerce_frame(strings, schema)["t"]
    assert out.dtype == "datetime64[ns]"
    assert out.tolist() == [pd.Timestamp("2020-01-01 11:00"), pd.Timestamp("2020-01-05")]


def test_missing_columns_all_named():
    with pytest.raises(SchemaError, match=r"lacks 2 column\(s\).*'member', 'note'"):
        coerce_frame(pd.DataFrame({"age": [1], "zip": [1], "when": ["2020-01-01"]}), SCHEMA)


@pytest.mark.parametrize(
    ("column", "bad", "expected"),
    [
        ("age", "abc", "a number"),
        ("member", "maybe", "a boolean"),
        ("when", "not a date", "a date/time"),
    ],
)
def test_bad_value_names_row_column_and_value(column, bad, expected):
    good = {"age": "1", "member": "yes", "zip": "z", "when": "2020-01-01", "note": "n"}
    df = pd.DataFrame([good] * 5)
    df.loc[3, column] = bad
    with pytest.raises(SchemaError, match=rf"^row 3, column '{column}': expected {expected}.*, got '{bad}'"):
        coerce_frame(df, SCHEMA)


def test_bad_value_reports_index_label_when_it_differs():
    df = pd.DataFrame({"age": [1, "x", "y"]}, index=["a", "b", "c"])
    schema = Schema((ColumnSpec("age", "numeric"),), SCHEMA.target)
    with pytest.raises(SchemaError, match=r"row 1 \(index 'b'\), column 'age': .*got 'x' \(1 more rows fail too\)"):
        coerce_frame(df, schema)


def test_boolean_number_out_of_range():
    schema = Schema((ColumnSpec("b", "boolean"),), SCHEMA.target)
    with pytest.raises(SchemaError, match=r"row 1, column 'b'.*got 2"):
        coerce_frame(pd.DataFrame({"b": [0, 2]}), schema)


def test_null_spellings_are_missing_for_typed_roles():
    schema = Schema((ColumnSpec("n", "numeric"), ColumnSpec("b", "boolean")), SCHEMA.target)
    out = coerce_frame(pd.DataFrame({"n": ["", "NA"], "b": ["null", "None"]}), schema)
    assert out.isna().all().all()


def test_training_and_prediction_agree_after_read(tmp_path):
    train = pd.DataFrame({"code": [1, 2, 3, 1] * 10, "y": [0.1, 0.2, 0.3, 0.4] * 10})
    schema = infer_schema(train, "y", column_types={"code": "categorical"})
    at_train = coerce_frame(train, schema)["code"].unique().tolist()
    predict = pd.DataFrame({"code": [1.0, None, 3.0]})
    assert coerce_frame(predict, schema)["code"].tolist()[0] in at_train
    assert coerce_frame(predict, schema)["code"].tolist()[2] == "3"


def test_one_row_frame_is_fast():
    import time

    row = pd.DataFrame({"age": [30], "member": ["y"], "zip": [1], "when": ["2020-01-01"], "note": ["x"]})
    coerce_frame(row, SCHEMA)
    start = time.perf_counter()
    for _ in range(50):
        coerce_frame(row, SCHEMA)
    assert (time.perf_counter() - start) / 50 < 0.02

"""The compiled fast path gives the same predictions as ``Predictor.predict_raw`` and the same
validation errors as ``coerce_frame``, naming the row and the column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forgeml.data import ColumnSpec, Schema, TargetSpec, coerce_frame
from forgeml.errors import SchemaError
from forgeml.features import FeaturePipeline
from forgeml.models import get_family
from forgeml.models._base import TaskInfo
from forgeml.predictor import Member, Predictor, RowSchemaError, compile_predictor

ROOT = Path(__file__).resolve().parents[3]
FAMILIES = ("lightgbm", "xgboost", "catboost", "linear", "random_forest", "knn")


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    colour = rng.choice(["red", "green", "blue", "violet"], size=n, p=[0.4, 0.3, 0.28, 0.02]).astype(object)
    colour[rng.random(n) < 0.1] = None
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400 * 24, size=n), unit="h")
    words = np.array(["fast red car", "slow blue boat", "red boat", "green car fast", "blue sky"])
    return pd.DataFrame(
        {
            "x": x,
            "n": rng.integers(0, 50, size=n).astype(float),
            "member": rng.choice([True, False], size=n),
            "colour": colour,
            "when": when,
            "note": rng.choice(words, size=n),
        }
    )


SCHEMA_COLUMNS = (
    ColumnSpec("x", "numeric"),
    ColumnSpec("n", "numeric"),
    ColumnSpec("member", "boolean"),
    ColumnSpec("colour", "categorical"),
    ColumnSpec("when", "datetime"),
    ColumnSpec("note", "text"),
)


def _predictor(task: str) -> Predictor:
    frame = _frame(300, 0)
    logit = np.nan_to_num(frame["x"].to_numpy()) + (frame["colour"] == "red") - 0.02 * frame["n"]
    if task == "regression":
        target = TargetSpec("y", "regression", None, "float")
        y = logit.to_numpy(dtype=float)
        info = TaskInfo("regression")
    else:
        target = TargetSpec("y", "multiclass", ("a", "b", "c"), "str")
        y = np.digitize(logit.to_numpy(dtype=float), [-0.5, 0.5])
        info = TaskInfo("multiclass", 3)
    schema = Schema(SCHEMA_COLUMNS, target)
    typed = coerce_frame(frame, schema)
    pipes = {enc: FeaturePipeline(schema, enc).fit(typed) for enc in ("native", "dense")}  # type: ignore[arg-type]
    mats = {enc: p.transform(typed) for enc, p in pipes.items()}
    members = []
    for i, fam in enumerate(FAMILIES):
        cls = get_family(fam)
        params = {"max_rounds": 30} if fam in ("lightgbm", "xgboost", "catboost") else None
        fm = mats[cls.encoding]
        subset = [0, 2, 3, 5] if i % 2 else None
        X = fm.X if subset is None else fm.X[:, subset]
        cats = [] if subset is not None else fm.categorical
        model = cls(info, params, seed=0).fit(X, y, categorical=cats)
        members.append(Member(f"{fam}_{i}", model, 1.0 / len(FAMILIES), subset))
    return Predictor(schema, pipes, members, "log_loss" if task != "regression" else "rmse")


def _messy_rows() -> list[dict[str, object]]:
    rows = _frame(40, 7).astype(object).to_dict("records")
    for r in rows:
        r["when"] = r["when"].isoformat()
    rows[0].update(x=None, colour="never-seen", member="yes", when="2023-05-01T10:30:00+02:00", note=None)
    rows[1].update(x="3.5", n=7, member=0, colour=3, when="2023-11-14 22:13:20", note="")
    rows[2].update(x="NA", member="False", colour=None, when=None, note=12)
    rows[3].update(x=float("nan"), member=None, colour=2.0, when="", extra="ignored")
    rows[4].update(member=1.0, when="March 5, 2024")
    return rows


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_fast_path_equals_predict_raw_on_every_role(task: str) -> None:
    predictor = _predictor(task)
    fast = compile_predictor(predictor)
    assert fast.compiled, fast.fallback_reason
    rows = _messy_rows()
    expected = predictor.predict_raw(pd.DataFrame.from_records(rows))
    np.testing.assert_allclose(fast.predict_raw(rows), expected, rtol=0, atol=1e-9)
    for i in (0, 1, 2, 3, 4, 17):  # single rows take the same path
        np.testing.assert_allclose(fast.predict_raw([rows[i]]), expected[i : i + 1], rtol=0, atol=1e-9)
    frame = coerce_frame(pd.DataFrame.from_records(rows), predictor.schema)
    for enc, X in fast.matrices(rows).items():
        want = predictor.pipelines[enc].transform(frame).X
        got = X.toarray() if hasattr(X, "toarray") else X
        want = want.toarray() if hasattr(want, "toarray") else want
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_unix_seconds_for_datetimes_match_the_frame_path() -> None:
    # coerce_frame reads a column of numbers as unix seconds (a column mixing numbers and strings
    # is parsed value by value by pandas; the fast path reads every number as unix seconds)
    predictor = _predictor("regression")
    rows = _messy_rows()[5:12]
    for i, r in enumerate(rows):
        r["when"] = 1_700_000_000 + 3_600.5 * i
    expected = predictor.predict_raw(pd.DataFrame.from_records(rows))
    np.testing.assert_allclose(predictor.compile().predict_raw(rows), expected, rtol=0, atol=1e-9)


def test_fast_path_equals_predict_raw_on_the_shipped_example(tmp_path: Path) -> None:
    import forgeml

    df = pd.read_csv(ROOT / "examples" / "credit_g.csv.gz")
    automl = forgeml.AutoML(max_trials=4, executor="serial", families=["lightgbm", "linear"], n_folds=3)
    predictor = automl.fit(df.iloc[:600], target="default").predictor
    assert any(m.model.family == "lightgbm" for m in predictor.members) or predictor.members
    fast = predictor.compile()
    rows = df.drop(columns=["default"]).iloc[600:].to_dict("records")
    expected = predictor.predict_raw(pd.DataFrame.from_records(rows))
    np.testing.assert_allclose(fast.predict_raw(rows), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.predict_raw(rows[:1]), expected[:1], rtol=0, atol=1e-9)
    assert fast.predict(rows[:5]) == predictor.predict(pd.DataFrame.from_records(rows[:5])).tolist()
    proba = fast.predict_proba(rows[:2])
    assert set(proba[0]) == {str(c) for c in predictor.classes}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("x", "abc", "expected a number"),
        ("member", "maybe", "expected a boolean"),
        ("member", 2, "expected a boolean"),
        ("when", "not a date", "expected a date/time"),
        ("colour", {"a": 1}, "expected a string or a number"),
    ],
)
def test_bad_values_name_row_and_column(field: str, value: object, expected: str) -> None:
    fast = compile_predictor(_predictor("regression"))
    rows = _messy_rows()[:3]
    rows[2] = {**rows[2], field: value}
    with pytest.raises(RowSchemaError) as info:
        fast.predict_raw(rows)
    assert (info.value.instance, info.value.field) == (2, field)
    assert str(info.value).startswith(f"row 2, column '{field}': {expected}")
    assert info.value.code == "schema_mismatch"
    if not isinstance(value, dict):  # the DataFrame path rejects the same value with the same words
        with pytest.raises(SchemaError, match=f"column '{field}': {expected}"):
            coerce_frame(pd.DataFrame.from_records(rows), fast.schema)


def test_missing_column_names_row_and_column() -> None:
    fast = compile_predictor(_predictor("regression"))
    rows = _messy_rows()[:2]
    del rows[1]["colour"]
    with pytest.raises(RowSchemaError, match="row 1 lacks column 'colour'") as info:
        fast.predict(rows)
    assert (info.value.instance, info.value.field) == (1, "colour")


def test_unknown_step_falls_back_to_predict_raw() -> None:
    predictor = _predictor("regression")
    fast = compile_predictor(predictor)
    import forgeml.predictor._fast as fast_module

    saved = dict(fast_module._COMPILERS)
    fast_module._COMPILERS.clear()
    try:
        slow = compile_predictor(predictor)
    finally:
        fast_module._COMPILERS.update(saved)
    assert not slow.compiled and "no compiled form" in slow.fallback_reason
    rows = _messy_rows()
    np.testing.assert_allclose(slow.predict_raw(rows), fast.predict_raw(rows), rtol=0, atol=1e-9)


@pytest.mark.parametrize(("objective", "classes"), [("binary", 2), ("multiclass", 3), ("regression", 0)])
def test_direct_booster_call_equals_booster_predict(objective: str, classes: int) -> None:
    import lightgbm as lgb
    import scipy.sparse as sp

    from forgeml.predictor._fast import _booster_predict

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = rng.integers(0, classes, 300) if classes else X[:, 0] * 2 + rng.normal(size=300)
    params = {"objective": objective, "verbose": -1, "num_threads": 1, **({"num_class": 3} if classes == 3 else {})}
    booster = lgb.train(params, lgb.Dataset(np.nan_to_num(X), y), num_boost_round=20)
    predict = _booster_predict(booster, 12)
    assert predict is not None
    for data in (X, X[:1], np.asfortranarray(X[:7]), X[:, :5][::2], X.astype(np.float32), sp.csr_matrix(X[:9])):
        want = booster.predict(data, num_iteration=12, num_threads=1)
        got = predict(data)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)

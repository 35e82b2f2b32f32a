import numpy as np
import pandas as pd

from forgeml.data._schema import ColumnSpec
from forgeml.features._categorical import CategoricalStep, rare_min_count

COL = [ColumnSpec("c", "categorical")]


def _frame(values: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"c": pd.Series(values, dtype=object)})


def test_rare_min_count() -> None:
    assert rare_min_count(50) == 2
    assert rare_min_count(500) == 5
    assert rare_min_count(100_000) == 10


def test_native_codes_follow_frequency_then_value() -> None:
    f = _frame(["b"] * 5 + ["a"] * 5 + ["c"] * 7 + ["z"] + [None, np.nan])
    step = CategoricalStep(COL, "native").fit(f)
    assert step.vocab[0].categories == ["c", "a", "b"]
    assert step.vocab[0].has_rare  # "z" seen once
    out = step.transform(_frame(["c", "a", "b", "z", "never-seen", None, np.nan])).ravel()
    np.testing.assert_array_equal(out, [0, 1, 2, 3, 3, np.nan, np.nan])
    assert step.outputs[0].kind == "categorical"


def test_native_unseen_is_nan_without_rare_code() -> None:
    step = CategoricalStep(COL, "native").fit(_frame(["a", "a", "b", "b"]))
    assert not step.vocab[0].has_rare
    assert np.isnan(step.transform(_frame(["q"]))[0, 0])


def test_native_cap_groups_the_tail_into_rare() -> None:
    values = [f"v{i:03d}" for i in range(300) for _ in range(12)]
    step = CategoricalStep(COL, "native").fit(_frame(values))
    col = step.vocab[0]
    assert len(col.categories) == 254 and col.has_rare
    codes = step.transform(_frame(["v000", "v299"])).ravel()
    assert codes.tolist() == [0.0, 254.0]


def test_dense_one_hot_with_rare_and_missing() -> None:
    f = _frame(["a"] * 4 + ["b"] * 3 + ["x"] + [None])
    step = CategoricalStep(COL, "dense").fit(f)
    assert [o.name for o in step.outputs] == ["c=a", "c=b", "c=__rare__", "c=__missing__"]
    out = step.transform(_frame(["b", "x", "unseen", None, "a"]))
    np.testing.assert_array_equal(
        out,
        [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]],
    )


def test_dense_without_rare_or_missing_gives_zeros() -> None:
    step = CategoricalStep(COL, "dense").fit(_frame(["a", "a", "b", "b"]))
    out = step.transform(_frame(["zzz", None]))
    np.testing.assert_array_equal(out, np.zeros((2, 2)))


def test_dense_caps_columns_per_feature() -> None:
    values = [f"v{i:02d}" for i in range(50) for _ in range(4)]
    step = CategoricalStep(COL, "dense").fit(_frame(values))
    assert len(step.outputs) == 30 and step.outputs[-1].name == "c=__rare__"


def test_string_dtype_input_matches_object_input() -> None:
    step = CategoricalStep(COL, "native").fit(_frame(["a", "a", "b", "b"]))
    out = step.transform(pd.DataFrame({"c": pd.Series(["b", None], dtype="str")}))
    np.testing.assert_array_equal(out.ravel(), [1.0, np.nan])

import numpy as np
import pandas as pd

from forgeml.data._schema import ColumnSpec
from forgeml.features._numeric import BooleanStep, NumericStep, Standardiser


def test_native_numeric_passes_values_through() -> None:
    f = pd.DataFrame({"x": [1.5, np.nan, -2.0]})
    step = NumericStep([ColumnSpec("x", "numeric")], "native").fit(f)
    out = step.transform(f)
    np.testing.assert_array_equal(out, [[1.5], [np.nan], [-2.0]])
    assert [o.name for o in step.outputs] == ["x"]


def test_dense_numeric_imputes_flags_and_scales() -> None:
    f = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0, 100.0], "full": [1.0, 1.0, 1.0, 1.0, 1.0]})
    step = NumericStep([ColumnSpec("x", "numeric"), ColumnSpec("full", "numeric")], "dense").fit(f)
    assert [o.name for o in step.outputs] == ["x", "full", "x:missing"]
    out = step.transform(f)
    filled = np.array([1.0, 2.0, 2.5, 3.0, 100.0])  # median of observed values is 2.5
    np.testing.assert_allclose(out[:, 0], (filled - filled.mean()) / filled.std())
    np.testing.assert_array_equal(out[:, 1], 0.0)  # constant column: std 0 -> 1
    np.testing.assert_array_equal(out[:, 2], [0, 0, 1, 0, 0])


def test_no_missing_indicator_when_nothing_missing_at_fit() -> None:
    step = NumericStep([ColumnSpec("x", "numeric")], "dense").fit(pd.DataFrame({"x": [1.0, 2.0]}))
    out = step.transform(pd.DataFrame({"x": [np.nan, np.inf]}))
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out[:, 0], 0.0)  # imputed with the median 1.5 = the mean


def test_standardiser_json_round_trip() -> None:
    A = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])
    st = Standardiser.fit(A)
    again = Standardiser.from_json(st.to_json())
    np.testing.assert_array_equal(again.transform(A), st.transform(A))


def test_boolean_native_and_dense() -> None:
    f = pd.DataFrame({"b": [1.0, 1.0, 0.0, np.nan], "tie": [1.0, 0.0, np.nan, np.nan]})
    cols = [ColumnSpec("b", "boolean"), ColumnSpec("tie", "boolean")]
    native = BooleanStep(cols, "native").fit(f).transform(f)
    assert np.isnan(native[3, 0])
    dense = BooleanStep(cols, "dense").fit(f).transform(f)
    np.testing.assert_array_equal(dense[:, 0], [1, 1, 0, 1])  # mode
    np.testing.assert_array_equal(dense[:, 1], [1, 0, 0.5, 0.5])  # tie -> 0.5

import numpy as np
import pandas as pd

from forgeml.data._schema import ColumnSpec
from forgeml.features._datetime import DatetimeStep

COL = [ColumnSpec("t", "datetime")]


def _frame(values: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"t": pd.to_datetime(pd.Series(values)).astype("datetime64[ns]")})


def test_native_parts_and_elapsed_days() -> None:
    f = _frame(["2024-02-29 13:30", "2023-12-31 00:00", None])
    step = DatetimeStep(COL, "native").fit(f)
    assert [o.name for o in step.outputs] == ["t:year", "t:month", "t:day", "t:weekday", "t:hour", "t:days"]
    out = step.transform(f)
    np.testing.assert_allclose(out[0], [2024, 2, 29, 3, 13, 60 + 13.5 / 24])  # a Thursday
    np.testing.assert_allclose(out[1], [2023, 12, 31, 6, 0, 0])  # a Sunday
    assert np.isnan(out[2]).all()


def test_hour_only_when_times_are_not_all_midnight() -> None:
    step = DatetimeStep(COL, "native").fit(_frame(["2024-01-01", "2024-01-05"]))
    assert "t:hour" not in [o.name for o in step.outputs]


def test_dense_imputes_flags_and_scales() -> None:
    f = _frame(["2024-01-01", "2024-01-03", None, "2024-01-05"])
    step = DatetimeStep(COL, "dense").fit(f)
    names = [o.name for o in step.outputs]
    assert names[-1] == "t:missing" and len(names) == 6
    out = step.transform(f)
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[:, -1], [0, 0, 1, 0])
    np.testing.assert_allclose(out[:, :-1].mean(axis=0), 0.0, atol=1e-12)


def test_timezone_aware_values_are_converted_to_utc() -> None:
    f = pd.DataFrame({"t": pd.to_datetime(pd.Series(["2024-01-01 23:30"])).dt.tz_localize("America/New_York")})
    out = DatetimeStep(COL, "native").fit(f).transform(f)
    np.testing.assert_allclose(out[0, :5], [2024, 1, 2, 1, 4])

"""The prediction-time contract: turn any input frame into the schema's typed feature frame.

Types by role (the same at training and at prediction):

========== ======================================================================
numeric    float64, ``NaN`` for missing
boolean    float64 0.0/1.0, ``NaN`` for missing
categorical object array of ``str``, ``NaN`` (a float) for missing; ``3``/``3.0``/``"3"`` → ``"3"``
datetime   datetime64[ns], naive (tz-aware values converted to UTC); ``NaT`` for missing
text       object array of ``str``, ``""`` for missing
========== ======================================================================

Example:
    >>> from forgeml.data._schema import ColumnSpec, Schema, TargetSpec
    >>> schema = Schema((ColumnSpec("age", "numeric"), ColumnSpec("zip", "categorical")),
    ...                 TargetSpec("y", "regression", label_type="float"))
    >>> X = coerce_frame(pd.DataFrame({"age": ["41"], "zip": [10115.0]}), schema)
    >>> X["age"].tolist(), X["zip"].tolist()
    ([41.0], ['10115'])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from forgeml.data._schema import Schema
from forgeml.data._values import BOOL_TOKENS, NULL_TOKENS, kind_of, to_str_array
from forgeml.errors import SchemaError

__all__ = ["coerce_frame"]


def coerce_frame(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Return a new frame with exactly ``schema.features`` (in order), typed by role.

    Extra columns are ignored; the index is kept.

    Raises:
        SchemaError: columns are missing (all are named), or a value cannot be read as its
            role, naming the row (0-based position, and the index label when it differs), the
            column and the value.

    Example:
        >>> from forgeml.data._schema import ColumnSpec, Schema, TargetSpec
        >>> schema = Schema((ColumnSpec("member", "boolean"),), TargetSpec("y", "binary", ("a", "b")))
        >>> coerce_frame(pd.DataFrame({"member": ["Yes", "no", None]}), schema)["member"].tolist()
        [1.0, 0.0, nan]
    """
    features = schema.features
    if not all(isinstance(c, str) for c in df.columns):
        df = df.rename(columns=str)
    missing = [c.name for c in features if c.name not in df.columns]
    if missing:
        raise SchemaError(
            f"the input lacks {len(missing)} column(s) the model needs: {', '.join(repr(m) for m in missing)}; "
            "add them (values may be empty)."
        )
    data: dict[str, np.ndarray | pd.Series] = {}
    for spec in features:
        s = df[spec.name]
        if isinstance(s, pd.DataFrame):
            raise SchemaError(f"column '{spec.name}' appears more than once in the input; keep one.")
        values = _COERCERS[spec.role](s, spec.name)
        # object arrays stay object (pandas 3 would otherwise infer its ``str`` dtype)
        if values.dtype == object:
            data[spec.name] = pd.Series(values, index=df.index, dtype=object, copy=False)
        else:
            data[spec.name] = values
    return pd.DataFrame(data, index=df.index, columns=[c.name for c in features], copy=False)


def _fail(s: pd.Series, bad: np.ndarray, name: str, expected: str) -> SchemaError:
    positions = np.flatnonzero(bad)
    pos = int(positions[0])
    label = s.index[pos]
    where = f"row {pos}" if label == pos else f"row {pos} (index {label!r})"
    more = f" ({len(positions) - 1} more rows fail too)" if len(positions) > 1 else ""
    value = s.iloc[pos]
    value = value.item() if isinstance(value, np.generic) else value
    return SchemaError(f"{where}, column '{name}': expected {expected}, got {value!r}{more}.")


def _null_tokens(s: pd.Series) -> np.ndarray:
    """Missing, or a string that means missing (``""``, ``"NA"``, ``"null"`` ...)."""
    missing = s.isna().to_numpy()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        stripped = s.astype(str).str.strip()
        missing = missing | stripped.isin(NULL_TOKENS).to_numpy()
    return missing


def _numeric(s: pd.Series, name: str) -> np.ndarray:
    kind = kind_of(s)
    if kind in ("int", "float", "bool") and s.dtype != object:
        return s.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    nulls = _null_tokens(s)
    work = s.astype(object).where(~nulls, np.nan)
    if kind == "datetime":
        raise _fail(s, ~nulls, name, "a number")
    values = np.asarray(pd.to_numeric(work, errors="coerce"), dtype=np.float64)
    bad = np.isnan(values) & ~nulls
    if bad.any():
        raise _fail(s, bad, name, "a number")
    return values


def _boolean(s: pd.Series, name: str) -> np.ndarray:
    kind = kind_of(s)
    if kind == "bool" and s.dtype == bool:
        return s.to_numpy(dtype=np.float64)
    nulls = _null_tokens(s)
    if kind in ("int", "float"):
        values: np.ndarray = np.asarray(pd.to_numeric(s.where(~nulls), errors="coerce"), dtype=np.float64).copy()
        bad = ~nulls & ~np.isin(values, (0.0, 1.0))
    else:
        keys = pd.Series(to_str_array(s.where(~nulls)), dtype=object).str.strip().str.lower()
        values = keys.map(BOOL_TOKENS).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        bad = ~nulls & np.isnan(values)
    if bad.any():
        raise _fail(s, bad, name, "a boolean (true/false, yes/no, 1/0)")
    values[nulls] = np.nan
    return values


def _categorical(s: pd.Series, name: str) -> np.ndarray:
    return to_str_array(s)


def _text(s: pd.Series, name: str) -> np.ndarray:
    out = to_str_array(s)
    out[pd.isna(out)] = ""
    return out


def _datetime(s: pd.Series, name: str) -> np.ndarray:
    kind = kind_of(s)
    if kind == "datetime" and s.dtype != object:
        d = s
        if getattr(d.dt, "tz", None) is not None:
            d = d.dt.tz_convert("UTC").dt.tz_localize(None)
        return d.to_numpy(dtype="datetime64[ns]")
    nulls = _null_tokens(s)
    work = s.where(~nulls).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind in ("int", "float"):
            parsed = pd.to_datetime(pd.to_numeric(work, errors="coerce"), unit="s", errors="coerce", utc=True)
        elif kind == "string":
            parsed = pd.to_datetime(work, format="ISO8601", errors="coerce", utc=True)
            retry = (parsed.isna() & ~nulls).to_numpy()
            if retry.any():
                again = pd.to_datetime(work[retry], format="mixed", errors="coerce", utc=True)
                parsed = parsed.where(~retry, again.reindex(parsed.index))  # index is 0..n-1 here
        else:
            parsed = pd.to_datetime(work.astype(object), format="mixed", errors="coerce", utc=True)
    bad = parsed.isna().to_numpy() & ~nulls
    if bad.any():
        raise _fail(s, bad, name, "a date/time")
    return pd.Series(parsed).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


_COERCERS: dict[str, Callable[[pd.Series, str], np.ndarray]] = {
    "numeric": _numeric,
    "boolean": _boolean,
    "categorical": _categorical,
    "datetime": _datetime,
    "text": _text,
}

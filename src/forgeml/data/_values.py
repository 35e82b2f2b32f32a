"""Vectorised value normalisation shared by inference, validation, targets and fingerprints.

The one rule that matters across training and prediction: a value becomes the same string
whichever way it was read. ``3``, ``3.0`` and ``"3"`` all become ``"3"``; ``2.5`` becomes
``"2.5"``; ``True`` becomes ``"True"``. Missing values become ``NaN`` (a float) in object arrays.

Example:
    >>> to_str_array(pd.Series([3.0, 2.5, None])).tolist()
    ['3', '2.5', nan]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_numeric_dtype,
)

# Tokens accepted as booleans (compared lower-cased and stripped).
BOOL_TOKENS: dict[str, float] = {
    "true": 1.0,
    "t": 1.0,
    "yes": 1.0,
    "y": 1.0,
    "1": 1.0,
    "1.0": 1.0,
    "false": 0.0,
    "f": 0.0,
    "no": 0.0,
    "n": 0.0,
    "0": 0.0,
    "0.0": 0.0,
}
# Strings treated as missing when a number, boolean or date is expected (pyarrow's defaults + None).
NULL_TOKENS = frozenset(
    [
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "n/a",
        "nan",
        "null",
        "None",
    ]
)
_INT_SAFE = 2.0**53
_NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")


def kind_of(s: pd.Series) -> str:
    """Coarse kind of a column: bool, int, float, datetime, date, string, or mixed.

    Example:
        >>> kind_of(pd.Series([1, 2])), kind_of(pd.Series(["a", None]))
        ('int', 'string')
    """
    dtype = s.dtype
    if is_bool_dtype(dtype):
        return "bool"
    if is_datetime64_any_dtype(dtype):
        return "datetime"
    if is_numeric_dtype(dtype):
        return "int" if dtype.kind in "iu" else "float"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if isinstance(dtype, pd.CategoricalDtype):
        return kind_of(pd.Series(np.asarray(s.cat.categories)))
    inferred = infer_dtype(s, skipna=True)
    if inferred in ("string", "empty"):
        return "string"
    if inferred == "boolean":
        return "bool"
    if inferred == "integer":
        return "int"
    if inferred in _NUMERIC_KINDS:
        return "float"
    if inferred in ("datetime64", "datetime"):
        return "datetime"
    if inferred == "date":
        return "date"
    return "mixed"


def _float_strings(x: np.ndarray) -> np.ndarray:
    """Float array (no NaN) → strings; integer-valued floats lose their ``.0``."""
    out = np.empty(len(x), dtype=object)
    integral = np.isfinite(x) & (np.abs(x) < _INT_SAFE) & (x == np.round(x))
    if integral.any():
        out[integral] = x[integral].astype(np.int64).astype(str).astype(object)
    rest = ~integral
    if rest.any():
        out[rest] = pd.Series(x[rest]).astype(str).to_numpy(dtype=object)
    return out


def scalar_str(v: Any) -> Any:
    """One value → its normalised string (``NaN`` when missing). Used on the rare mixed path."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT or v is pd.NA:
        return np.nan
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return str(_float_strings(np.array([float(v)]))[0])
    return str(v)


def to_str_array(s: pd.Series) -> np.ndarray:
    """A column → object array of normalised ``str`` with ``NaN`` for missing (vectorised).

    Example:
        >>> to_str_array(pd.Series([1, 2])).tolist()
        ['1', '2']
    """
    kind = kind_of(s)
    if kind == "string":
        return s.to_numpy(dtype=object, na_value=np.nan, copy=True)
    missing = s.isna().to_numpy()
    out = np.full(len(s), np.nan, dtype=object)
    present = ~missing
    if not present.any():
        return out
    if kind in ("int", "float"):
        sub = s[present]
        if sub.dtype.kind in "iu":
            out[present] = np.asarray(sub.to_numpy()).astype(str).astype(object)
        else:
            out[present] = _float_strings(np.asarray(sub.to_numpy(), dtype=np.float64))
    elif kind == "bool":
        vals = s[present].astype(bool).to_numpy()
        out[present] = np.where(vals, "True", "False").astype(object)
    elif kind == "datetime":
        out[present] = pd.to_datetime(s[present]).astype(str).to_numpy(dtype=object)
    else:
        out = np.array([scalar_str(v) for v in s.to_numpy(dtype=object)], dtype=object)
    return out


_MONTH = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"


def date_candidates(uniq: pd.Series, *, mixed: bool) -> np.ndarray:
    """Mask of strings that may be dates: digits and separators, not plain numbers.

    With ``mixed`` the test is stricter (two separators or a month name), because the lenient
    parser reads almost anything with digits, e.g. ``'12-34'``.
    """
    s = uniq.astype(str)
    month = s.str.contains(_MONTH, regex=True)
    base = s.str.contains(r"\d", regex=True) & pd.to_numeric(s, errors="coerce").isna()
    if not mixed:
        return np.asarray(base & (s.str.contains(r"[-/:]", regex=True) | month), dtype=bool)
    strict = (s.str.len() >= 6) & ((s.str.count(r"[-/:.]") >= 2) | month)
    return np.asarray(base & strict, dtype=bool)

"""Content fingerprints: the same data gives the same hash however it was read.

Example:
    >>> a = pd.DataFrame({"x": [1, 2], "s": ["a", None]})
    >>> b = pd.DataFrame({"s": ["a", None], "x": [1.0, 2.0]})
    >>> fingerprint(a) == fingerprint(b)
    True
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from forgeml.data._values import kind_of, to_str_array

__all__ = ["fingerprint"]

_VERSION = b"forgeml-fingerprint-1"


def fingerprint(df: pd.DataFrame) -> str:
    """sha256 hex digest of the frame's content.

    Columns are taken in name order; numbers (int, float, bool) hash as float64, dates as UTC
    nanoseconds, everything else as normalised strings; missing values hash alike whatever
    their spelling (``None``, ``NaN``, ``NaT``). Row order matters; the index does not.

    Example:
        >>> len(fingerprint(pd.DataFrame({"a": [1]})))
        64
    """
    h = hashlib.sha256(_VERSION)
    h.update(np.int64(len(df)).tobytes())
    for name in sorted(df.columns, key=str):
        s = df[name]
        if isinstance(s, pd.DataFrame):  # duplicated name: hash each copy in order
            for i in range(s.shape[1]):
                _update(h, str(name), s.iloc[:, i])
        else:
            _update(h, str(name), s)
    return h.hexdigest()


def _update(h: hashlib._Hash, name: str, s: pd.Series) -> None:
    encoded = name.encode("utf-8")
    h.update(np.int64(len(encoded)).tobytes() + encoded)
    missing = s.isna().to_numpy()
    kind = kind_of(s)
    if kind in ("int", "float", "bool"):
        tag, values = b"n", _numbers(s, missing)
    elif kind in ("datetime", "date"):
        tag, values = b"d", _dates(s, missing)
    else:
        strings = to_str_array(s)
        strings[missing] = ""
        tag, values = b"s", pd.util.hash_array(strings.astype(object), categorize=False)
    h.update(tag)
    h.update(np.packbits(missing).tobytes())
    h.update(np.ascontiguousarray(values).tobytes())


def _numbers(s: pd.Series, missing: np.ndarray) -> np.ndarray:
    x = np.asarray(
        s.astype(object).where(~missing, np.nan)
        if s.dtype == object
        else s.to_numpy(dtype=np.float64, na_value=np.nan),
        dtype=np.float64,
    )
    return np.where(missing, 0.0, x + 0.0)  # + 0.0 folds -0.0 into 0.0


def _dates(s: pd.Series, missing: np.ndarray) -> np.ndarray:
    d = pd.to_datetime(s, utc=True, errors="coerce")
    ns = d.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
    return np.where(missing, 0, ns)

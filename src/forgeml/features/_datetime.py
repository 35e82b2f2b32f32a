"""Datetime step: calendar parts plus days elapsed since the training minimum.

For each column ``col`` the outputs are ``col:year``, ``col:month``, ``col:day``,
``col:weekday`` (Monday = 0), ``col:hour`` (only when some training value is not at midnight)
and ``col:days`` (days since the earliest training value, fractional). Missing values (NaT) give
NaN in ``native``; ``dense`` imputes, flags (``col:missing``, when NaT was seen at fit) and scales
them like numeric columns. Time-zone-aware values are converted to UTC first.

Example:
    >>> import pandas as pd
    >>> from forgeml.data._schema import ColumnSpec
    >>> f = pd.DataFrame({"t": pd.to_datetime(["2024-03-01", "2024-03-04"])})
    >>> step = DatetimeStep([ColumnSpec("t", "datetime")], "native").fit(f)
    >>> [o.name for o in step.outputs]
    ['t:year', 't:month', 't:day', 't:weekday', 't:days']
    >>> step.transform(f)[1].tolist()
    [2024.0, 3.0, 4.0, 0.0, 3.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forgeml.features._numeric import Standardiser
from forgeml.features._steps import Block, OutputFeature, Step

_US_PER_DAY = 86_400 * 1_000_000
_PARTS = ("year", "month", "day", "weekday")


def _as_us(s: pd.Series) -> np.ndarray:
    """``datetime64[us]`` values of ``s`` (naive UTC when time-zone aware)."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    return s.to_numpy(dtype="datetime64[us]")


def _parts(t: np.ndarray, hour: bool, origin_us: int | None) -> np.ndarray:
    """The derived columns of one datetime column, NaN where ``t`` is NaT."""
    nat = np.isnat(t)
    days = t.astype("datetime64[D]")
    months = t.astype("datetime64[M]")
    cols = [
        t.astype("datetime64[Y]").astype(np.int64) + 1970,
        months.astype(np.int64) % 12 + 1,
        (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
        (days.astype(np.int64) + 3) % 7,  # 1970-01-01 was a Thursday
    ]
    if hour:
        cols.append((t - days).astype("timedelta64[h]").astype(np.int64))
    out = np.column_stack(cols).astype(np.float64)
    elapsed = np.full(len(t), np.nan) if origin_us is None else (t.astype(np.int64) - origin_us) / _US_PER_DAY
    out = np.column_stack([out, elapsed])
    out[nat] = np.nan
    return out


class DatetimeStep(Step):
    """See the module docstring."""

    role = "datetime"

    def _fit(self, frame: pd.DataFrame) -> None:
        self.hour: list[bool] = []
        self.origin: list[int | None] = []
        for name in self.input_names:
            t = _as_us(frame[name])
            ok = t[~np.isnat(t)]
            self.hour.append(bool(ok.size and (ok != ok.astype("datetime64[D]")).any()))
            self.origin.append(int(ok.min().astype(np.int64)) if ok.size else None)
        self.scaler: Standardiser | None = None
        if self.encoding == "dense":
            A = self._raw(frame)
            self.scaler = Standardiser.fit(A, candidates=self._first_columns())
        self._set_outputs()

    def _first_columns(self) -> list[int]:
        starts, pos = [], 0
        for h in self.hour:
            starts.append(pos)
            pos += len(_PARTS) + int(h) + 1
        return starts

    def _set_outputs(self) -> None:
        self.outputs = []
        for name, h in zip(self.input_names, self.hour, strict=True):
            parts = [*_PARTS, "hour", "days"] if h else [*_PARTS, "days"]
            self.outputs += [OutputFeature(f"{name}:{p}", name, "numeric") for p in parts]
        if self.scaler is not None:
            sources = [o.source for o in self.outputs]
            self.outputs += [OutputFeature(f"{sources[j]}:missing", sources[j], "indicator") for j in self.scaler.flag]

    def _raw(self, frame: pd.DataFrame) -> np.ndarray:
        blocks = [
            _parts(_as_us(frame[n]), h, o) for n, h, o in zip(self.input_names, self.hour, self.origin, strict=True)
        ]
        return np.hstack(blocks) if blocks else np.empty((len(frame), 0))

    def _transform(self, frame: pd.DataFrame) -> Block:
        A = self._raw(frame)
        return A if self.scaler is None else self.scaler.transform(A)

    def _state(self) -> dict[str, Any]:
        return {
            "hour": self.hour,
            "origin_us": self.origin,
            "scaler": None if self.scaler is None else self.scaler.to_json(),
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        self.hour = [bool(h) for h in state["hour"]]
        self.origin = [None if o is None else int(o) for o in state["origin_us"]]
        self.scaler = None if state["scaler"] is None else Standardiser.from_json(state["scaler"])

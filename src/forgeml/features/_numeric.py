"""Numeric and boolean steps, and the ``Standardiser`` (impute, flag, scale) they share with datetime.

Example:
    >>> import numpy as np
    >>> st = Standardiser.fit(np.array([[1.0], [np.nan], [3.0]]))
    >>> st.transform(np.array([[np.nan]])).tolist()  # median 2, scaled to 0, then the missing flag
    [[0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forgeml.features._steps import Block, OutputFeature, Step, float_block, floats, from_floats


@dataclass
class Standardiser:
    """Median imputation, a missing-indicator for each column in ``flag`` (columns that had
    missing values at fit), then ``(x - mean) / std`` with ``std`` 0 replaced by 1. Non-finite
    values (NaN, ±inf) count as missing."""

    median: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    flag: np.ndarray

    @classmethod
    def fit(cls, A: np.ndarray, candidates: Sequence[int] | None = None) -> Standardiser:
        """Learn the statistics of ``A``; only columns in ``candidates`` (all by default) may get
        a missing indicator."""
        miss = ~np.isfinite(A)
        cand = np.arange(A.shape[1]) if candidates is None else np.asarray(candidates, dtype=np.int64)
        median = np.zeros(A.shape[1])
        for j in range(A.shape[1]):
            ok = A[~miss[:, j], j]
            median[j] = float(np.median(ok)) if ok.size else 0.0
        filled = np.where(miss, median, A)
        mean = filled.mean(axis=0) if A.shape[0] else np.zeros(A.shape[1])
        std = filled.std(axis=0) if A.shape[0] else np.ones(A.shape[1])
        std = np.where(std > 0, std, 1.0)
        flag = np.array([j for j in cand if miss[:, j].any()], dtype=np.int64)
        return cls(median, mean, std, flag)

    def transform(self, A: np.ndarray) -> np.ndarray:
        miss = ~np.isfinite(A)
        out = (np.where(miss, self.median, A) - self.mean) / self.std
        if self.flag.size:
            out = np.hstack([out, miss[:, self.flag].astype(np.float64)])
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "median": floats(self.median),
            "mean": floats(self.mean),
            "std": floats(self.std),
            "flag": [int(j) for j in self.flag],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Standardiser:
        return cls(
            from_floats(d["median"]),
            from_floats(d["mean"]),
            from_floats(d["std"]),
            np.asarray(d["flag"], dtype=np.int64),
        )


class NumericStep(Step):
    """``native``: values passed through as floats (NaN kept). ``dense``: :class:`Standardiser`,
    with outputs ``col`` and, when ``col`` had missing values at fit, ``col:missing``."""

    role = "numeric"

    def _fit(self, frame: pd.DataFrame) -> None:
        names = self.input_names
        self.outputs = [OutputFeature(n, n, "numeric") for n in names]
        self.scaler: Standardiser | None = None
        if self.encoding == "dense":
            self.scaler = Standardiser.fit(float_block(frame, names))
            self.outputs += [OutputFeature(f"{names[j]}:missing", names[j], "indicator") for j in self.scaler.flag]

    def _transform(self, frame: pd.DataFrame) -> Block:
        A = float_block(frame, self.input_names)
        return A if self.scaler is None else self.scaler.transform(A)

    def _state(self) -> dict[str, Any]:
        return {"scaler": None if self.scaler is None else self.scaler.to_json()}

    def _load_state(self, state: dict[str, Any]) -> None:
        self.scaler = None if state["scaler"] is None else Standardiser.from_json(state["scaler"])


class BooleanStep(Step):
    """Floats 0/1. ``native`` keeps NaN for missing; ``dense`` fills missing values with the
    column's mode at fit (0.5 on a tie or when nothing was observed)."""

    role = "boolean"

    def _fit(self, frame: pd.DataFrame) -> None:
        names = self.input_names
        self.outputs = [OutputFeature(n, n, "numeric") for n in names]
        self.fill: np.ndarray | None = None
        if self.encoding == "dense":
            A = float_block(frame, names)
            fill = np.full(len(names), 0.5)
            for j in range(len(names)):
                ok = A[~np.isnan(A[:, j]), j]
                if ok.size:
                    share = float((ok > 0.5).mean())
                    fill[j] = 1.0 if share > 0.5 else 0.0 if share < 0.5 else 0.5
            self.fill = fill

    def _transform(self, frame: pd.DataFrame) -> Block:
        A = float_block(frame, self.input_names)
        return A if self.fill is None else np.where(np.isnan(A), self.fill, A)

    def _state(self) -> dict[str, Any]:
        return {"fill": None if self.fill is None else floats(self.fill)}

    def _load_state(self, state: dict[str, Any]) -> None:
        self.fill = None if state["fill"] is None else from_floats(state["fill"])

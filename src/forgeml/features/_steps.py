"""The ``Step`` base: a fitted mapping from some input columns (``ColumnSpec``) to named outputs.

Each step declares what it produces (``outputs``: name, source column and kind), so the schema of
the output travels with the data and later code never re-infers roles. Steps serialise to plain
JSON (``to_json``/``from_json``) and transform whole columns at once with numpy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from forgeml.data._schema import ColumnSpec
from forgeml.errors import NotFittedError

Encoding = Literal["native", "dense"]
Block = np.ndarray | sp.csr_matrix
OUTPUT_KINDS = ("numeric", "categorical", "indicator", "onehot", "tfidf")


@dataclass(frozen=True)
class OutputFeature:
    """One output column of a step: its ``name``, the input column it comes from (``source``)
    and its ``kind`` (one of ``OUTPUT_KINDS``; only ``categorical`` holds integer codes)."""

    name: str
    source: str
    kind: str


class Step(ABC):
    """Base of every feature step. Subclasses set ``role`` and implement ``_fit``,
    ``_transform``, ``_state`` and ``_load_state``; ``_fit`` must fill ``self.outputs``."""

    role: ClassVar[str]

    def __init__(self, columns: Sequence[ColumnSpec], encoding: Encoding) -> None:
        self.columns = tuple(columns)
        self.encoding: Encoding = encoding
        self.outputs: list[OutputFeature] = []
        self.fitted = False

    @property
    def input_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def fit(self, frame: pd.DataFrame) -> Self:
        self.outputs = []
        self._fit(frame)
        self.fitted = True
        return self

    def transform(self, frame: pd.DataFrame) -> Block:
        if not self.fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit first.")
        return self._transform(frame)

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "columns": self.input_names,
            "outputs": [[o.name, o.source, o.kind] for o in self.outputs],
            "state": self._state(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], columns: Sequence[ColumnSpec], encoding: Encoding) -> Self:
        step = cls(columns, encoding)
        step.outputs = [OutputFeature(str(n), str(s), str(k)) for n, s, k in d["outputs"]]
        step._load_state(d["state"])
        step.fitted = True
        return step

    @abstractmethod
    def _fit(self, frame: pd.DataFrame) -> None: ...

    @abstractmethod
    def _transform(self, frame: pd.DataFrame) -> Block: ...

    @abstractmethod
    def _state(self) -> dict[str, Any]: ...

    @abstractmethod
    def _load_state(self, state: dict[str, Any]) -> None: ...


def float_block(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Columns ``names`` of ``frame`` as a 2-D ``float64`` array (NaN for missing)."""
    if not names:
        return np.empty((len(frame), 0))
    return np.column_stack([frame[n].to_numpy(dtype=np.float64, na_value=np.nan) for n in names])


def floats(values: np.ndarray) -> list[float | None]:
    """A float array as a JSON list (``None`` for NaN, so the JSON stays standard)."""
    return [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=np.float64)]


def from_floats(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

"""Categorical step: frequency-ordered integer codes (``native``) or one-hot columns (``dense``).

Categories are ordered by count (descending), ties by value. A category is *rare* when it was seen
fewer than ``rare_min_count(n)`` times, where ``n`` is the number of non-missing training values:
``max(2, min(10, ceil(0.01 * n)))`` — singletons are always rare, and from 1,000 rows on anything
seen fewer than 10 times is. Rare categories, and those beyond the cap (255 codes in ``native``,
30 columns in ``dense``, the rare code included), share one ``__rare__`` code or column.

At transform, missing values (``None``/NaN) give NaN (``native``) or the ``__missing__`` column
when missing values were seen at fit, else all zeros (``dense``); unseen values get the rare code
or column when there is one, else NaN (``native``) or all zeros (``dense``).

Example:
    >>> import pandas as pd
    >>> from forgeml.data._schema import ColumnSpec
    >>> f = pd.DataFrame({"c": ["a"] * 3 + ["b"] * 2 + [None]}, dtype=object)
    >>> step = CategoricalStep([ColumnSpec("c", "categorical")], "native").fit(f)
    >>> step.transform(pd.DataFrame({"c": ["b", None, "zzz"]}, dtype=object)).ravel().tolist()
    [1.0, nan, nan]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from forgeml.features._steps import Block, OutputFeature, Step

RARE = "__rare__"
MISSING = "__missing__"
MAX_CODES = {"native": 255, "dense": 30}


def rare_min_count(n: int) -> int:
    """Categories seen fewer times than this in ``n`` non-missing values are grouped as rare."""
    return max(2, min(10, math.ceil(0.01 * n)))


def _as_str(s: pd.Series) -> pd.Index:
    """Values of ``s`` as an object Index of ``str`` (missing values stay missing)."""
    values = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = s.astype(str).to_numpy(dtype=object)  # e.g. ints from a hand-made frame
    return pd.Index(values, dtype=object)


class _Column:
    """Learned vocabulary of one column."""

    def __init__(self, categories: list[str], has_rare: bool, has_missing: bool) -> None:
        self.categories = categories
        self.has_rare = has_rare
        self.has_missing = has_missing
        self.index = pd.Index(categories, dtype=object)

    @classmethod
    def fit(cls, s: pd.Series, cap: int) -> _Column:
        missing = pd.isna(s)
        values = pd.Series(_as_str(s[~missing]))
        counts = values.value_counts().rename_axis("value").reset_index(name="n")
        counts = counts.sort_values(["n", "value"], ascending=[False, True], kind="stable")
        frequent = counts.loc[counts["n"] >= rare_min_count(len(values)), "value"].tolist()
        has_rare = len(frequent) < len(counts)
        if len(frequent) > cap or (has_rare and len(frequent) >= cap):
            frequent, has_rare = frequent[: cap - 1], True
        return cls([str(v) for v in frequent], has_rare, bool(missing.any()))

    def codes(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Integer codes (``-1`` for unseen or missing) and the missing mask."""
        missing = np.asarray(pd.isna(s), dtype=bool)
        return self.index.get_indexer(_as_str(s)), missing

    def to_json(self) -> dict[str, Any]:
        return {"categories": self.categories, "has_rare": self.has_rare, "has_missing": self.has_missing}


class CategoricalStep(Step):
    """Integer codes as floats (``native``; outputs of kind ``categorical`` named like the input)
    or one-hot columns ``col=value``, ``col=__rare__``, ``col=__missing__`` (``dense``)."""

    role = "categorical"

    def _fit(self, frame: pd.DataFrame) -> None:
        cap = MAX_CODES[self.encoding]
        self.vocab = [_Column.fit(frame[n], cap) for n in self.input_names]
        self._outputs_from_vocab()

    def _outputs_from_vocab(self) -> None:
        self.outputs = []
        for name, col in zip(self.input_names, self.vocab, strict=True):
            if self.encoding == "native":
                self.outputs.append(OutputFeature(name, name, "categorical"))
                continue
            labels = col.categories + ([RARE] if col.has_rare else []) + ([MISSING] if col.has_missing else [])
            self.outputs += [OutputFeature(f"{name}={v}", name, "onehot") for v in labels]

    def _transform(self, frame: pd.DataFrame) -> Block:
        n = len(frame)
        blocks = []
        for name, col in zip(self.input_names, self.vocab, strict=True):
            codes, missing = col.codes(frame[name])
            k = len(col.categories)
            unseen = (codes < 0) & ~missing
            if self.encoding == "native":
                out = codes.astype(np.float64)
                out[missing] = np.nan
                out[unseen] = float(k) if col.has_rare else np.nan
                blocks.append(out[:, None])
                continue
            width = k + col.has_rare + col.has_missing
            if col.has_rare:
                codes[unseen] = k
            if col.has_missing:
                codes[missing] = k + col.has_rare
            hot = np.zeros((n, width))
            rows = np.flatnonzero(codes >= 0)
            hot[rows, codes[rows]] = 1.0
            blocks.append(hot)
        return np.hstack(blocks) if blocks else np.empty((n, 0))

    def _state(self) -> dict[str, Any]:
        return {"vocab": [c.to_json() for c in self.vocab]}

    def _load_state(self, state: dict[str, Any]) -> None:
        self.vocab = [
            _Column([str(v) for v in c["categories"]], bool(c["has_rare"]), bool(c["has_missing"]))
            for c in state["vocab"]
        ]

"""Training data as the learners want it: typed features and an encoded target.

Example:
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["b", "a", None, "b"]})
    >>> X, y, dropped = prepare_training(df, infer_schema(df, "y"))
    >>> y.tolist(), dropped
    ([1, 0, 1], 1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forgeml.data._inference import infer_schema
from forgeml.data._schema import Schema
from forgeml.data._target import _missing_target, encode_target
from forgeml.data._validation import coerce_frame
from forgeml.errors import TargetError

__all__ = ["infer_schema", "prepare_training"]


def prepare_training(df: pd.DataFrame, schema: Schema) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Drop rows with a missing target; return ``(X, y, n_dropped)``.

    ``X`` is :func:`coerce_frame` of the kept rows with a fresh 0..n-1 index; ``y`` holds int64
    class codes per ``schema.target.classes`` (classification) or float64 values (regression).

    Example:
        >>> df = pd.DataFrame({"x": [0.5, 1.5, 2.5], "y": [2, 1, 2]})
        >>> X, y, n = prepare_training(df, infer_schema(df, "y", task="binary"))
        >>> y.tolist()
        [1, 0, 1]
    """
    if not all(isinstance(c, str) for c in df.columns):
        df = df.rename(columns=str)
    name = schema.target.name
    if name not in df.columns:
        raise _missing_target(df, name)
    X = coerce_frame(df, schema)  # on all rows, so error positions refer to the input
    keep = df[name].notna().to_numpy()
    n_dropped = int((~keep).sum())
    if not keep.any():
        raise TargetError(f"target column '{name}' has no values (all {len(df)} are missing).")
    if n_dropped:
        X = X.iloc[keep]
    y = encode_target(df[name].iloc[keep] if n_dropped else df[name], schema.target)
    return X.reset_index(drop=True), y, n_dropped

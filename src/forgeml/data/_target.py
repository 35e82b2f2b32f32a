"""The target: which task it implies, its classes, and label ⇄ code conversion.

Example:
    >>> spec = infer_target(pd.DataFrame({"y": ["spam", "ham", "spam"]}), "y")
    >>> spec.task, spec.classes
    ('binary', ('ham', 'spam'))
    >>> encode_target(pd.Series(["spam", "ham"]), spec).tolist()
    [1, 0]
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from forgeml.config import TASKS
from forgeml.data._schema import Label, TargetSpec
from forgeml.data._values import kind_of, to_str_array
from forgeml.errors import ConfigError, DataError, TargetError

__all__ = ["decode_labels", "encode_target", "infer_target"]

MAX_CLASSES_INFERRED = 20
MAX_CLASS_RATIO = 0.05


def _missing_target(df: pd.DataFrame, target: str) -> TargetError:
    cols = [str(c) for c in df.columns]
    close = difflib.get_close_matches(target, cols, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(repr(c) for c in cols[:30]) + (" ..." if len(cols) > 30 else "")
    return TargetError(f"target column '{target}' is not in the data.{hint} Available columns: {shown}.")


def infer_target(df: pd.DataFrame, target: str, task: str | None = None) -> TargetSpec:
    """Describe the target column: its task (inferred unless given), classes and label type."""
    if target not in df.columns:
        raise _missing_target(df, target)
    if task is not None and task not in TASKS:
        raise ConfigError(f"'task' must be one of {', '.join(TASKS)}, got {task!r}.")
    s = df[target].dropna()
    if len(s) == 0:
        raise TargetError(f"target column '{target}' has no values (all {len(df)} are missing).")
    kind = kind_of(s)
    numeric = kind in ("int", "float")
    if task is None:
        task = _infer_task(s, kind, len(df))
    if task == "regression":
        values = pd.to_numeric(s, errors="coerce") if not numeric else s
        if kind == "bool" or values.isna().any():
            bad = s[values.isna()].iloc[0] if values.isna().any() else s.iloc[0]
            raise TargetError(
                f"target column '{target}' is not numeric (e.g. {bad!r}), so it cannot be used for "
                "regression; use task='binary' or 'multiclass', or give a numeric target."
            )
        return TargetSpec(target, "regression", None, "float")
    classes, label_type = _classes(s, kind)
    if len(classes) < 2:
        raise TargetError(
            f"target column '{target}' has only one class {classes[0]!r}; a classifier needs at least two."
        )
    if task == "binary" and len(classes) > 2:
        shown = ", ".join(repr(c) for c in classes[:10]) + (" ..." if len(classes) > 10 else "")
        raise TargetError(
            f"target column '{target}' has {len(classes)} classes ({shown}) but task='binary' needs "
            "exactly two; use task='multiclass'."
        )
    return TargetSpec(target, task, tuple(classes), label_type)


def _infer_task(s: pd.Series, kind: str, n_rows: int) -> str:
    if kind in ("int", "float"):
        x = np.asarray(s, dtype=np.float64)
        if not np.all(x == np.round(x)):
            return "regression"
        k = len(np.unique(x))
        if k <= 2 or (k <= MAX_CLASSES_INFERRED and k / max(n_rows, 1) <= MAX_CLASS_RATIO):
            return "binary" if k == 2 else "multiclass"
        return "regression"
    k = s.nunique() if kind != "mixed" else len(set(to_str_array(s)))
    return "binary" if k == 2 else "multiclass"


def _classes(s: pd.Series, kind: str) -> tuple[list[Label], str]:
    if kind == "bool":
        return [bool(v) for v in np.unique(s.astype(bool).to_numpy())], "bool"
    if kind in ("int", "float"):
        x = np.unique(np.asarray(s, dtype=np.float64))
        if np.all(x == np.round(x)) and np.all(np.abs(x) < 2**53):
            return [int(v) for v in x], "int"
        return [float(v) for v in x], "float"
    return sorted(set(to_str_array(s).tolist())), "str"


def encode_target(values: pd.Series, spec: TargetSpec) -> np.ndarray:
    """Labels (no missing) → int64 class codes per ``spec.classes``, or float64 for regression."""
    if not spec.is_classification:
        return np.asarray(pd.to_numeric(values, errors="raise"), dtype=np.float64)
    classes = spec.classes or ()
    if spec.label_type == "bool" and kind_of(values) == "bool":
        codes = values.astype(bool).to_numpy().astype(np.int64)  # classes are (False, True)
    elif spec.label_type in ("int", "float") and kind_of(values) in ("int", "float"):
        ref = np.asarray(classes, dtype=np.float64)
        x = np.asarray(values, dtype=np.float64)
        pos = np.clip(np.searchsorted(ref, x), 0, len(ref) - 1)
        codes = np.where(ref[pos] == x, pos, -1).astype(np.int64)
    else:
        names = pd.Index([_label_str(c) for c in classes], dtype=object)
        codes = np.asarray(names.get_indexer(pd.Index(to_str_array(values), dtype=object)), dtype=np.int64)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        bad = values.iloc[row]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise TargetError(
            f"row {row}, target column '{spec.name}': label {bad!r} is not one of the model's classes "
            f"{list(classes)}; the model can only be scored on rows whose label it was trained to predict."
        )
    return codes


def _label_str(c: Label) -> str:
    return str(to_str_array(pd.Series([c], dtype=object))[0])


def decode_labels(codes: np.ndarray, target: TargetSpec) -> np.ndarray:
    """Class codes → the original labels, as a numpy array of the label type.

    For a regression target the values are returned as float64.

    Example:
        >>> t = TargetSpec("y", "binary", classes=("<=50K", ">50K"))
        >>> decode_labels(np.array([1, 0]), t).tolist()
        ['>50K', '<=50K']
    """
    if not target.is_classification or not target.classes:
        return np.asarray(codes, dtype=np.float64)
    idx = np.asarray(codes)
    if idx.size and (idx.dtype.kind not in "iu" and not np.all(idx == np.round(idx))):
        raise DataError(f"class codes must be integers 0..{target.n_classes - 1}, got {idx[:5].tolist()}.")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= target.n_classes):
        raise DataError(
            f"class codes must lie in 0..{target.n_classes - 1} for target '{target.name}', "
            f"got {int(idx.min())}..{int(idx.max())}."
        )
    dtype = {"int": np.int64, "float": np.float64, "bool": np.bool_}.get(target.label_type, object)
    return np.asarray(list(target.classes), dtype=dtype)[idx]

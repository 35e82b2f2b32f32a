"""What changed between a model's training data and a fresh table: the report ``forgeml retrain`` prints.

Errors stop a retrain: a feature column is missing, the target column is absent, or (incremental
mode only) the target has classes the champion was never trained on. Everything else is reported
and the retrain goes on: new columns (ignored), columns whose values no longer read as their role
(e.g. a numeric column now holding text), categories the model has never seen (with counts), and
missing rates that moved by more than ``missing_rate_change`` (10 points by default).

"Unseen" categories are values the model does not know by name: neither a category learned by its
feature pipelines nor one listed in its reference profile (rare categories grouped at training time
count as unseen).

Example:
    >>> import pandas as pd
    >>> from forgeml.data import ColumnSpec, Schema, TargetSpec
    >>> schema = Schema((ColumnSpec("x", "numeric"),), TargetSpec("y", "binary", ("no", "yes")))
    >>> changes = compare_schema(schema, pd.DataFrame({"x": [1.0], "z": [2], "y": ["maybe"]}))
    >>> changes.new_columns, changes.unseen_classes, changes.ok
    (['z'], {'maybe': 1}, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forgeml.data import DataProfile, Schema, coerce_frame
from forgeml.errors import SchemaError, TargetError

__all__ = ["SchemaChanges", "TypeChange", "compare_schema"]

_OTHER = "__other__"


@dataclass(frozen=True)
class TypeChange:
    """A column whose fresh values no longer read as its role: ``n_bad`` of them, e.g. ``example``."""

    column: str
    role: str
    n_bad: int
    example: str

    def describe(self) -> str:
        return f"'{self.column}' was {self.role}, now {self.n_bad} value(s) are not (e.g. {self.example})"


@dataclass(frozen=True)
class SchemaChanges:
    """The differences between a model's schema (and reference profile) and a fresh table."""

    n_rows: int
    target: str
    missing_columns: list[str] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    type_changes: list[TypeChange] = field(default_factory=list)
    unseen_categories: dict[str, dict[str, int]] = field(default_factory=dict)
    missing_rates: dict[str, tuple[float, float]] = field(default_factory=dict)
    target_missing: bool = False
    unseen_classes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing stops a full retrain."""
        return not self.errors("full")

    @property
    def unchanged(self) -> bool:
        return not (self.lines() or self.errors("incremental"))

    def errors(self, mode: str = "full") -> list[str]:
        """What stops a retrain in ``mode``, one sentence each."""
        out = []
        if self.missing_columns:
            out.append(
                f"the fresh data lacks {len(self.missing_columns)} feature column(s) the model needs: "
                f"{', '.join(repr(c) for c in self.missing_columns)}; add them (values may be empty)"
            )
        if self.target_missing:
            out.append(f"the fresh data has no target column '{self.target}'; retraining needs labelled rows")
        if mode == "incremental" and self.unseen_classes:
            listed = ", ".join(f"{k!r} ({v} rows)" for k, v in self.unseen_classes.items())
            out.append(
                f"target '{self.target}' has class(es) the champion was never trained on: {listed}; "
                "incremental mode cannot add classes, use --mode full"
            )
        if mode == "incremental" and self.type_changes:
            out.append(
                "incremental mode keeps the champion's feature pipelines, but "
                + "; ".join(t.describe() for t in self.type_changes)
                + "; fix the data or use --mode full"
            )
        return out

    def check(self, mode: str = "full") -> None:
        """Raise :class:`SchemaError` (or :class:`TargetError` for the target) when ``mode`` cannot go on."""
        errors = self.errors(mode)
        if not errors:
            return
        cls = TargetError if self.target_missing or (mode == "incremental" and self.unseen_classes) else SchemaError
        raise cls("; ".join(errors) + ".")

    def lines(self) -> list[str]:
        """The non-fatal changes, one readable line each (empty when nothing changed)."""
        out = []
        if self.new_columns:
            out.append(f"new column(s), ignored: {', '.join(self.new_columns)}")
        out += [f"type changed: {t.describe()}" for t in self.type_changes]
        for col, seen in self.unseen_categories.items():
            listed = ", ".join(f"{v!r} ×{n}" for v, n in list(seen.items())[:5])
            more = f" and {len(seen) - 5} more" if len(seen) > 5 else ""
            out.append(f"unseen categories in '{col}': {listed}{more}")
        for col, (before, now) in self.missing_rates.items():
            out.append(f"missing rate of '{col}': {before:.0%} → {now:.0%}")
        if self.unseen_classes:
            listed = ", ".join(f"{k!r} ×{v}" for k, v in self.unseen_classes.items())
            out.append(f"new target class(es): {listed}")
        return out

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["missing_rates"] = {k: list(v) for k, v in self.missing_rates.items()}
        d["errors"] = self.errors("full")
        d["lines"] = self.lines()
        return d


def compare_schema(
    schema: Schema,
    frame: pd.DataFrame,
    profile: DataProfile | None = None,
    *,
    known_categories: Mapping[str, Iterable[str]] | None = None,
    missing_rate_change: float = 0.1,
) -> SchemaChanges:
    """Compare ``frame`` (a fresh labelled table) with the model's ``schema`` and reference ``profile``.

    ``known_categories`` (column → category names, e.g. from the feature pipelines) adds to the
    categories listed in the profile. Nothing is raised here; call :meth:`SchemaChanges.check`.

    Example:
        >>> from forgeml.data import ColumnSpec, Schema, TargetSpec
        >>> schema = Schema((ColumnSpec("x", "numeric"),), TargetSpec("y", "regression"))
        >>> compare_schema(schema, pd.DataFrame({"y": [1.0]})).missing_columns
        ['x']
    """
    frame = frame.rename(columns=str)
    known_cols = {c.name for c in schema.columns} | {schema.target.name}
    features = schema.features
    missing = [c.name for c in features if c.name not in frame.columns]
    new = [c for c in frame.columns if c not in known_cols]
    present = [c for c in features if c.name in frame.columns]
    type_changes = [t for c in present if (t := _type_change(frame[c.name], c.name, c.role, schema)) is not None]
    broken = {t.column for t in type_changes}
    known = _known(profile, known_categories)
    unseen: dict[str, dict[str, int]] = {}
    for c in present:
        if c.role == "categorical" and c.name in known:
            counts = _unseen(frame[c.name], known[c.name])
            if counts:
                unseen[c.name] = counts
    rates = {}
    if profile is not None and len(frame):
        for p in profile.features:
            if p.name in frame.columns and p.name not in broken:
                now = float(_missing(frame[p.name], p.role).mean())
                if abs(now - p.missing_rate) > missing_rate_change:
                    rates[p.name] = (round(p.missing_rate, 4), round(now, 4))
    target = schema.target
    target_missing = target.name not in frame.columns
    classes: dict[str, int] = {}
    if not target_missing and target.is_classification:
        names = {str(c) for c in target.classes or ()}
        label_counts = frame[target.name].dropna().astype(str).value_counts()
        classes = {
            str(k): int(v) for k, v in label_counts.items() if str(k) not in names and not _same_number(k, names)
        }
    return SchemaChanges(len(frame), target.name, missing, new, type_changes, unseen, rates, target_missing, classes)


def _type_change(s: pd.Series, name: str, role: str, schema: Schema) -> TypeChange | None:
    """Does the column still read as its role? (categorical and text columns accept anything)."""
    if role in ("categorical", "text"):
        return None
    one = Schema(tuple(c for c in schema.columns if c.name == name), schema.target)
    try:
        coerce_frame(pd.DataFrame({name: s}), one)
        return None
    except SchemaError:
        pass
    counts = s.dropna().astype(object).map(str).value_counts()
    if role == "numeric":
        stripped = pd.Series(counts.index, dtype=object).str.strip()
        nulls = stripped.isin(("", "NA", "N/A", "null", "None", "nan", "NaN")).to_numpy()
        bad_mask = pd.to_numeric(stripped, errors="coerce").isna().to_numpy() & ~nulls
        bad = counts[bad_mask]
    else:
        bad_values = []
        for v in counts.index[:2000]:
            try:
                coerce_frame(pd.DataFrame({name: [v]}), one)
            except SchemaError:
                bad_values.append(v)
        bad = counts[bad_values]
    return TypeChange(name, role, int(bad.sum()), repr(bad.index[0]) if len(bad) else "?")


def _known(profile: DataProfile | None, extra: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    if profile is not None:
        for p in profile.features:
            if p.kind == "categorical" and p.role == "categorical":
                known.setdefault(p.name, set()).update(c for c in p.categories if c != _OTHER)
    for col, cats in (extra or {}).items():
        known.setdefault(col, set()).update(str(c) for c in cats)
    return known


def _unseen(s: pd.Series, known: set[str]) -> dict[str, int]:
    values = s.dropna()
    if values.empty:
        return {}
    text = values.map(_category_text)
    counts = text[~text.isin(known)].value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _category_text(v: Any) -> str:
    """A value as the categorical step names it (``3``, ``3.0`` and ``"3"`` are all ``"3"``)."""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _missing(s: pd.Series, role: str) -> np.ndarray:
    missing = s.isna().to_numpy()
    if s.dtype == object:
        missing = missing | s.astype(str).str.strip().isin(("", "NA", "N/A", "null", "None", "nan")).to_numpy()
    return np.asarray(missing, dtype=bool)


def _same_number(label: Any, names: set[str]) -> bool:
    """``1`` and ``1.0`` name the same class."""
    try:
        x = float(label)
    except (TypeError, ValueError):
        return False
    return any(_as_float(n) == x for n in names)


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None

"""The schema: each column's role, the target and the task. It travels with the data and the model.

Example:
    >>> s = Schema(
    ...     columns=(ColumnSpec("age", "numeric"), ColumnSpec("id", "identifier", reason="unique")),
    ...     target=TargetSpec("y", "binary", classes=("no", "yes")),
    ... )
    >>> [c.name for c in s.features]
    ['age']
    >>> Schema.from_json(s.to_json()) == s
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

FEATURE_ROLES = ("numeric", "categorical", "boolean", "datetime", "text")
DROPPED_ROLES = ("identifier", "constant", "drop", "subject", "pii")

Label = str | int | float | bool


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name, role (see ``FEATURE_ROLES`` and ``DROPPED_ROLES``), the dtype
    it was read with and, when inferred, why that role was chosen."""

    name: str
    role: str
    dtype: str = ""
    reason: str = ""

    @property
    def is_feature(self) -> bool:
        return self.role in FEATURE_ROLES


@dataclass(frozen=True)
class TargetSpec:
    """The target column. ``classes`` lists the labels in code order (code ``i`` is
    ``classes[i]``); for binary tasks ``classes[1]`` is the positive class."""

    name: str
    task: str
    classes: tuple[Label, ...] | None = None
    label_type: str = "str"

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes else 0

    @property
    def is_classification(self) -> bool:
        return self.task in ("binary", "multiclass")


@dataclass(frozen=True)
class Schema:
    """Column roles plus target: the contract between training data and prediction input."""

    columns: tuple[ColumnSpec, ...]
    target: TargetSpec
    group_column: str | None = None
    time_column: str | None = None
    notes: tuple[str, ...] = field(default=())
    subject_column: str | None = None  # names the person a row is about; never a feature

    @property
    def features(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.is_feature)

    @property
    def dropped(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if not c.is_feature)

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.features]

    def by_role(self, role: str) -> list[str]:
        return [c.name for c in self.columns if c.role == role]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def drop_features(self, names: list[str], reason: str) -> Schema:
        """A copy with ``names`` turned into dropped columns that record ``reason``."""
        gone = set(names)
        cols = tuple(replace(c, role="drop", reason=reason) if c.name in gone else c for c in self.columns)
        return replace(self, columns=cols)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["target"]["classes"] = list(self.target.classes) if self.target.classes is not None else None
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Schema:
        t = dict(d["target"])
        t["classes"] = tuple(t["classes"]) if t.get("classes") is not None else None
        return cls(
            columns=tuple(ColumnSpec(**c) for c in d["columns"]),
            target=TargetSpec(**t),
            group_column=d.get("group_column"),
            time_column=d.get("time_column"),
            notes=tuple(d.get("notes", ())),
            subject_column=d.get("subject_column"),
        )

"""Registry entities: frozen values, kept apart from database rows.

Example:
    >>> ModelVersion("churn", 3, "ab" * 32, 1024, "roc_auc", 0.91, {}, "2025-01-01T00:00:00.000000+00:00",
    ...              "ana", ()).ref
    'churn@3'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["AliasMove", "AuditRecord", "DatasetVersion", "ModelSummary", "ModelVersion"]


@dataclass(frozen=True)
class AuditRecord:
    """An audit entry to write in the same transaction as a registry change (all or nothing)."""

    action: str
    object_type: str
    object_id: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetVersion:
    """A registered table: identical content under one name is one version."""

    name: str
    version: int
    fingerprint: str
    schema: dict[str, Any]
    n_rows: int
    n_columns: int
    source: str | None
    created_at: str
    created_by: str
    artifact_digest: str | None = None  # the stored Parquet content (None: registered before content was kept)
    subject_column: str | None = None
    erased_at: str | None = None  # content destroyed by an erasure

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "schema": self.schema,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "source": self.source,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "artifact_digest": self.artifact_digest,
            "subject_column": self.subject_column,
            "erased_at": self.erased_at,
        }


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model, with its lineage."""

    name: str
    version: int
    artifact_digest: str
    artifact_size: int
    metric: str | None
    cv_score: float | None
    lineage: dict[str, Any]
    created_at: str
    created_by: str
    datasets: tuple[str, ...] = ()  # dataset refs, "name@version"
    aliases: tuple[str, ...] = field(default=())

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "aliases": list(self.aliases),
            "artifact_digest": self.artifact_digest,
            "artifact_size": self.artifact_size,
            "metric": self.metric,
            "cv_score": self.cv_score,
            "datasets": list(self.datasets),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "lineage": self.lineage,
        }


@dataclass(frozen=True)
class ModelSummary:
    """A model name with its versions and current aliases."""

    name: str
    versions: tuple[int, ...]
    aliases: dict[str, int]
    created_at: str
    created_by: str

    @property
    def latest(self) -> int | None:
        return max(self.versions) if self.versions else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "versions": list(self.versions),
            "latest": self.latest,
            "aliases": dict(self.aliases),
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class AliasMove:
    """One move of an alias: from ``previous_version`` to ``version`` (None: removed) at ``moved_at``."""

    name: str
    alias: str
    version: int | None
    previous_version: int | None
    moved_at: str
    moved_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alias": self.alias,
            "version": self.version,
            "previous_version": self.previous_version,
            "moved_at": self.moved_at,
            "moved_by": self.moved_by,
        }

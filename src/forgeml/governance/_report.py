"""What an erasure did, as a value that is also kept (as JSON) in the ``erasures`` table.

Example:
    >>> r = ErasureReport(erasure_id=1, subject_hash="ab" * 32)
    >>> r.nothing_found, ErasureReport.from_json(r.to_json()) == r
    (True, True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["AffectedModel", "DatasetErasure", "ErasureReport", "RetrainOutcome"]


@dataclass(frozen=True)
class DatasetErasure:
    """One dataset version that held the subject's rows: how many, and the version written without them
    (None when no rows were left)."""

    dataset: str
    rows_removed: int
    new_version: str | None


@dataclass(frozen=True)
class AffectedModel:
    """A model version trained on data that held the subject. ``holds_training_rows``: its artifact
    embeds training rows (k-NN members), so it keeps the data until it is retrained and deleted."""

    ref: str
    aliases: tuple[str, ...]
    datasets: tuple[str, ...]
    holds_training_rows: bool


@dataclass(frozen=True)
class RetrainOutcome:
    """The retraining of one affected aliased model on data without the subject."""

    model: str
    base: str
    data: tuple[str, ...]
    decision: str  # promoted | rejected | not promoted | failed
    challenger: str | None
    reason: str


@dataclass
class ErasureReport:
    """Everything one erasure request found and did; the subject appears only as its salted hash."""

    erasure_id: int
    subject_hash: str
    status: str = "running"
    reason: str | None = None
    resumed: bool = False
    started_at: str = ""
    finished_at: str | None = None
    datasets: list[DatasetErasure] = field(default_factory=list)
    content_destroyed: int = 0
    not_searched: list[str] = field(default_factory=list)
    predictions_deleted: int = 0
    feedback_deleted: int = 0
    affected_models: list[AffectedModel] = field(default_factory=list)
    retrained: list[RetrainOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rows_removed(self) -> int:
        return sum(d.rows_removed for d in self.datasets)

    @property
    def nothing_found(self) -> bool:
        """True when the subject was in no dataset, log or feedback table (e.g. a repeated request)."""
        return not self.datasets and not self.predictions_deleted and not self.feedback_deleted

    @property
    def still_holding(self) -> list[str]:
        """Model versions whose files still embed the subject's training rows."""
        return [m.ref for m in self.affected_models if m.holds_training_rows]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows_removed"] = self.rows_removed
        d["nothing_found"] = self.nothing_found
        d["still_holding"] = self.still_holding
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ErasureReport:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["datasets"] = [DatasetErasure(**x) for x in d.get("datasets", [])]
        kw["affected_models"] = [
            AffectedModel(x["ref"], tuple(x["aliases"]), tuple(x["datasets"]), bool(x["holds_training_rows"]))
            for x in d.get("affected_models", [])
        ]
        kw["retrained"] = [RetrainOutcome(**{**x, "data": tuple(x["data"])}) for x in d.get("retrained", [])]
        kw["not_searched"] = list(d.get("not_searched", []))
        kw["problems"] = list(d.get("problems", []))
        return cls(**kw)

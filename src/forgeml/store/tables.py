"""Every persistence table, as SQLAlchemy Core definitions (the migrations create the same shape).

Times are stored as UTC ISO-8601 text and JSON as canonical text, so that values hashed into the
audit chain read back byte for byte the same on SQLite and PostgreSQL.

Example:
    >>> "audit_log" in metadata.tables
    True
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "alias_history",
    "aliases",
    "audit_log",
    "datasets",
    "erasures",
    "feedback",
    "live_profiles",
    "metadata",
    "model_versions",
    "models",
    "prediction_log",
    "version_datasets",
]

metadata = MetaData()

TIME = String(40)
NAME = String(200)
DIGEST = String(64)
ID = String(36)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", DIGEST, nullable=False),
    Column("schema_json", Text, nullable=False),
    Column("n_rows", BigInteger, nullable=False),
    Column("n_columns", Integer, nullable=False),
    Column("source", Text, nullable=True),
    Column("created_at", TIME, nullable=False),
    Column("created_by", NAME, nullable=False),
    Column("artifact_digest", DIGEST, nullable=True),  # Parquet content in the artifact store
    Column("subject_column", NAME, nullable=True),  # the column naming the person a row is about
    Column("erased_at", TIME, nullable=True),  # content destroyed by an erasure (a newer version holds the rest)
    UniqueConstraint("name", "version", name="uq_datasets_name_version"),
    UniqueConstraint("name", "fingerprint", name="uq_datasets_name_fingerprint"),
)

models = Table(
    "models",
    metadata,
    Column("name", NAME, primary_key=True),
    Column("last_version", Integer, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("created_by", NAME, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_name", NAME, ForeignKey("models.name"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("artifact_digest", DIGEST, nullable=False),
    Column("artifact_size", BigInteger, nullable=False),
    Column("metric", String(100), nullable=True),
    Column("cv_score", Float, nullable=True),
    Column("lineage_json", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("created_by", NAME, nullable=False),
    UniqueConstraint("model_name", "version", name="uq_model_versions_name_version"),
)

version_datasets = Table(
    "version_datasets",
    metadata,
    Column("version_id", Integer, ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("role", String(40), nullable=False),
)

aliases = Table(
    "aliases",
    metadata,
    Column("model_name", NAME, ForeignKey("models.name"), primary_key=True),
    Column("alias", NAME, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", TIME, nullable=False),
    Column("updated_by", NAME, nullable=False),
)

alias_history = Table(
    "alias_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_name", NAME, nullable=False),
    Column("alias", NAME, nullable=False),
    Column("version", Integer, nullable=True),  # None: the alias was removed
    Column("previous_version", Integer, nullable=True),
    Column("moved_at", TIME, nullable=False),
    Column("moved_by", NAME, nullable=False),
    Index("ix_alias_history_lookup", "model_name", "alias", "moved_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", TIME, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(80), nullable=False),
    Column("object_id", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", DIGEST, nullable=False),
    Column("hash", DIGEST, nullable=False),
    Index("ix_audit_log_object", "object_type", "object_id"),
)

prediction_log = Table(
    "prediction_log",
    metadata,
    Column("id", ID, primary_key=True),  # the prediction id returned to the caller (uuid4 hex)
    Column("model_name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("subject_id", Text, nullable=True),  # from the model's subject column, when the row carries it
    Column("features_json", Text, nullable=True),  # the row as sent (None when input logging is off)
    Column("prediction_json", Text, nullable=False),
    Column("shadow_version", Integer, nullable=True),  # a shadow challenger's answer, never returned
    Column("shadow_prediction_json", Text, nullable=True),
    Index("ix_prediction_log_model_time", "model_name", "created_at"),
    Index("ix_prediction_log_subject", "subject_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("prediction_id", ID, nullable=False),
    Column("model_name", NAME, nullable=False),
    Column("version", Integer, nullable=True),
    Column("created_at", TIME, nullable=False),
    Column("subject_id", Text, nullable=True),
    Column("outcome_json", Text, nullable=False),
    UniqueConstraint("prediction_id", name="uq_feedback_prediction"),
    Index("ix_feedback_model_time", "model_name", "created_at"),
    Index("ix_feedback_subject", "subject_id"),
)

live_profiles = Table(
    "live_profiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("window_start", TIME, nullable=False),
    Column("window_end", TIME, nullable=False),
    Column("n_rows", BigInteger, nullable=False),
    Column("payload_json", Text, nullable=False),  # per-feature counts on the reference bins
    Column("created_at", TIME, nullable=False),
    Index("ix_live_profiles_model_time", "model_name", "window_start"),
)

erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_hash", DIGEST, nullable=False),  # salted hash, never the raw id
    Column("reason", Text, nullable=True),
    Column("status", String(40), nullable=False),  # running | done
    Column("started_at", TIME, nullable=False),
    Column("finished_at", TIME, nullable=True),
    Column("started_by", NAME, nullable=False),
    Column("report_json", Text, nullable=False),
    Index("ix_erasures_subject", "subject_hash"),
)

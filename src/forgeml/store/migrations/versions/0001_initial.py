"""Initial schema: datasets, models, versions, lineage links, aliases with history, audit log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.String(40)
NAME = sa.String(200)
DIGEST = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fingerprint", DIGEST, nullable=False),
        sa.Column("schema_json", sa.Text, nullable=False),
        sa.Column("n_rows", sa.BigInteger, nullable=False),
        sa.Column("n_columns", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_datasets_name_version"),
        sa.UniqueConstraint("name", "fingerprint", name="uq_datasets_name_fingerprint"),
    )
    op.create_table(
        "models",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("last_version", sa.Integer, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", NAME, nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", NAME, sa.ForeignKey("models.name"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("artifact_digest", DIGEST, nullable=False),
        sa.Column("artifact_size", sa.BigInteger, nullable=False),
        sa.Column("metric", sa.String(100), nullable=True),
        sa.Column("cv_score", sa.Float, nullable=True),
        sa.Column("lineage_json", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        sa.UniqueConstraint("model_name", "version", name="uq_model_versions_name_version"),
    )
    op.create_table(
        "version_datasets",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), primary_key=True),
        sa.Column("role", sa.String(40), nullable=False),
    )
    op.create_table(
        "aliases",
        sa.Column("model_name", NAME, sa.ForeignKey("models.name"), primary_key=True),
        sa.Column("alias", NAME, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("updated_by", NAME, nullable=False),
    )
    op.create_table(
        "alias_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", NAME, nullable=False),
        sa.Column("alias", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("previous_version", sa.Integer, nullable=True),
        sa.Column("moved_at", TIME, nullable=False),
        sa.Column("moved_by", NAME, nullable=False),
    )
    op.create_index("ix_alias_history_lookup", "alias_history", ["model_name", "alias", "moved_at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("time", TIME, nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("object_type", sa.String(80), nullable=False),
        sa.Column("object_id", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", DIGEST, nullable=False),
        sa.Column("hash", DIGEST, nullable=False),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])


def downgrade() -> None:
    for table in ("audit_log", "alias_history", "aliases", "version_datasets", "model_versions", "models", "datasets"):
        op.drop_table(table)

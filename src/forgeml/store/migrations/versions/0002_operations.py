"""Operations tables: stored dataset content and subject columns, the prediction log (with shadow
predictions), late feedback, persisted live-profile windows, and resumable erasure jobs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.String(40)
NAME = sa.String(200)
DIGEST = sa.String(64)
ID = sa.String(36)


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("artifact_digest", DIGEST, nullable=True))
        batch.add_column(sa.Column("subject_column", NAME, nullable=True))
        batch.add_column(sa.Column("erased_at", TIME, nullable=True))
    op.create_table(
        "prediction_log",
        sa.Column("id", ID, primary_key=True),
        sa.Column("model_name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=True),
        sa.Column("features_json", sa.Text, nullable=True),
        sa.Column("prediction_json", sa.Text, nullable=False),
        sa.Column("shadow_version", sa.Integer, nullable=True),
        sa.Column("shadow_prediction_json", sa.Text, nullable=True),
    )
    op.create_index("ix_prediction_log_model_time", "prediction_log", ["model_name", "created_at"])
    op.create_index("ix_prediction_log_subject", "prediction_log", ["subject_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("prediction_id", ID, nullable=False),
        sa.Column("model_name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=True),
        sa.Column("outcome_json", sa.Text, nullable=False),
        sa.UniqueConstraint("prediction_id", name="uq_feedback_prediction"),
    )
    op.create_index("ix_feedback_model_time", "feedback", ["model_name", "created_at"])
    op.create_index("ix_feedback_subject", "feedback", ["subject_id"])
    op.create_table(
        "live_profiles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("window_start", TIME, nullable=False),
        sa.Column("window_end", TIME, nullable=False),
        sa.Column("n_rows", sa.BigInteger, nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_live_profiles_model_time", "live_profiles", ["model_name", "window_start"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_hash", DIGEST, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("started_by", NAME, nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
    )
    op.create_index("ix_erasures_subject", "erasures", ["subject_hash"])


def downgrade() -> None:
    for table in ("erasures", "live_profiles", "feedback", "prediction_log"):
        op.drop_table(table)
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("subject_column")
        batch.drop_column("artifact_digest")

"""Risk assessments, versioned, and the reviewers' marks.

Revision ID: 0003_risk
Revises: 0002_evidence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_risk"
down_revision = "0002_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("inputs_digest", sa.String(64), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("severity", sa.Float(), nullable=False),
        sa.Column("likelihood", sa.Float(), nullable=False),
        sa.Column("involvement", sa.String(20), nullable=False),
        sa.Column("heightened", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("worst_harm", sa.String(40)),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            ondelete="CASCADE",
            name="fk_assessments_subscription_id_subscriptions",
        ),
    )
    op.create_index("ix_assessments_subscription_id", "assessments", ["subscription_id"])
    op.create_index("ix_assessments_org_id", "assessments", ["org_id"])
    op.create_index("ix_assessments_current_priority", "assessments", ["current", "priority"])
    op.create_table(
        "risk_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("last_assessment_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_reviews"),
    )


def downgrade() -> None:
    op.drop_table("risk_reviews")
    op.drop_table("assessments")

"""Enforcement orders and their delivery attempts.

Revision ID: 0007_enforce
Revises: 0006_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_enforce"
down_revision = "0006_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_orders",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target_status", sa.String(20), nullable=False),
        sa.Column("decision_id", sa.String(40)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("due_by", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(32)),
        sa.Column("connector", sa.String(20)),
        sa.Column("last_error", sa.Text()),
        sa.Column("sent_at", sa.String(32)),
        sa.Column("acknowledged_at", sa.String(32)),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("acknowledgement", sa.JSON()),
        sa.Column("closed_reason", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_orders"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            ondelete="RESTRICT",
            name="fk_enforcement_orders_subscription_id_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            ondelete="RESTRICT",
            name="fk_enforcement_orders_decision_id_decisions",
        ),
        sa.UniqueConstraint("decision_id", "subscription_id", name="uq_enforcement_orders_decision_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_enforcement_orders_idempotency_key"),
    )
    op.create_index("ix_enforcement_orders_subscription_id", "enforcement_orders", ["subscription_id"])
    op.create_index("ix_enforcement_orders_decision_id", "enforcement_orders", ["decision_id"])
    op.create_index("ix_enforcement_orders_state_next_attempt_at", "enforcement_orders", ["state", "next_attempt_at"])
    op.create_table(
        "enforcement_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("connector", sa.String(20), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("answer", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_enforcement_attempts"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["enforcement_orders.id"],
            ondelete="RESTRICT",
            name="fk_enforcement_attempts_order_id_enforcement_orders",
        ),
        sa.UniqueConstraint("order_id", "number", name="uq_enforcement_attempts_order_id"),
    )
    op.create_index("ix_enforcement_attempts_order_id", "enforcement_attempts", ["order_id"])


def downgrade() -> None:
    op.drop_table("enforcement_attempts")
    op.drop_table("enforcement_orders")

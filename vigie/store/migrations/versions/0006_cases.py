"""Users and API tokens; cases with members, evidence items, custody, interviews and findings;
use requests; decisions and their approvals.

Revision ID: 0006_cases
Revises: 0005_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_cases"
down_revision = "0005_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.Text()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", name="fk_api_tokens_user_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.String(32)),
        sa.Column("revoked_at", sa.String(32)),
        sa.Column("revoked_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("origin_ref", sa.String(400)),
        sa.Column("org_id", sa.String(200)),
        sa.Column("subscription_ids", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text()),
        sa.Column("opened_at", sa.String(32), nullable=False),
        sa.Column("opened_by", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.String(32)),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("closing_note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_org_id", "cases", ["org_id"])

    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name="fk_case_members_case_id_cases", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", name="fk_case_members_user_id_users", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("removed_at", sa.String(32)),
        sa.Column("removed_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_case_members"),
        sa.UniqueConstraint("case_id", "user_id", name="uq_case_members_case_id"),
    )
    op.create_index("ix_case_members_case_id", "case_members", ["case_id"])
    op.create_index("ix_case_members_user_id", "case_members", ["user_id"])

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name="fk_evidence_items_case_id_cases", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("document_id", sa.String(40)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("label_sealed", sa.Text()),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_items"),
    )
    op.create_index("ix_evidence_items_case_id", "evidence_items", ["case_id"])

    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "item_id",
            sa.String(40),
            sa.ForeignKey("evidence_items.id", name="fk_custody_events_item_id_evidence_items", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_custody_events"),
    )
    op.create_index("ix_custody_events_item_id", "custody_events", ["item_id"])
    op.create_index("ix_custody_events_case_id", "custody_events", ["case_id"])

    op.create_table(
        "interviews",
        sa.Column(
            "item_id",
            sa.String(40),
            sa.ForeignKey("evidence_items.id", name="fk_interviews_item_id_evidence_items", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conducted_on", sa.Date(), nullable=False),
        sa.Column("conducted_by", sa.String(200), nullable=False),
        sa.Column("record_sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name="pk_interviews"),
    )

    op.create_table(
        "findings",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name="fk_findings_case_id_cases", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("allegation", sa.String(400), nullable=False),
        sa.Column("conclusion", sa.String(30), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("evidence_item_ids", sa.JSON(), nullable=False),
        sa.Column("supersedes", sa.String(40)),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_case_id", "findings", ["case_id"])

    op.create_table(
        "use_requests",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("requester_sealed", sa.Text()),
        sa.Column("service_id", sa.String(200)),
        sa.Column("subscription_ids", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name="fk_use_requests_case_id_cases", ondelete="SET NULL"),
        ),
        sa.Column("triage", sa.JSON()),
        sa.Column("triaged_at", sa.String(32)),
        sa.Column("triaged_by", sa.String(200)),
        sa.Column("outcome", sa.String(30)),
        sa.Column("conditions", sa.Text()),
        sa.Column("rationale", sa.Text()),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("decided_by", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_use_requests"),
    )
    op.create_index("ix_use_requests_org_id", "use_requests", ["org_id"])
    op.create_index("ix_use_requests_status", "use_requests", ["status"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", name="fk_decisions_case_id_cases", ondelete="SET NULL"),
        ),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("subscription_ids", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text()),
        sa.Column("exit_plan", sa.JSON()),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("proposed_at", sa.String(32), nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("reviewed_at", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])
    op.create_index("ix_decisions_org_id", "decisions", ["org_id"])
    op.create_index("ix_decisions_status", "decisions", ["status"])
    op.create_index("ix_decisions_review_date", "decisions", ["review_date"])

    op.create_table(
        "decision_approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "decision_id",
            sa.String(40),
            sa.ForeignKey("decisions.id", name="fk_decision_approvals_decision_id_decisions", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.String(40),
            sa.ForeignKey("users.id", name="fk_decision_approvals_user_id_users", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_decision_approvals"),
    )
    op.create_index("ix_decision_approvals_decision_id", "decision_approvals", ["decision_id"])


def downgrade() -> None:
    op.drop_table("decision_approvals")
    op.drop_table("decisions")
    op.drop_table("use_requests")
    op.drop_table("findings")
    op.drop_table("interviews")
    op.drop_table("custody_events")
    op.drop_table("evidence_items")
    op.drop_table("case_members")
    op.drop_table("cases")
    op.drop_table("api_tokens")
    op.drop_table("users")

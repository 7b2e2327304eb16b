"""Screening runs, matches and judgements; register organisations linked to the gazetteer.

Revision ID: 0005_names
Revises: 0004_risk_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_names"
down_revision = "0004_risk_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screen_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("lists", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("engine", sa.String(40), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screen_runs"),
    )
    op.create_table(
        "screen_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("screen_runs.id", name="fk_screen_matches_run_id_screen_runs", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(300), nullable=False),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("list_name", sa.String(300), nullable=False),
        sa.Column("candidate_id", sa.String(300), nullable=False),
        sa.Column("candidate_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("judgement", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_screen_matches"),
    )
    op.create_index("ix_screen_matches_run_id", "screen_matches", ["run_id"])
    op.create_index("ix_screen_matches_pair", "screen_matches", ["subject_id", "list_name", "candidate_id"])
    op.create_table(
        "screen_judgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.String(300), nullable=False),
        sa.Column("list_name", sa.String(300), nullable=False),
        sa.Column("candidate_id", sa.String(300), nullable=False),
        sa.Column("judgement", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_screen_judgements"),
        sa.UniqueConstraint(
            "subject_id", "list_name", "candidate_id", name="uq_screen_judgements_subject_id"
        ),
    )
    op.create_table(
        "organisation_bodies",
        sa.Column(
            "org_id",
            sa.String(200),
            sa.ForeignKey("organisations.id", name="fk_organisation_bodies_org_id_organisations", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("body_id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_organisation_bodies"),
    )
    op.create_index("ix_organisation_bodies_body_id", "organisation_bodies", ["body_id"])


def downgrade() -> None:
    op.drop_table("organisation_bodies")
    op.drop_table("screen_judgements")
    op.drop_table("screen_matches")
    op.drop_table("screen_runs")

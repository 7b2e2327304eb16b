"""The risk list read off indexes in its own order, and the counts of current assessments kept as they change.

The list orders current assessments by priority, highest first, then by subscription id, and may be
filtered on a band or on heightened diligence. With (current, priority) alone PostgreSQL had to sort
every current assessment of a tied priority (most of a million share a handful of values) to serve
the first page, and a band filter read the index from the top until it reached that band. Indexes
holding the whole order — for all current assessments, and within each of the list's filters: a
band, a heightened flag, both — let a page be read off an index in order.

Counting the current assessments for a page's `total` read a million index entries (100 ms on
PostgreSQL); `assessment_tallies` holds those counts per band and heightened flag, kept by the one
function that writes assessments, in the same transaction. It is filled here from the assessments
already stored.

Revision ID: 0008_risk_ranking
Revises: 0007_enforce
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_risk_ranking"
down_revision = "0007_enforce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_assessments_current_rank", "assessments", ["current", sa.text("priority DESC"), "subscription_id"]
    )
    op.create_index(
        "ix_assessments_current_band_rank",
        "assessments",
        ["current", "band", sa.text("priority DESC"), "subscription_id"],
    )
    op.create_index(
        "ix_assessments_current_band_heightened_rank",
        "assessments",
        ["current", "band", "heightened", sa.text("priority DESC"), "subscription_id"],
    )
    op.create_index(
        "ix_assessments_current_heightened_rank",
        "assessments",
        ["current", "heightened", sa.text("priority DESC"), "subscription_id"],
    )
    op.drop_index("ix_assessments_current_priority", table_name="assessments")
    op.create_table(
        "assessment_tallies",
        sa.Column("band", sa.String(20), nullable=False),
        sa.Column("heightened", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band", "heightened", name="pk_assessment_tallies"),
    )
    op.execute(
        "INSERT INTO assessment_tallies (band, heightened, count) "
        "SELECT band, heightened, COUNT(*) FROM assessments WHERE current = true GROUP BY band, heightened"
    )


def downgrade() -> None:
    op.drop_table("assessment_tallies")
    op.create_index("ix_assessments_current_priority", "assessments", ["current", "priority"])
    op.drop_index("ix_assessments_current_heightened_rank", table_name="assessments")
    op.drop_index("ix_assessments_current_band_heightened_rank", table_name="assessments")
    op.drop_index("ix_assessments_current_band_rank", table_name="assessments")
    op.drop_index("ix_assessments_current_rank", table_name="assessments")

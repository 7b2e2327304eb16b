"""Assessment indexes that lead with the subscription or the organisation, then `current`.

Without statistics SQLite's planner picked the (current, priority) index for "the current
assessment of these subscriptions", reading every current assessment: a second and more per query
with a million subscriptions, on the path that re-assesses what one new document touches. With
`current` second in these indexes, such lookups read only the rows they return. The new indexes'
first columns serve everything the single-column indexes they replace did.

Revision ID: 0004_risk_indexes
Revises: 0003_risk
"""

from __future__ import annotations

from alembic import op

revision = "0004_risk_indexes"
down_revision = "0003_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assessments_subscription_current", "assessments", ["subscription_id", "current"])
    op.drop_index("ix_assessments_subscription_id", table_name="assessments")
    op.create_index("ix_assessments_org_current_priority", "assessments", ["org_id", "current", "priority"])
    op.drop_index("ix_assessments_org_id", table_name="assessments")


def downgrade() -> None:
    op.create_index("ix_assessments_org_id", "assessments", ["org_id"])
    op.drop_index("ix_assessments_org_current_priority", table_name="assessments")
    op.create_index("ix_assessments_subscription_id", "assessments", ["subscription_id"])
    op.drop_index("ix_assessments_subscription_current", table_name="assessments")

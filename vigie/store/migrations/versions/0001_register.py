"""The register and the audit log.

Revision ID: 0001_register
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_register"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", BIGINT, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity_type", sa.String(60), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
        sa.Column("context", sa.Text()),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity_id", "audit_log", ["entity_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", BIGINT, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("source", sa.Text()),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["organisations.id"],
            ondelete="RESTRICT",
            name="fk_organisations_parent_id_organisations",
        ),
    )
    op.create_index("ix_organisations_kind", "organisations", ["kind"])
    op.create_index("ix_organisations_country", "organisations", ["country"])
    op.create_index("ix_organisations_parent_id", "organisations", ["parent_id"])
    op.create_table(
        "aliases",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(8)),
        sa.Column("script", sa.String(4)),
        sa.Column("source", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_aliases"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], ondelete="CASCADE", name="fk_aliases_org_id_organisations"
        ),
    )
    op.create_index("ix_aliases_org_id", "aliases", ["org_id"])
    op.create_table(
        "services",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("source", sa.Text()),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("end_user_id", sa.String(200)),
        sa.Column("region", sa.String(100)),
        sa.Column("datacentre_country", sa.String(2)),
        sa.Column("use_territories", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("declared_end_use", sa.Text()),
        sa.Column("value", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("source", sa.Text()),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["organisations.id"],
            ondelete="RESTRICT",
            name="fk_subscriptions_customer_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            ondelete="RESTRICT",
            name="fk_subscriptions_service_id_services",
        ),
        sa.ForeignKeyConstraint(
            ["end_user_id"],
            ["organisations.id"],
            ondelete="RESTRICT",
            name="fk_subscriptions_end_user_id_organisations",
        ),
    )
    op.create_index("ix_subscriptions_customer_id", "subscriptions", ["customer_id"])
    op.create_index("ix_subscriptions_service_id", "subscriptions", ["service_id"])
    op.create_index("ix_subscriptions_end_user_id", "subscriptions", ["end_user_id"])
    op.create_index("ix_subscriptions_status", "subscriptions", ["status"])
    op.create_table(
        "territories",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("source", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_territories"),
    )
    op.create_table(
        "territory_flags",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("territory_id", sa.String(100), nullable=False),
        sa.Column("flag", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_territory_flags"),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            ondelete="CASCADE",
            name="fk_territory_flags_territory_id_territories",
        ),
    )
    op.create_index("ix_territory_flags_territory_id", "territory_flags", ["territory_id"])


def downgrade() -> None:
    for table in (
        "territory_flags",
        "territories",
        "subscriptions",
        "services",
        "aliases",
        "organisations",
        "audit_head",
        "audit_log",
    ):
        op.drop_table(table)

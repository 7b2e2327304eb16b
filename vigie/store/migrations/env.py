"""Alembic environment: vigie always hands Alembic an open connection (see vigie.store.migrate)."""

from __future__ import annotations

from alembic import context

from vigie.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `vigie init` (vigie.store.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

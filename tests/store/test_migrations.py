from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from vigie.store.engine import make_engine
from vigie.store.migrate import current_revision, head_revision, is_current, upgrade
from vigie.store.schema import metadata


def test_upgrade_creates_every_table_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    before, after = upgrade(engine)
    assert before is None and after == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"migrations and models disagree: {diff}"
    engine.dispose()


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    assert is_current(engine)
    before, after = upgrade(engine)
    assert before == after == head_revision()

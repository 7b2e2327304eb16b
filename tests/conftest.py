"""Shared fixtures: every database test runs on SQLite and on the PostgreSQL at 127.0.0.1:5432.

Set VIGIE_TEST_POSTGRES to another URL to use a different server, or to "off" to skip it
(CI never does: it must run both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade

POSTGRES = os.environ.get("VIGIE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def postgres_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def backend_url(backend: str, sqlite_file: Path) -> Iterator[str]:
    """A URL to an empty database of `backend`: the SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    if POSTGRES == "off":
        pytest.skip("PostgreSQL tests switched off by VIGIE_TEST_POSTGRES=off")
    schema = f"vigie_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the parametrised backend; the PostgreSQL schema is dropped after."""
    with backend_url(getattr(request, "param", "sqlite"), tmp_path / "vigie.db") as url:
        yield url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Any test that asks for a database runs once per backend."""
    if "database_url" in metafunc.fixturenames and not any(
        m.name == "parametrize" and "database_url" in m.args[0] for m in metafunc.definition.iter_markers()
    ):
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()

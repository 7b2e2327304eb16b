"""The engines: a read-only one that cannot write, JSON read back as written, and idle connections tested."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from vigie.access.tables import User
from vigie.audit.tables import AuditEntry
from vigie.store import engine as engines
from vigie.store.engine import is_memory, json_loads, make_engine, session_scope


def _user(uid: str) -> User:
    return User(
        id=uid, name=uid, roles=["analyst"], active=True, created_at="2026-12-02T00:00:00+00:00", created_by="t"
    )


def test_a_read_only_engine_reads_what_was_committed_and_refuses_to_write(engine: Engine, database_url: str) -> None:
    with session_scope(engine) as session:
        session.add(_user("u-reader"))
    reader = make_engine(database_url, readonly=True)
    try:
        with session_scope(reader) as session:
            assert session.scalar(select(User.name).where(User.id == "u-reader")) == "u-reader"
        with pytest.raises(DBAPIError, match=r"read-only|readonly"), session_scope(reader) as session:
            session.add(_user("u-written"))
        with pytest.raises(DBAPIError, match=r"read-only|readonly"), session_scope(reader) as session:
            session.execute(text("DELETE FROM users"))
    finally:
        reader.dispose()
    with session_scope(engine) as session:
        assert session.scalars(select(User.id).order_by(User.id)).all() == ["u-reader"]
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_json_columns_read_back_equal_to_the_standard_library(engine: Engine) -> None:
    """JSON columns are decoded by orjson (json_loads): what comes back is what the standard library reads."""
    value = [{"é": ["ü", 1, 2.5, None, True], "deep": {"x": [1e-300, -0.0, 12345678901234567]}, "": "\u2028"}]
    with session_scope(engine) as session:
        user = _user("u-json")
        user.roles = value  # type: ignore[assignment]  # any JSON: the column, not the role names, is tested
        session.add(user)
    with session_scope(engine) as session:
        read = session.scalar(select(User.roles).where(User.id == "u-json"))
        stored = session.scalar(text("SELECT CAST(roles AS TEXT) FROM users WHERE id = 'u-json'"))
    assert read == value == json.loads(stored)


def test_json_that_only_the_standard_library_reads_is_read_too() -> None:
    assert json_loads('{"a": 1}') == {"a": 1}
    read = json_loads('{"a": NaN, "b": Infinity}')
    assert math.isnan(read["a"]) and read["b"] == math.inf
    with pytest.raises(ValueError):
        json_loads("{not json")


@pytest.mark.parametrize(
    ("url", "memory"),
    [("sqlite://", True), ("sqlite:///:memory:", True), ("sqlite:///file:x?mode=memory&uri=true", True),
     ("sqlite:///vigie.db", False), ("sqlite:////tmp/vigie.db", False),
     ("postgresql+psycopg://postgres@127.0.0.1:5432/test", False)],
)  # fmt: skip
def test_in_memory_sqlite_is_told_apart(url: str, memory: bool) -> None:
    assert is_memory(url) is memory


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_idle_connection_lost_meanwhile_is_replaced_before_it_is_lent(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled = make_engine(database_url, pool_size=1, max_overflow=0)
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        first = _backend_pid(pooled)
        assert _backend_pid(pooled) == first  # the pool lends the same connection again
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        # As if it had been idle longer than IDLE_CHECK_SECONDS: tested, found dead, replaced.
        monkeypatch.setattr(engines, "IDLE_CHECK_SECONDS", 0.0)
        second = _backend_pid(pooled)
        assert second != first
    finally:
        pooled.dispose()
        admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_busy_connection_is_lent_untested_and_a_lost_one_fails_once(database_url: str) -> None:
    """The price of not testing busy connections: one lost a moment after its last use fails the unit of work
    that draws it, and the pool then replaces every connection as old (SQLAlchemy's disconnect handling)."""
    pooled = make_engine(database_url, pool_size=1, max_overflow=0)
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        first = _backend_pid(pooled)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with pytest.raises(OperationalError):
            _backend_pid(pooled)
        assert _backend_pid(pooled) != first
    finally:
        pooled.dispose()
        admin.dispose()

"""Engines and sessions for the embedded SQLite default and the PostgreSQL team server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; `readonly=True` gives one for units of work that only read (a web GET).

    A read-only engine cannot write: PostgreSQL refuses a write from its connections
    (`default_transaction_read_only`) and SQLite too (`PRAGMA query_only`), so a page that starts writing
    fails loudly instead of committing half its work. On PostgreSQL it runs every statement in autocommit:
    under READ COMMITTED, the default, each statement sees a fresh snapshot inside a transaction too, so a
    reader sees the same thing without the BEGIN and COMMIT round trips (two of a page's nine or ten).
    On SQLite it begins a deferred transaction, a consistent snapshot that does not take the write lock.
    """
    url = normalise_url(url)
    kwargs["json_deserializer"] = json_loads
    if is_sqlite(url):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write, which lets two
        # writers read the same audit head; we emit BEGIN ourselves (see SQLAlchemy's pysqlite notes).
        event.listen(engine, "begin", _sqlite_begin_read if readonly else _sqlite_begin)
        if readonly:
            event.listen(engine, "connect", _sqlite_query_only)
        return engine
    if readonly:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(url, **kwargs)
    if readonly:
        event.listen(engine, "connect", _postgresql_read_only)
    checked_when_idle(engine)
    return engine


def is_memory(url: str) -> bool:
    """An in-memory SQLite database, which lives in one connection: a second engine would see another one."""
    if not is_sqlite(url):
        return False
    rest = url.partition("://")[2]
    return rest in ("", "/", "/:memory:") or "mode=memory" in rest


def json_loads(text: str | bytes) -> Any:
    """JSON columns as the standard library reads them, about five times faster: an assessment's explanation
    (4 kB) took 55 µs to decode with `json.loads`, 11 µs with orjson. Text orjson refuses (NaN, which
    `json.dumps` writes for a float that is not a number) is read by the standard library instead."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# A pooled connection idle for longer than this is tested before it is lent (a server restarted meanwhile
# would otherwise fail the next request that draws it); a busy server's connections, lent every few
# milliseconds, are not, which saves a round trip on every unit of work (`pool_pre_ping` tests them all).
IDLE_CHECK_SECONDS = 10.0


def checked_when_idle(engine: Engine) -> None:
    """Test a PostgreSQL connection before lending it when it has been idle a while (IDLE_CHECK_SECONDS); one that
    fails the test is thrown away and the pool lends another (SQLAlchemy's DisconnectionError)."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned")
        if returned is None or time.monotonic() - returned < IDLE_CHECK_SECONDS:
            return  # new, or returned a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection was lost while idle: {exc}") from exc
        if not alive:
            raise DisconnectionError("a pooled connection was lost while idle")


def _postgresql_read_only(dbapi_conn: Any, _record: Any) -> None:
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    dbapi_conn.execute("SET SESSION default_transaction_read_only = on")
    dbapi_conn.autocommit = autocommit


def _sqlite_query_only(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA query_only = ON")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA busy_timeout = 30000")
    # A larger page cache keeps index pages in memory during bulk imports (the default is 2 MB).
    cur.execute("PRAGMA cache_size = -65536")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


# One session factory, bound per unit of work: making a factory (a new Session class, with its event
# dispatch) cost 0.1 ms of CPU, paid by every web request when each unit of work made its own
# (bench/api_load.py). It holds no engine, so an engine nobody disposes is still collected with its pool.
_factory = sessionmaker(expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: everything inside commits together or not at all."""
    session = _factory(bind=engine)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

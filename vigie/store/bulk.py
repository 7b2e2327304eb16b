"""Bulk inserts straight to the database driver.

SQLAlchemy processes every parameter of every row in Python, which costs more than SQLite itself
when an import writes a million rows. Here rows arrive already in the driver's types (text for
dates and numbers, JSON text for JSON columns), and one `executemany` sends them.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table


def json_columns(table: Table, columns: Sequence[str]) -> frozenset[str]:
    return frozenset(c for c in columns if isinstance(table.c[c].type, JSON))


def row_maker(table: Table, columns: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function from a JSON-ready state to the tuple the driver wants for these columns."""
    as_json = [i for i, c in enumerate(columns) if c in json_columns(table, columns)]
    pick = itemgetter(*columns)

    def make(state: dict[str, Any]) -> tuple[Any, ...]:
        values = pick(state)
        if not as_json:
            return values  # type: ignore[no-any-return]
        out = list(values)
        for i in as_json:
            out[i] = _json_text(out[i])
        return tuple(out)

    return make


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if not value:  # most list and map columns are empty; skip the encoder for them
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False)


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    conn.exec_driver_sql(sql, rows)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Bulk work allocates millions of small acyclic objects; the cycle collector only slows it down."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

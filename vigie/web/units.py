"""The web's side of a unit of work: who a request acts as (a token or a signed-in session), and the
request itself as what a refusal records (`vigie.access.units.acting` does the rest, as for the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, authenticate_token, units
from vigie.access.service import actor_by_id
from vigie.store.engine import is_memory, is_sqlite, make_engine


class Unauthenticated(Exception):
    """No credentials, or credentials that name nobody: 401 for the API, the login page for a browser."""


READS = frozenset({"GET", "HEAD"})


def acting(
    engines: Engines,
    authenticate: Callable[[Session], Actor],
    method: str,
    path: str,
    records_reading: bool = False,
) -> AbstractContextManager[tuple[Session, Actor]]:
    """`vigie.access.units.acting`, a refusal recorded with the request it refused (`GET /api/v1/cases/…`).

    A GET or HEAD only reads, as HTTP means it to, so it runs on the read-only engine: its unit of work costs
    two round trips fewer on PostgreSQL (`make_engine(readonly=True)`), and a GET that starts writing fails
    instead of changing anything. The exceptions are the readings the audit log records (a case, an evidence
    item, who made a request): their routes say `records_reading=True`.
    """
    reader = engines.reader if method in READS and not records_reading else None
    return units.acting(engines.writer, authenticate, {"request": f"{method} {path}"}, reader)


@dataclass(frozen=True)
class Engines:
    """The application's two engines on one database: `writer` for anything that may write, `reader` for GETs."""

    writer: Engine
    reader: Engine

    @classmethod
    def open(cls, url: str, pool_size: int, max_overflow: int) -> Engines:
        if is_sqlite(url):
            writer = make_engine(url)
            # An in-memory database lives in its connection: a second engine would see another, empty one.
            return cls(writer, writer if is_memory(url) else make_engine(url, readonly=True))
        return cls(
            make_engine(url, pool_size=pool_size, max_overflow=max_overflow),
            make_engine(url, readonly=True, pool_size=pool_size, max_overflow=max_overflow),
        )

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()


def by_token(token: str | None) -> Callable[[Session], Actor]:
    def authenticate(session: Session) -> Actor:
        if not token:
            raise Unauthenticated("authentication required: send `Authorization: Bearer vgt_...` with an API token")
        try:
            return authenticate_token(session, token)
        except AccessDenied as exc:
            raise Unauthenticated(str(exc)) from None

    return authenticate


def by_user_id(user_id: str | None) -> Callable[[Session], Actor]:
    def authenticate(session: Session) -> Actor:
        if not user_id:
            raise Unauthenticated("sign in first")
        try:
            return actor_by_id(session, user_id)
        except AccessDenied as exc:
            raise Unauthenticated(str(exc)) from None

    return authenticate

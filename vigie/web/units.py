"""The web's side of a unit of work: who a request acts as (a token or a signed-in session), and the
request itself as what a refusal records (`vigie.access.units.acting` does the rest, as for the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, authenticate_token, units
from vigie.access.service import actor_by_id


class Unauthenticated(Exception):
    """No credentials, or credentials that name nobody: 401 for the API, the login page for a browser."""


def acting(
    engine: Engine, authenticate: Callable[[Session], Actor], what: str
) -> AbstractContextManager[tuple[Session, Actor]]:
    """`vigie.access.units.acting`, a refusal recorded with the request it refused (`GET /api/v1/cases/…`)."""
    return units.acting(engine, authenticate, {"request": what})


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

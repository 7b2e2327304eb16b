"""One unit of work per request, acting as the authenticated user: the web twin of the CLI's `acting`.

Authentication happens inside the transaction, then the route calls the service functions, which
check roles and case membership themselves. A refusal (AccessDenied) rolls the work back and is then
recorded in the audit log in a transaction of its own — who tried what and why it was refused —
exactly as the command line does, so a probe through the API leaves the same trace as one through
the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, authenticate_token
from vigie.access.service import actor_by_id
from vigie.audit.trail import AuditTrail
from vigie.store.engine import session_scope


class Unauthenticated(Exception):
    """No credentials, or credentials that name nobody: 401 for the API, the login page for a browser."""


@contextmanager
def acting(engine: Engine, authenticate: Callable[[Session], Actor], what: str) -> Iterator[tuple[Session, Actor]]:
    actor: Actor | None = None
    try:
        with session_scope(engine) as session:
            actor = authenticate(session)
            yield session, actor
    except AccessDenied as exc:
        if actor is None:
            raise
        with session_scope(engine) as session:
            AuditTrail(session, actor.name).record(
                "refuse", "access", actor.name, None, {"request": what, "reason": str(exc)}
            )
        raise


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

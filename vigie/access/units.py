"""One unit of work acting as a user, for every front end (the command line, the API, the pages).

Authentication happens inside the transaction, then the caller runs service functions, which check
roles and case membership themselves. A refusal (AccessDenied) rolls the work back and is then
recorded in the audit log in a transaction of its own — who tried what and why it was refused — so a
probe leaves the same trace whichever front end it came through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access.model import AccessDenied, Actor
from vigie.audit.trail import AuditTrail
from vigie.store.engine import session_scope


@contextmanager
def acting(
    engine: Engine, authenticate: Callable[[Session], Actor], attempt: dict[str, str], reader: Engine | None = None
) -> Iterator[tuple[Session, Actor]]:
    """`attempt` says what was tried, as the refusal's audit entry records it (e.g. {"command": "vigie case show"}).

    With `reader` (a read-only engine, `make_engine(readonly=True)`) the work runs on it; a refusal is still
    recorded through `engine`.
    """
    actor: Actor | None = None
    try:
        with session_scope(reader or engine) as session:
            actor = authenticate(session)
            yield session, actor
    except AccessDenied as exc:
        if actor is None:
            raise
        with session_scope(engine) as session:
            refusal = {**attempt, "reason": str(exc)}
            AuditTrail(session, actor.name).record("refuse", "access", actor.name, None, refusal)
        raise

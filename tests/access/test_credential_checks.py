"""Checking a credential on every request, on SQLite and PostgreSQL: one query for an API token (the token with
its user) and one for a signed-in web session, refusing what the two lookups they replace refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, authenticate_token
from vigie.access import service as access
from vigie.access.service import actor_by_id
from vigie.access.tables import ApiToken
from vigie.store.engine import session_scope

PASSWORD = "correct horse battery staple"


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The statements sent meanwhile, without the `BEGIN IMMEDIATE` vigie's SQLite engine opens a transaction with."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def users(engine: Engine) -> tuple[Actor, str, str]:
    """An admin, and an investigator's id and token."""
    with session_scope(engine) as session:
        access.add_user(session, None, "root", ["admin"], PASSWORD)
        root = access.actor_of(access.get_user(session, "root"))
        access.add_user(session, root, "ivy", ["investigator"])
        token = access.issue_token(session, root, "ivy").token
        return root, access.get_user(session, "ivy").id, token


def checked(engine: Engine, check: Any, credential: str) -> tuple[Actor, int]:
    with session_scope(engine) as session, counted(engine) as statements:
        actor = check(session, credential)
    return actor, len(statements)


def test_a_token_or_a_session_is_checked_in_one_query(engine: Engine) -> None:
    _root, ivy_id, token = users(engine)
    by_token, token_queries = checked(engine, authenticate_token, token)
    by_session, session_queries = checked(engine, actor_by_id, ivy_id)
    assert by_token == by_session == Actor(ivy_id, "ivy", frozenset({"investigator"}))
    assert (token_queries, session_queries) == (1, 1)


def refusal(engine: Engine, check: Any, credential: str) -> str:
    with session_scope(engine) as session, pytest.raises(AccessDenied) as refused:
        check(session, credential)
    return str(refused.value)


def test_the_roles_are_read_afresh_and_a_disabled_or_unknown_user_is_refused(engine: Engine) -> None:
    root, ivy_id, token = users(engine)
    with session_scope(engine) as session:
        access.set_roles(session, root, "ivy", ["analyst", "approver"])
    for check, credential in ((authenticate_token, token), (actor_by_id, ivy_id)):
        actor, _ = checked(engine, check, credential)
        assert actor.roles == frozenset({"analyst", "approver"})
    assert "no longer exists or is disabled" in refusal(engine, actor_by_id, "usr_0000000000000000")
    with session_scope(engine) as session:
        access.disable_user(session, root, "ivy")
    assert "is disabled" in refusal(engine, authenticate_token, token)
    assert "no longer exists or is disabled" in refusal(engine, actor_by_id, ivy_id)


def revoke_and_expire(session: Session, root: Actor, token_id: str) -> None:
    access.revoke_token(session, root, token_id)
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at="2000-01-01T00:00:00+00:00"))


def test_a_wrong_secret_says_unknown_even_for_a_revoked_token(engine: Engine) -> None:
    """The token's state is told only to whoever holds its secret: a guess learns nothing of it."""
    root, _ivy_id, token = users(engine)
    token_id = token.split("_")[1]
    with session_scope(engine) as session:
        revoke_and_expire(session, root, token_id)
    assert "was revoked" in refusal(engine, authenticate_token, token)
    assert refusal(engine, authenticate_token, f"vgt_{token_id}_{'A' * 43}").endswith("unknown token")

"""Users and tokens listed a page at a time by the database."""

from __future__ import annotations

from sqlalchemy import Engine

from vigie.access.service import actor_of, add_user, count_tokens, get_user, issue_token, list_tokens, list_users
from vigie.store.engine import session_scope


def test_users_and_tokens_are_paged_in_the_query(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_user(session, None, "root", ["admin"])
        root = actor_of(get_user(session, "root"))
        for name in ("cleo", "bert", "anna"):
            add_user(session, root, name, ["analyst"])
            issue_token(session, root, name)
        issue_token(session, root, "anna", "second")
    with session_scope(engine) as session:
        assert [u.name for u in list_users(session, root)] == ["anna", "bert", "cleo", "root"]
        assert [u.name for u in list_users(session, root, 2, 1)] == ["bert", "cleo"]
        every = list_tokens(session, root)
        assert [t.id for t in list_tokens(session, root, None, 2, 2)] == [t.id for t in every[2:]]
        assert count_tokens(session) == 4 and count_tokens(session, "anna") == 2
        anna = actor_of(get_user(session, "anna"))
        assert [t.user for t in list_tokens(session, anna, "anna", 1)] == ["anna"]

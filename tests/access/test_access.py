"""Users, passwords and tokens on SQLite and PostgreSQL: bootstrap, authentication, roles, and what is stored."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text, update

from vigie.access import ROLES, AccessDenied, Actor, authenticate_password, authenticate_token, require
from vigie.access import service as access
from vigie.access.tables import ApiToken
from vigie.audit.verify import verify
from vigie.store.engine import session_scope

PASSWORD = "correct horse battery staple"


def test_require_is_literal_and_says_who_what_and_why() -> None:
    admin = Actor("u1", "root", frozenset({"admin"}))
    assert admin.has("admin") and not admin.has("approver")
    require(admin, "admin")
    with pytest.raises(AccessDenied) as refused:
        require(admin, "approver", action="approve decision dec-1")
    message = str(refused.value)
    assert "root" in message and "approve decision dec-1" in message and "approver" in message
    with pytest.raises(ValueError, match="unknown role"):
        require(admin, "superuser")
    assert ROLES == ("analyst", "investigator", "approver", "auditor", "admin")


def test_bootstrap_then_only_admins_add_users(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match="first user must have the admin role"):
        access.add_user(session, None, "ana", ["analyst"])
    with session_scope(engine) as session:
        first = access.add_user(session, None, "root", ["admin"], PASSWORD)
        assert first.roles == ("admin",) and first.has_password
    with session_scope(engine) as session, pytest.raises(AccessDenied, match="already 1 user"):
        access.add_user(session, None, "intruder", ["admin"])
    with session_scope(engine) as session:
        root = authenticate_password(session, "root", PASSWORD)
        access.add_user(session, root, "ana", ["analyst"])
        ana = access.actor_of(access.get_user(session, "ana"))
        with pytest.raises(AccessDenied, match=r"ana .* may not create user"):
            access.add_user(session, ana, "ben", ["admin"])
        with pytest.raises(ValueError, match="already exists"):
            access.add_user(session, root, "ana", ["analyst"])
        with pytest.raises(ValueError, match="role: unknown role 'boss'"):
            access.add_user(session, root, "cy", ["boss"])
        with pytest.raises(ValueError, match="name: "):
            access.add_user(session, root, "bad name", ["analyst"])
        with pytest.raises(ValueError, match="password: at least"):
            access.add_user(session, root, "dee", ["analyst"], "short")
    with session_scope(engine) as session:
        assert verify(session).ok
        assert [u.name for u in access.list_users(session, root)] == ["ana", "root"]


def test_passwords_and_tokens_authenticate_and_are_stored_only_as_hashes(engine: Engine) -> None:
    with session_scope(engine) as session:
        access.add_user(session, None, "root", ["admin"], PASSWORD)
    with session_scope(engine) as session:
        root = authenticate_password(session, "root", PASSWORD)
        issued = access.issue_token(session, root, "root", "laptop")
        assert authenticate_token(session, issued.token) == root
        for wrong_name, wrong_password in (("root", "wrong password here"), ("nobody", PASSWORD)):
            with pytest.raises(AccessDenied, match="wrong name or password"):
                authenticate_password(session, wrong_name, wrong_password)
    with engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("users", "api_tokens", "audit_log")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    assert PASSWORD not in dump
    assert issued.token not in dump and issued.token.split("_")[-1] not in dump
    assert "$argon2id$" in dump  # the password's hash, with its parameters


def test_forged_revoked_expired_and_disabled_tokens_are_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        access.add_user(session, None, "root", ["admin"], PASSWORD)
    with session_scope(engine) as session:
        root = authenticate_password(session, "root", PASSWORD)
        access.add_user(session, root, "ivy", ["investigator"])
        good = access.issue_token(session, root, "ivy")
        short = access.issue_token(session, root, "ivy", valid_days=1)
    token_id = good.id
    forged = f"vgt_{token_id}_{'A' * 43}"  # a real id with a made-up secret
    with session_scope(engine) as session:
        for bad, why in (
            (forged, "unknown token"),
            ("vgt_000000000000_" + "B" * 43, "unknown token"),
            ("Bearer something", "malformed"),
            ("", "malformed"),
        ):
            with pytest.raises(AccessDenied, match=why):
                authenticate_token(session, bad)
        ivy = authenticate_token(session, good.token)
        with pytest.raises(AccessDenied, match="may not issue a token"):
            access.issue_token(session, ivy, "root")
        access.revoke_token(session, ivy, token_id)  # a user may revoke their own
    with session_scope(engine) as session:
        with pytest.raises(AccessDenied, match="revoked"):
            authenticate_token(session, good.token)
        session.execute(update(ApiToken).where(ApiToken.id == short.id).values(expires_at="2000-01-01T00:00:00+00:00"))
    with session_scope(engine) as session:
        with pytest.raises(AccessDenied, match="expired"):
            authenticate_token(session, short.token)
        fresh = access.issue_token(session, root, "ivy")
        access.disable_user(session, root, "ivy")
    with session_scope(engine) as session:
        with pytest.raises(AccessDenied, match="disabled"):
            authenticate_token(session, fresh.token)
        with pytest.raises(AccessDenied, match="may not disable themselves"):
            access.disable_user(session, root, "root")
        assert verify(session).ok


def test_two_bootstraps_at_once_make_one_admin(engine: Engine) -> None:
    """The second bootstrap waits for the first (the audit lock) and then sees that a user exists."""
    outcome: list[BaseException | str] = []

    def second() -> None:
        try:
            with session_scope(engine) as session:
                access.add_user(session, None, "second", ["admin"], PASSWORD)
            outcome.append("created")
        except BaseException as exc:  # the test reads what happened, whatever it was
            outcome.append(exc)

    with session_scope(engine) as session:
        access.add_user(session, None, "first", ["admin"], PASSWORD)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second bootstrap should wait for the first transaction"
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], AccessDenied), outcome
    assert "already 1 user" in str(outcome[0])
    with session_scope(engine) as session:
        assert [u.name for u in access.list_users(session, access.actor_of(access.get_user(session, "first")))] == [
            "first"
        ]
        assert verify(session).ok

"""Users, passwords and API tokens: the only way they are written, always audited.

Passwords are hashed with argon2id (argon2-cffi). A token is `vgt_<id>_<secret>` with 256 random
bits of secret; the database keeps the id and the SHA-256 of the whole token. A fast hash is
enough for a high-entropy random secret (there is nothing to brute-force), and it keeps every
command's authentication cheap. The token itself is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from vigie.access.model import AccessDenied, Actor, check_name, check_roles, require
from vigie.access.tables import ApiToken, User
from vigie.audit.trail import AuditTrail, now_iso

TOKEN_PREFIX = "vgt_"
_HASHER = PasswordHasher()
MIN_PASSWORD = 12


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so that a wrong name costs as long as a wrong password."""
    return _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class UserView:
    id: str
    name: str
    roles: tuple[str, ...]
    active: bool
    has_password: bool
    created_at: str
    created_by: str
    tokens: int  # live (not revoked, not expired) tokens


@dataclass(frozen=True)
class IssuedToken:
    id: str
    user: str
    token: str  # shown once; only its hash is stored
    expires_at: str | None


def _user_state(user: User) -> dict[str, Any]:
    """What the audit log says about a user: never the password hash."""
    return {
        "name": user.name,
        "roles": sorted(user.roles),
        "active": user.active,
        "has_password": user.password_hash is not None,
    }


def _token_state(token: ApiToken, user_name: str) -> dict[str, Any]:
    return {
        "user": user_name,
        "label": token.label,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, name=user.name, roles=frozenset(user.roles))


def user_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise LookupError(f"no user named {name!r}")
    return user


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: at least {MIN_PASSWORD} characters")
    return password


def add_user(
    session: Session,
    actor: Actor | None,
    name: str,
    roles: list[str] | tuple[str, ...],
    password: str | None = None,
) -> UserView:
    """Create a user. Without an actor this is the bootstrap: allowed only while there are no users,
    and the first user must be an admin, so that someone can manage the others."""
    check_name(name)
    role_set = check_roles(roles)
    if password is not None:
        _check_password(password)
    if actor is None:
        # Two bootstraps at once must not both see an empty table: the audit lock serialises them.
        AuditTrail(session, name).lock()
    existing = user_count(session)
    if actor is None:
        if existing:
            raise AccessDenied(
                f"creating user {name!r} without a token was refused: there are already {existing} user(s); "
                "an admin must do it (set VIGIE_TOKEN to an admin's token)"
            )
        if "admin" not in role_set:
            raise ValueError("role: the first user must have the admin role, so that someone can manage the others")
        audit_actor, context = name, "bootstrap: the first user"
    else:
        require(actor, "admin", action=f"create user {name!r}")
        audit_actor, context = actor.name, None
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise ValueError(f"name: a user named {name!r} already exists")
    user = User(
        id="usr_" + secrets.token_hex(8),
        name=name,
        roles=sorted(role_set),
        password_hash=_HASHER.hash(password) if password is not None else None,
        active=True,
        created_at=now_iso(),
        created_by=audit_actor,
    )
    session.add(user)
    session.flush()
    AuditTrail(session, audit_actor, context).record("create", "user", user.id, None, _user_state(user))
    return view_user(session, user)


def set_roles(session: Session, actor: Actor, name: str, roles: list[str] | tuple[str, ...]) -> UserView:
    require(actor, "admin", action=f"change the roles of {name!r}")
    role_set = check_roles(roles)
    user = get_user(session, name)
    if user.id == actor.id and "admin" not in role_set:
        raise AccessDenied(f"{actor.describe()} may not remove their own admin role: another admin must do it")
    before = _user_state(user)
    user.roles = sorted(role_set)
    session.flush()
    AuditTrail(session, actor.name).record("update", "user", user.id, before, _user_state(user))
    return view_user(session, user)


def set_password(session: Session, actor: Actor, name: str, password: str) -> None:
    """An admin sets anyone's password; a user sets their own."""
    if actor.name != name:
        require(actor, "admin", action=f"set the password of {name!r}")
    _check_password(password)
    user = get_user(session, name)
    before = _user_state(user)
    user.password_hash = _HASHER.hash(password)
    session.flush()
    # The hash is not audited; the entry says that the password changed and who changed it.
    AuditTrail(session, actor.name, "password set").record("update", "user", user.id, before, _user_state(user))


def disable_user(session: Session, actor: Actor, name: str) -> UserView:
    """A user who leaves keeps their history; they can no longer sign in and their tokens stop working."""
    require(actor, "admin", action=f"disable user {name!r}")
    user = get_user(session, name)
    if user.id == actor.id:
        raise AccessDenied(f"{actor.describe()} may not disable themselves: another admin must do it")
    before = _user_state(user)
    user.active = False
    session.flush()
    AuditTrail(session, actor.name).record("disable", "user", user.id, before, _user_state(user))
    return view_user(session, user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    actor: Actor,
    name: str,
    label: str | None = None,
    valid_days: int | None = None,
) -> IssuedToken:
    """A new token for `name`: by an admin, or by the user themself (authenticated by password)."""
    if actor.name != name:
        require(actor, "admin", action=f"issue a token for {name!r}")
    if valid_days is not None and valid_days <= 0:
        raise ValueError(f"valid_days: must be positive, got {valid_days}")
    user = get_user(session, name)
    if not user.active:
        raise AccessDenied(f"{actor.describe()} may not issue a token for {name!r}: the user is disabled")
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    expires = (
        (datetime.now(UTC) + timedelta(days=valid_days)).isoformat(timespec="microseconds")
        if valid_days is not None
        else None
    )
    row = ApiToken(
        id=token_id,
        user_id=user.id,
        token_hash=_digest(token),
        label=label,
        created_at=now_iso(),
        created_by=actor.name,
        expires_at=expires,
        revoked_at=None,
        revoked_by=None,
    )
    session.add(row)
    session.flush()
    AuditTrail(session, actor.name).record("create", "api_token", token_id, None, _token_state(row, user.name))
    return IssuedToken(id=token_id, user=user.name, token=token, expires_at=expires)


def revoke_token(session: Session, actor: Actor, token_id: str) -> None:
    """Revoke by the token's id (the part after `vgt_`, shown by `vigie user list --tokens`)."""
    if token_id.startswith(TOKEN_PREFIX):
        token_id = token_id[len(TOKEN_PREFIX) :].split("_", 1)[0]
    row = session.get(ApiToken, token_id)
    if row is None:
        raise LookupError(f"no token with id {token_id!r}")
    owner = session.get(User, row.user_id)
    owner_name = owner.name if owner else row.user_id
    if owner_name != actor.name:
        require(actor, "admin", action=f"revoke token {token_id} of {owner_name!r}")
    if row.revoked_at is not None:
        raise ValueError(f"token {token_id} was already revoked at {row.revoked_at} by {row.revoked_by}")
    before = _token_state(row, owner_name)
    row.revoked_at = now_iso()
    row.revoked_by = actor.name
    session.flush()
    AuditTrail(session, actor.name).record("revoke", "api_token", token_id, before, _token_state(row, owner_name))


# What checking a credential needs to read, and nothing more: the token's hash and state with its user, in one
# query (outer-joined, so a token whose user is gone reads as a disabled user, as when they were two lookups).
# Plain columns, not ORM objects: this runs on every request, and building and tracking a User and an ApiToken
# cost more than the query.
_TOKEN_CHECK = (
    select(ApiToken.token_hash, ApiToken.revoked_at, ApiToken.expires_at, User.id, User.name, User.roles, User.active)
    .outerjoin(User, User.id == ApiToken.user_id)
    .where(ApiToken.id == bindparam("token_id"))
)
_USER_CHECK = select(User.id, User.name, User.roles, User.active).where(User.id == bindparam("user_id"))


def authenticate_token(session: Session, token: str) -> Actor:
    """The user a token belongs to; AccessDenied for a malformed, unknown, forged, revoked or expired one."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        raise AccessDenied("authentication refused: the token is malformed (tokens look like vgt_<id>_<secret>)")
    token_id = token[len(TOKEN_PREFIX) :].split("_", 1)[0]
    row = session.execute(_TOKEN_CHECK, {"token_id": token_id}).first()
    if row is None or not hmac.compare_digest(row.token_hash, _digest(token)):
        raise AccessDenied("authentication refused: unknown token")
    if row.revoked_at is not None:
        raise AccessDenied(f"authentication refused: token {token_id} was revoked at {row.revoked_at}")
    if row.expires_at is not None and row.expires_at <= now_iso():
        raise AccessDenied(f"authentication refused: token {token_id} expired at {row.expires_at}")
    if row.id is None or not row.active:
        raise AccessDenied(f"authentication refused: the user of token {token_id} is disabled")
    return Actor(id=row.id, name=row.name, roles=frozenset(row.roles))


def actor_by_id(session: Session, user_id: str) -> Actor:
    """The user a signed web session names, checked again on every request: a user disabled since they
    signed in is refused at once, like a revoked token."""
    row = session.execute(_USER_CHECK, {"user_id": user_id}).first()
    if row is None or not row.active:
        raise AccessDenied("authentication refused: the session's user no longer exists or is disabled")
    return Actor(id=row.id, name=row.name, roles=frozenset(row.roles))


def authenticate_password(session: Session, name: str, password: str) -> Actor:
    """The user with this name and password; the same AccessDenied whether the name or the password is wrong."""
    refused = AccessDenied(f"authentication refused for {name!r}: wrong name or password, or user disabled")
    user = session.scalar(select(User).where(User.name == name))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise refused from None
    if user is None or user.password_hash is None or not user.active:
        raise refused
    return actor_of(user)


def view_user(session: Session, user: User) -> UserView:
    now = now_iso()
    live = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )
    return UserView(
        id=user.id,
        name=user.name,
        roles=tuple(sorted(user.roles)),
        active=user.active,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        created_by=user.created_by,
        tokens=int(live or 0),
    )


def list_users(session: Session, actor: Actor, limit: int | None = None, offset: int = 0) -> list[UserView]:
    """Names and roles are not secret inside the team: case owners need them to add members.

    By name; `limit` and `offset` cut a page in the query (`user_count` is the whole list's length).
    """
    del actor  # any authenticated user may list; the parameter documents that one is needed
    query = select(User).order_by(User.name).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [view_user(session, u) for u in session.scalars(query)]


@dataclass(frozen=True)
class TokenView:
    id: str
    user: str
    label: str | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None


def list_tokens(
    session: Session, actor: Actor, name: str | None = None, limit: int | None = None, offset: int = 0
) -> list[TokenView]:
    """Token ids and their state (never a secret): an admin sees all, a user their own; oldest first, a page
    cut in the query with `limit` and `offset` (`count_tokens` is the whole list's length)."""
    if name != actor.name:
        require(actor, "admin", action="list other users' tokens")
    query = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
    if name is not None:
        query = query.where(User.name == name)
    query = query.order_by(ApiToken.created_at, ApiToken.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        TokenView(t.id, n, t.label, t.created_at, t.created_by, t.expires_at, t.revoked_at)
        for t, n in session.execute(query)
    ]


def count_tokens(session: Session, name: str | None = None) -> int:
    query = select(func.count()).select_from(ApiToken).join(User, User.id == ApiToken.user_id)
    if name is not None:
        query = query.where(User.name == name)
    return int(session.scalar(query) or 0)

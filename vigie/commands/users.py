"""`vigie user ...`: local users, roles and API tokens.

Every other command that acts as someone reads their token from VIGIE_TOKEN. The first user is
made without one (there is nobody to act as yet) and must be an admin; after that an admin's token
is needed to add users.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from vigie.access import ROLES, AccessDenied, authenticate_password
from vigie.access import service as access
from vigie.audit.trail import AuditTrail
from vigie.commands.common import acting, console, err_console, fail, open_engine
from vigie.store.engine import session_scope

user_app = typer.Typer(help="Users, their roles and API tokens (VIGIE_TOKEN).", no_args_is_help=True)

RoleOption = Annotated[list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)}; repeat for several")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin")]


def _read_password() -> str:
    line = sys.stdin.readline()
    if not line:
        fail("--password-stdin: nothing on stdin")
    return line.rstrip("\r\n")


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _user_json(u: access.UserView) -> dict[str, Any]:
    return {
        "id": u.id, "name": u.name, "roles": list(u.roles), "active": u.active, "has_password": u.has_password,
        "tokens": u.tokens, "created_at": u.created_at, "created_by": u.created_by,
    }  # fmt: skip


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name; it is what the audit log records")],
    role: RoleOption,
    password_stdin: PasswordStdin = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user. The first user needs no token and must be an admin; after that, an admin's token."""
    password = _read_password() if password_stdin else None
    engine = open_engine()
    with session_scope(engine) as session:
        bootstrap = access.user_count(session) == 0
    issued: access.IssuedToken | None = None
    if bootstrap:
        try:
            with session_scope(engine) as session:
                view = access.add_user(session, None, name, role, password)
                # Nobody could act as the first admin otherwise: their first token comes with them.
                issued = access.issue_token(session, access.actor_of(access.get_user(session, name)), name, "bootstrap")
        except (ValueError, AccessDenied) as exc:
            fail(str(exc))
    else:
        with acting(engine) as (session, actor):
            view = access.add_user(session, actor, name, role, password)
    if as_json:
        _print_json({**_user_json(view), "token": issued.token if issued else None})
        return
    if issued is None:
        console.print(f"Added user {view.name} with roles {', '.join(view.roles)}.")
        return
    print(issued.token)
    err_console.print(
        f"Added {view.name}, the first user, with roles {', '.join(view.roles)}. The line above is their API token "
        f"({issued.id}), shown only now: set VIGIE_TOKEN to it to act as {view.name}.",
        highlight=False,
    )


@user_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="Whose token")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Sign in as NAME with the password on stdin, instead of VIGIE_TOKEN")
    ] = False,
    label: Annotated[str | None, typer.Option(help="What the token is for, e.g. the machine")] = None,
    days: Annotated[int | None, typer.Option(help="Expires after this many days (default: never)")] = None,
) -> None:
    """Issue an API token: by an admin, or by the user themself with their password. It is shown once."""
    engine = open_engine()
    if password_stdin:
        password = _read_password()
        try:
            with session_scope(engine) as session:
                actor = authenticate_password(session, name, password)
                issued = access.issue_token(session, actor, name, label, days)
        except AccessDenied as exc:
            with session_scope(engine) as session:
                AuditTrail(session, name).record(
                    "refuse", "access", name, None, {"command": "vigie user token", "reason": str(exc)}
                )
            fail(str(exc))
        except (ValueError, LookupError) as exc:
            fail(str(exc))
    else:
        with acting(engine) as (session, actor):
            issued = access.issue_token(session, actor, name, label, days)
    expiry = f", expires {issued.expires_at}" if issued.expires_at else ""
    print(issued.token)
    err_console.print(
        f"Token {issued.id} for {issued.user}{expiry}. It is shown only now: keep it, and set VIGIE_TOKEN to it.",
        highlight=False,
    )


@user_app.command("list")
def list_(
    tokens: Annotated[bool, typer.Option("--tokens", help="List API tokens (ids and state, never secrets)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Users and their roles; with --tokens, tokens (an admin sees all, others their own)."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        if tokens:
            found = access.list_tokens(session, actor, None if actor.has("admin") else actor.name)
            if as_json:
                _print_json([t.__dict__ for t in found])
                return
            table = Table("id", "user", "label", "created", "by", "expires", "revoked", title="API tokens")
            for t in found:
                table.add_row(
                    t.id, t.user, t.label or "", t.created_at[:19], t.created_by, (t.expires_at or "")[:19],
                    (t.revoked_at or "")[:19],
                )  # fmt: skip
            console.print(table)
            return
        users = access.list_users(session, actor)
    if as_json:
        _print_json([_user_json(u) for u in users])
        return
    table = Table("name", "roles", "active", "password", "live tokens", "created", "by", title="Users")
    for u in users:
        table.add_row(
            u.name, ", ".join(u.roles), "yes" if u.active else "no", "yes" if u.has_password else "no",
            str(u.tokens), u.created_at[:19], u.created_by,
        )  # fmt: skip
    console.print(table)


@user_app.command("revoke-token")
def revoke_token(token_id: Annotated[str, typer.Argument(help="The token's id (see `vigie user list --tokens`)")]) -> None:
    """Revoke a token at once: an admin any, a user their own."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        access.revoke_token(session, actor, token_id)
    console.print(f"Revoked token {token_id}.")


@user_app.command("roles")
def roles(name: Annotated[str, typer.Argument()], role: RoleOption) -> None:
    """Replace a user's roles (admin)."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        view = access.set_roles(session, actor, name, role)
    console.print(f"{view.name} now has roles {', '.join(view.roles)}.")


@user_app.command("password")
def password(name: Annotated[str, typer.Argument()], password_stdin: PasswordStdin = False) -> None:
    """Set a password (your own, or anyone's as an admin), read from stdin."""
    if not password_stdin:
        fail("pass the password on stdin with --password-stdin (never as an argument)")
    new = _read_password()
    engine = open_engine()
    with acting(engine) as (session, actor):
        access.set_password(session, actor, name, new)
    console.print(f"Password of {name} set.")


@user_app.command("disable")
def disable(name: Annotated[str, typer.Argument()]) -> None:
    """Disable a user (admin): they keep their history, their tokens and password stop working."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        access.disable_user(session, actor, name)
    console.print(f"Disabled {name}.")


@user_app.command("whoami")
def whoami() -> None:
    """The user VIGIE_TOKEN belongs to."""
    engine = open_engine()
    with acting(engine) as (_session, actor):
        console.print(f"{actor.name} (roles: {', '.join(sorted(actor.roles))})")


def install(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")

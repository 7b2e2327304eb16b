"""/api/v1/users and /api/v1/tokens: local users, their roles and API tokens (`vigie user ...`).

Managing users is an admin's work: listing, adding, disabling and changing roles need the admin
role here. A token is issued by an admin, or by the user themself (with a token they already hold);
a user revokes their own tokens, an admin anyone's (vigie.access.service). Nothing here ever returns
a password or a stored token: a new token is shown once, in the answer that issues it.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from vigie.access import require
from vigie.access import service as access
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import IssuedTokenOut, RolesIn, TokenIn, TokenOut, UserIn, UserOut

router = APIRouter(tags=["users"], responses=ERRORS)


def _out(view: access.UserView) -> UserOut:
    return UserOut(
        id=view.id, name=view.name, roles=list(view.roles), active=view.active, has_password=view.has_password,
        tokens=view.tokens, created_at=view.created_at, created_by=view.created_by,
    )  # fmt: skip


@router.get("/users", response_model=Page[UserOut])
def list_users(caller: CallerDep, paging: PagingDep) -> Page[UserOut]:
    """Users by name with their roles and how many live tokens they hold (admin)."""
    with caller.unit() as (session, actor):
        require(actor, "admin", action="list users through the API")
        found = access.list_users(session, actor, paging.limit, paging.offset)
        return page_of([_out(u) for u in found], paging, access.user_count(session))


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(caller: CallerDep, body: UserIn) -> UserOut:
    """Add a user with roles and, optionally, a password for the pages (admin). Their first token is issued
    with `POST /users/{name}/tokens`."""
    with caller.unit() as (session, actor):
        return _out(access.add_user(session, actor, body.name, body.roles, body.password))


@router.get("/users/{name}", response_model=UserOut)
def get_user(caller: CallerDep, name: str) -> UserOut:
    with caller.unit() as (session, actor):
        require(actor, "admin", action="read users through the API")
        return _out(access.view_user(session, access.get_user(session, name)))


@router.post("/users/{name}/disable", response_model=UserOut)
def disable_user(caller: CallerDep, name: str) -> UserOut:
    """Disable a user (admin, not themself): their tokens and password stop working at once; history stays."""
    with caller.unit() as (session, actor):
        return _out(access.disable_user(session, actor, name))


@router.put("/users/{name}/roles", response_model=UserOut)
def set_roles(caller: CallerDep, name: str, body: RolesIn) -> UserOut:
    """Replace a user's roles (admin; an admin cannot remove their own admin role)."""
    with caller.unit() as (session, actor):
        return _out(access.set_roles(session, actor, name, body.roles))


@router.post("/users/{name}/tokens", response_model=IssuedTokenOut, status_code=201)
def issue_token(caller: CallerDep, name: str, body: TokenIn | None = None) -> IssuedTokenOut:
    """Issue an API token (an admin for anyone, a user for themself). It is in this answer and nowhere else."""
    body = body or TokenIn(label=None, valid_days=None)
    with caller.unit() as (session, actor):
        issued = access.issue_token(session, actor, name, body.label, body.valid_days)
        return IssuedTokenOut(id=issued.id, user=issued.user, token=issued.token, expires_at=issued.expires_at)


@router.get("/tokens", response_model=Page[TokenOut])
def list_tokens(caller: CallerDep, paging: PagingDep) -> Page[TokenOut]:
    """Token ids and their state, never a secret: an admin sees every token, anyone else their own."""
    with caller.unit() as (session, actor):
        whose = None if actor.has("admin") else actor.name
        found = access.list_tokens(session, actor, whose, paging.limit, paging.offset)
        return page_of([TokenOut(**t.__dict__) for t in found], paging, access.count_tokens(session, whose))


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(caller: CallerDep, token_id: str) -> Response:
    """Revoke a token at once (an admin any, a user their own); revoking it twice is refused (422)."""
    with caller.unit() as (session, actor):
        access.revoke_token(session, actor, token_id)
    return Response(status_code=204)

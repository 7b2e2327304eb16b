"""/api/v1/me: who the token belongs to — the first call an integrator makes to check its setup."""

from __future__ import annotations

from fastapi import APIRouter

from vigie.web.api.deps import ERRORS, CallerDep
from vigie.web.api.models import Me

router = APIRouter(tags=["access"], responses=ERRORS)


@router.get("/me", response_model=Me)
def me(caller: CallerDep) -> Me:
    with caller.unit() as (_session, actor):
        return Me(id=actor.id, name=actor.name, roles=sorted(actor.roles))

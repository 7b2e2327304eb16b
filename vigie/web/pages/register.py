"""The register: search across names and aliases in any language, and an organisation's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vigie.register import service
from vigie.register.tables import Organisation
from vigie.web.pages.render import render, signed_in

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


@router.get("/register", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> Response:
    with signed_in(request) as (session, actor):
        found = service.find_organisations(session, q.strip(), limit=100) if q.strip() else []
        return render(request, "register.html", {"q": q, "found": found}, actor)


@router.get("/register/organisations/{org_id}", response_class=HTMLResponse)
def organisation(request: Request, org_id: str) -> Response:
    with signed_in(request) as (session, actor):
        org = session.get(Organisation, org_id)
        if org is None:
            raise LookupError(f"no organisation {org_id!r}")
        return render(request, "organisation.html", {"view": service.organisation_view(session, org)}, actor)

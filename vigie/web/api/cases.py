"""/api/v1/cases: investigations, on a need-to-know basis (vigie.cases.service enforces membership)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigie.cases import service
from vigie.web.api.deps import CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import CaseListingOut, CaseOut

router = APIRouter(prefix="/cases", tags=["cases"])


@router.get("", response_model=Page[CaseListingOut])
def list_cases(
    caller: CallerDep, paging: PagingDep, status: Annotated[str | None, Query(max_length=20)] = None
) -> Page[CaseListingOut]:
    """Every case's existence and status; title and organisation only where the caller may read the case."""
    with caller.unit() as (session, actor):
        found = service.list_cases(session, actor, status)
        return page_of([CaseListingOut.model_validate(c) for c in found], paging)


@router.get("/{case_id}", response_model=CaseOut)
def show_case(caller: CallerDep, case_id: str) -> CaseOut:
    """A case's members, evidence items, findings and decisions: for its members only (403 otherwise).

    Interview labels stay sealed here: the API does not hold the key that opens them.
    """
    with caller.unit() as (session, actor):
        return CaseOut.model_validate(service.show_case(session, actor, case_id, None))

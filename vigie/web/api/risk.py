"""/api/v1/risk: current assessments by priority, and one relationship's assessment explained."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Row
from sqlalchemy.orm import Session

from vigie.risk import service
from vigie.risk.tables import AssessmentRecord
from vigie.web.api.deps import CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import AssessmentExplained, AssessmentOut

router = APIRouter(prefix="/risk", tags=["risk"])


def assessment_out(r: AssessmentRecord | Row[Any]) -> AssessmentOut:
    """A record, or a row of `service.listed_assessments`, which has the same names."""
    return AssessmentOut(
        subscription=r.subscription_id, organisation=r.org_id, service=r.service_id, version=r.version,
        priority=r.priority, band=r.band, action=r.action, severity=r.severity, likelihood=r.likelihood,
        involvement=r.involvement, heightened=r.heightened, worst_harm=r.worst_harm, policy_id=r.policy_id,
        policy_version=r.policy_version, created_at=r.created_at, reason=r.reason,
    )  # fmt: skip


@router.get("/assessments", response_model=Page[AssessmentOut])
def list_assessments(
    caller: CallerDep,
    paging: PagingDep,
    band: Annotated[str | None, Query(max_length=20)] = None,
    org: Annotated[str | None, Query(max_length=200, description="Only this organisation id")] = None,
    heightened: bool | None = None,
) -> Page[AssessmentOut]:
    """Current assessments, highest priority first, ties by subscription id (`vigie risk list`).

    The database cuts the page, reading a ranking index in order: a page costs the rows before it, not
    the whole list, and `total` comes from the counts kept as assessments change.
    """
    with caller.unit() as (session, _actor):
        listing = service.listed_assessments(session, paging.limit, band, org, heightened, offset=paging.offset)
        return page_of([assessment_out(r) for r in listing.rows], paging, listing.total)


def current_of(session: Session, subscription_id: str) -> AssessmentRecord:
    """The current assessment of one relationship; LookupError (404) when it has none."""
    record = service.current_assessment(session, subscription_id)
    if record is None:
        raise LookupError(f"no current assessment for subscription {subscription_id!r} (run `vigie risk assess`)")
    return record


@router.get("/assessments/{subscription_id}", response_model=AssessmentExplained)
def explain(caller: CallerDep, subscription_id: str) -> AssessmentExplained:
    """Every factor of a relationship's current assessment, with citations and policy clauses (`vigie risk explain`)."""
    with caller.unit() as (session, _actor):
        r = current_of(session, subscription_id)
        return AssessmentExplained(**assessment_out(r).model_dump(), explanation=r.body)


@router.get("/assessments/{subscription_id}/history", response_model=list[AssessmentOut])
def history(caller: CallerDep, subscription_id: str) -> list[AssessmentOut]:
    """Every version of one relationship's assessment, oldest first: what changed and why."""
    with caller.unit() as (session, _actor):
        return [assessment_out(r) for r in service.history(session, subscription_id)]

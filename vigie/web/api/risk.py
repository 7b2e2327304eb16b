"""/api/v1/risk: current assessments by priority, and one relationship's assessment explained."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigie.risk import service
from vigie.risk.tables import AssessmentRecord
from vigie.web.api.deps import CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import AssessmentExplained, AssessmentOut

router = APIRouter(prefix="/risk", tags=["risk"])


def assessment_out(r: AssessmentRecord) -> AssessmentOut:
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
    """Current assessments, highest priority first (`vigie risk list`)."""
    with caller.unit() as (session, _actor):
        records = service.current_assessments(session, paging.offset + paging.limit, band, org, heightened)
        count = select(func.count()).select_from(AssessmentRecord).where(AssessmentRecord.current.is_(True))
        if band:
            count = count.where(AssessmentRecord.band == band)
        if org:
            count = count.where(AssessmentRecord.org_id == org)
        if heightened is not None:
            count = count.where(AssessmentRecord.heightened.is_(heightened))
        total = int(session.scalar(count) or 0)
        return page_of([assessment_out(r) for r in records[paging.offset :]], paging, total)


def current_of(session: Session, subscription_id: str) -> AssessmentRecord:
    """The current assessment of one relationship; LookupError (404) when it has none."""
    for r in reversed(service.history(session, subscription_id)):
        if r.current:
            return r
    raise LookupError(f"no current assessment for subscription {subscription_id!r} (run `vigie risk assess`)")


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

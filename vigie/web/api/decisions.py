"""/api/v1/decisions: propose, approve (issuing the orders in the same transaction) and refuse."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigie.cases import decisions as dec
from vigie.enforce.service import approve_and_issue
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import ApprovedOut, DecisionOut, OrderOut, Proposal, ReviewIn, Verdict, WithdrawIn

router = APIRouter(prefix="/decisions", tags=["decisions"], responses=ERRORS)


@router.get("", response_model=Page[DecisionOut])
def list_decisions(
    caller: CallerDep,
    paging: PagingDep,
    status: Annotated[str | None, Query(max_length=20, description=", ".join(dec.STATUSES))] = None,
    org: Annotated[str | None, Query(max_length=200)] = None,
    case: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DecisionOut]:
    """Decisions, oldest first (`vigie decision list`)."""
    with caller.unit() as (session, _actor):
        found = dec.list_decisions(session, status, org, case, paging.limit, paging.offset)
        total = dec.count_decisions(session, status, org, case)
        return page_of([DecisionOut.model_validate(d) for d in found], paging, total)


@router.get("/overdue", response_model=list[DecisionOut])
def overdue(caller: CallerDep) -> list[DecisionOut]:
    """Decisions whose review date has passed, the longest overdue first."""
    with caller.unit() as (session, _actor):
        return [DecisionOut.model_validate(d) for d in dec.overdue(session)]


@router.get("/{decision_id}", response_model=DecisionOut)
def get_decision(caller: CallerDep, decision_id: str) -> DecisionOut:
    with caller.unit() as (session, _actor):
        return DecisionOut.model_validate(dec.get_decision(session, decision_id))


@router.post("", response_model=DecisionOut, status_code=201)
def propose(caller: CallerDep, body: Proposal) -> DecisionOut:
    """Propose a decision (investigator or approver role); 422 names every problem with the proposal."""
    with caller.unit() as (session, actor):
        d = dec.propose(
            session, actor, action=body.action, rationale=body.rationale, review_date=body.review_date,
            org_id=body.org_id, subscription_ids=body.subscription_ids, conditions=body.conditions,
            exit_plan=body.exit_plan.model_dump() if body.exit_plan else None, case_id=body.case_id,
        )  # fmt: skip
        return DecisionOut.model_validate(d)


@router.post("/{decision_id}/approve", response_model=ApprovedOut)
def approve(caller: CallerDep, decision_id: str, body: Verdict | None = None) -> ApprovedOut:
    """Approve and issue the enforcement orders in one transaction (approver role; for suspend and
    terminate, never the proposer: 403)."""
    with caller.unit() as (session, actor):
        done = approve_and_issue(session, actor, decision_id, body.note if body else None)
        return ApprovedOut(
            decision=DecisionOut.model_validate(done.decision),
            orders=[OrderOut.model_validate(o) for o in done.orders],
        )


@router.post("/{decision_id}/refuse", response_model=DecisionOut)
def refuse(caller: CallerDep, decision_id: str, body: Verdict) -> DecisionOut:
    """Refuse a proposed decision, saying why (approver role, not the proposer)."""
    with caller.unit() as (session, actor):
        return DecisionOut.model_validate(dec.refuse(session, actor, decision_id, body.note or ""))


@router.post("/{decision_id}/withdraw", response_model=DecisionOut)
def withdraw(caller: CallerDep, decision_id: str, body: WithdrawIn | None = None) -> DecisionOut:
    """Withdraw your own proposal, while it awaits approval."""
    with caller.unit() as (session, actor):
        return DecisionOut.model_validate(dec.withdraw(session, actor, decision_id, body.note if body else None))


@router.post("/{decision_id}/review", response_model=DecisionOut)
def review(caller: CallerDep, decision_id: str, body: ReviewIn) -> DecisionOut:
    """Record that an approved decision was reviewed, what the review found, and when to review it next."""
    with caller.unit() as (session, actor):
        return DecisionOut.model_validate(dec.review(session, actor, decision_id, body.next_review, body.note))

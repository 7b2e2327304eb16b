"""/api/v1/requests: sensitive-use and emergency requests from customers, triaged under the policy and decided.

Intake and triage are for analysts and investigators; the decision needs the approval the triage
named — an approver who did not triage it when a prohibited-use clause or an escalating factor
applies (vigie.cases.requests.decide_request). Who asked is sealed with the server's key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from vigie.access import Actor
from vigie.cases import requests as req
from vigie.cases.tables import UseRequest
from vigie.risk.policy import load_policy
from vigie.web.api.deps import ERRORS, Caller, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import RequestDecisionIn, RequestIn, RequestOut, TriageIn

router = APIRouter(prefix="/requests", tags=["requests"], responses=ERRORS)

STATUSES = ("received", "triaged", *req.OUTCOMES)


def _out(request: UseRequest, requester: str | None = None) -> RequestOut:
    out = RequestOut.model_validate(request)
    out.requester = requester if requester is not None else ("(sealed)" if request.requester_sealed else None)
    return out


def _revealed(caller: Caller, session: Session, actor: Actor, request: UseRequest) -> RequestOut:
    """Who asked, opened (and the reading audited) for those who work on requests, when the server has the key."""
    keys = caller.sealer(required=False)
    if keys is None or request.requester_sealed is None or not actor.roles & set(req.REQUESTER_READERS):
        return _out(request)
    return _out(request, req.reveal_requester(session, actor, request.id, keys))


@router.get("", response_model=Page[RequestOut])
def list_requests(
    caller: CallerDep,
    paging: PagingDep,
    status: Annotated[str | None, Query(max_length=30, description=", ".join(STATUSES))] = None,
) -> Page[RequestOut]:
    """Requests, undecided and most urgent first (`vigie request list`); who asked stays sealed in a list."""
    with caller.unit() as (session, _actor):
        found = req.list_requests(session, status, paging.limit, paging.offset)
        total = req.count_requests(session, status)
        return page_of([_out(r) for r in found], paging, total)


@router.post("", response_model=RequestOut, status_code=201)
def add_request(caller: CallerDep, body: RequestIn) -> RequestOut:
    """Record a request as received (analyst or investigator role)."""
    with caller.unit() as (session, actor):
        keys = caller.sealer(required=bool(body.requester and body.requester.strip()))
        request = req.add_request(
            session, actor, kind=body.kind, org_id=body.org_id, purpose=body.purpose, urgency=body.urgency,
            service_id=body.service_id, subscription_ids=body.subscription_ids, requester=body.requester,
            sealer=keys, case_id=body.case_id,
        )  # fmt: skip
        return _out(request)


@router.get("/{request_id}", response_model=RequestOut)
def get_request(caller: CallerDep, request_id: str) -> RequestOut:
    """One request with its triage and decision; who asked, for analysts, investigators, approvers and auditors."""
    with caller.unit(records_reading=True) as (session, actor):  # who asked, when revealed, is audited
        return _revealed(caller, session, actor, req.get_request(session, request_id))


@router.post("/{request_id}/triage", response_model=RequestOut)
def triage(caller: CallerDep, request_id: str, body: TriageIn | None = None) -> RequestOut:
    """Name the policy clauses that apply and the approval the request needs (analyst or investigator role);
    a request not yet decided may be triaged again, e.g. under a new policy."""
    with caller.unit() as (session, actor):
        policy = load_policy(caller.settings.policy_path)
        req.triage_request(session, actor, request_id, policy, body.harms if body else [])
        return _out(req.get_request(session, request_id))


@router.post("/{request_id}/decide", response_model=RequestOut)
def decide(caller: CallerDep, request_id: str, body: RequestDecisionIn) -> RequestOut:
    """Approve, approve with conditions, or refuse a triaged request, with the rationale; by the approval its
    triage named (a second person when it needs an approver)."""
    with caller.unit() as (session, actor):
        request = req.decide_request(session, actor, request_id, body.outcome, body.rationale, body.conditions)
        return _out(request)

"""Sensitive-use and emergency requests: the intake form, the triage under the policy, and the decision.

The same service functions as `vigie request add|triage|decide|show`: the triage names every clause
that applies and why, and the approval it calls for; deciding checks that the person deciding is
the one the triage asked for (an approver other than the triager when anything escalates). Who
asked is personal data: sealed with the key when recorded, and opened only on request, audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.cases import requests as req
from vigie.register.tables import Organisation, Service
from vigie.web.pages.render import form_checked, many, redirect, render, signed_in, status_of
from vigie.web.pages.resources import policy, required_sealer, sealer

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

INTAKE = ("kind", "org", "service", "subscriptions", "purpose", "urgency", "requester", "case")


@router.get("/requests", response_class=HTMLResponse)
def request_list(request: Request, status: str = "") -> Response:
    with signed_in(request) as (session, actor):
        found = req.list_requests(session, status or None)
        statuses = ("received", "triaged", *req.OUTCOMES)
        ids = {r.org_id for r in found}
        orgs = {o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
        context = {"requests": found, "status": status, "statuses": statuses, "orgs": orgs,
                   "may_record": actor.has("analyst") or actor.has("investigator")}  # fmt: skip
        return render(request, "requests.html", context, actor)


def _intake_context(session: Session, values: dict[str, str], error: str | None) -> dict[str, Any]:
    services = list(session.scalars(select(Service).order_by(Service.name)))
    return {"values": values, "error": error, "kinds": req.KINDS, "urgencies": req.URGENCIES, "services": services}


@router.get("/requests/new", response_class=HTMLResponse)
def intake(request: Request, org: str = "", subscription: str = "", case: str = "") -> Response:
    with signed_in(request) as (session, actor):
        values = {k: "" for k in INTAKE}
        values.update(org=org, subscriptions=subscription, case=case, kind="sensitive-use", urgency="routine")
        return render(request, "request_new.html", _intake_context(session, values, None), actor)


@router.post("/requests", response_class=HTMLResponse)
async def record(request: Request) -> Response:
    form = await form_checked(request)
    values = {k: form.get(k, "") for k in INTAKE}
    try:
        with signed_in(request) as (session, actor):
            requester = values["requester"].strip() or None
            found = req.add_request(
                session, actor, kind=values["kind"], org_id=values["org"].strip(), purpose=values["purpose"],
                urgency=values["urgency"], service_id=values["service"].strip() or None,
                subscription_ids=many(values["subscriptions"]), requester=requester,
                sealer=sealer(request, required=requester is not None), case_id=values["case"].strip() or None,
            )  # fmt: skip
            request_id = found.id
    except (ValueError, LookupError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            context = _intake_context(session, values, str(exc))
            return render(request, "request_new.html", context, actor, status=status_of(exc))
    return redirect(request, f"/requests/{request_id}", f"Request {request_id} recorded; triage it next.")


def _request_context(
    request: Request, session: Session, actor: Actor, request_id: str, error: str | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    found = req.get_request(session, request_id)
    harms = sorted(policy(request).harms)
    triage = found.triage or {}
    needed = str(triage.get("approval", ""))
    may_decide = found.status == "triaged" and (
        (needed == "approver" and actor.has("approver") and actor.name != found.triaged_by)
        or (needed == "investigator" and (actor.has("investigator") or actor.has("approver")))
    )
    org = session.get(Organisation, found.org_id)
    service = session.get(Service, found.service_id) if found.service_id else None
    return {
        "r": found, "org": org, "service": service, "triage": triage, "harms": harms, "error": error,
        "values": values or {}, "outcomes": req.OUTCOMES, "requester": None,
        "may_triage": found.status in ("received", "triaged") and (actor.has("analyst") or actor.has("investigator")),
        "may_decide": may_decide,
        "may_reveal": found.requester_sealed is not None and any(actor.has(r) for r in req.REQUESTER_READERS),
    }  # fmt: skip


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str) -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "request.html", _request_context(request, session, actor, request_id), actor)


async def _act(request: Request, request_id: str, verb: str) -> Response:
    values = await form_checked(request)
    try:
        with signed_in(request) as (session, actor):
            if verb == "triage":
                result = req.triage_request(session, actor, request_id, policy(request), many(values.get("harms")))
                said = (
                    f"Triaged: {len(result.clauses)} prohibited-use clause(s) apply; "
                    f"it needs {result.approval} approval."
                )
            elif verb == "decide":
                decided = req.decide_request(
                    session, actor, request_id, values.get("outcome", ""), values.get("rationale", ""),
                    values.get("conditions", "").strip() or None,
                )  # fmt: skip
                said = f"Decided: {decided.outcome}."
            else:
                raise LookupError(f"no such action on a request: {verb!r}")
    except (ValueError, LookupError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            context = _request_context(request, session, actor, request_id, str(exc), values)
            return render(request, "request.html", context, actor, status=status_of(exc))
    return redirect(request, f"/requests/{request_id}", said)


@router.post("/requests/{request_id}/triage", response_class=HTMLResponse)
async def triage(request: Request, request_id: str) -> Response:
    return await _act(request, request_id, "triage")


@router.post("/requests/{request_id}/decide", response_class=HTMLResponse)
async def decide(request: Request, request_id: str) -> Response:
    return await _act(request, request_id, "decide")


@router.post("/requests/{request_id}/requester", response_class=HTMLResponse)
async def reveal(request: Request, request_id: str) -> Response:
    """Who asked, shown on this answer only (never put in a cookie or a URL); the opening is audited."""
    await form_checked(request)
    with signed_in(request) as (session, actor):
        name = req.reveal_requester(session, actor, request_id, required_sealer(request))
        context = {**_request_context(request, session, actor, request_id), "requester": name or "(not recorded)"}
        page = render(request, "request.html", context, actor)
    page.headers["Cache-Control"] = "no-store"
    return page

"""Decisions: propose one (from a relationship or a case), approve or refuse it as a second person, follow its orders.

The forms post to the same service functions as `vigie decision propose|approve|refuse|withdraw`,
so the two-person rule and the audit log are the service layer's; a refusal is shown on the page
with the service's own message, and the form keeps what was typed. Approving issues the orders in
the same transaction (`approve_and_issue`); the decision's page then follows them until the control
plane acknowledges, and lets an operator deliver or acknowledge them there.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.cases import decisions as dec
from vigie.enforce.orders import utc_now
from vigie.enforce.service import approve_and_issue, list_orders
from vigie.web.pages.orders import may
from vigie.web.pages.render import form_checked, many, redirect, render, signed_in, status_of

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

FIELDS = ("subscriptions", "org", "case", "action", "rationale", "conditions", "review_date", *(
    f"exit_{k}" for k in dec.EXIT_FIELDS))  # fmt: skip


@router.get("/decisions", response_class=HTMLResponse)
def decisions(request: Request, status: str | None = None) -> Response:
    with signed_in(request) as (session, actor):
        found = dec.list_decisions(session, status or None)
        return render(request, "decisions.html", {"decisions": found[::-1], "status": status or ""}, actor)


def _form_context(values: dict[str, str], error: str | None) -> dict[str, Any]:
    return {"values": values, "error": error, "actions": dec.ACTIONS, "exit_fields": dec.EXIT_FIELDS}


@router.get("/decisions/new", response_class=HTMLResponse)
def new(request: Request, subscription: str = "", org: str = "", case: str = "", action: str = "suspend") -> Response:
    with signed_in(request) as (_session, actor):
        values = {k: "" for k in FIELDS}
        values.update(subscriptions=subscription, org=org, case=case, action=action,
                      review_date=(date.today() + timedelta(days=90)).isoformat())  # fmt: skip
        return render(request, "decision_new.html", _form_context(values, None), actor)


@router.post("/decisions", response_class=HTMLResponse)
async def propose(request: Request) -> Response:
    form = await form_checked(request)
    values = {k: form.get(k, "") for k in FIELDS}
    try:
        try:
            review = date.fromisoformat(values["review_date"])
        except ValueError:
            raise ValueError("review_date: give a date (YYYY-MM-DD)") from None
        exit_plan = {k: values[f"exit_{k}"] for k in dec.EXIT_FIELDS if values[f"exit_{k}"].strip()}
        with signed_in(request) as (session, actor):
            d = dec.propose(
                session, actor, action=values["action"], rationale=values["rationale"], review_date=review,
                org_id=values["org"].strip() or None, subscription_ids=many(values["subscriptions"]),
                conditions=values["conditions"] or None, case_id=values["case"].strip() or None,
                exit_plan=exit_plan or None,
            )  # fmt: skip
    except (ValueError, LookupError, AccessDenied) as exc:
        with signed_in(request) as (_session, actor):
            context = _form_context(values, str(exc))
            return render(request, "decision_new.html", context, actor, status=status_of(exc))
    who = "a second person with the approver role" if d.needs_two_people else "an approver"
    return redirect(request, f"/decisions/{d.id}", f"Decision {d.id} proposed; {who} decides it now.")


def _decision_context(session: Session, actor: Actor, decision_id: str, error: str | None = None) -> dict[str, Any]:
    d = dec.get_decision(session, decision_id)
    orders = list_orders(session, decision_id=decision_id)
    return {"d": d, "orders": orders, "error": error, "now": utc_now().isoformat(timespec="microseconds"),
            "back": f"/decisions/{d.id}", **may(actor)}  # fmt: skip


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision(request: Request, decision_id: str) -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "decision.html", _decision_context(session, actor, decision_id), actor)


@router.post("/decisions/{decision_id}/{verdict}", response_class=HTMLResponse)
async def decide(request: Request, decision_id: str, verdict: str) -> Response:
    form = await form_checked(request)
    note = form.get("note", "").strip() or None
    try:
        with signed_in(request) as (session, actor):
            if verdict == "approve":
                approved = approve_and_issue(session, actor, decision_id, note)
                said = f"Approved; {len(approved.orders)} order(s) issued, to be delivered to the control plane."
            elif verdict == "refuse":
                dec.refuse(session, actor, decision_id, note or "")
                said = "Refused."
            elif verdict == "withdraw":
                dec.withdraw(session, actor, decision_id, note)
                said = "Withdrawn."
            else:
                raise LookupError(f"no such verdict {verdict!r}: approve, refuse or withdraw")
    except (ValueError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            context = _decision_context(session, actor, decision_id, str(exc))
            return render(request, "decision.html", context, actor, status=status_of(exc))
    response: RedirectResponse = redirect(request, f"/decisions/{decision_id}", said)
    return response

"""Decisions: propose one from a relationship, and approve or refuse it as a second person.

The forms post to the same service functions as `vigie decision propose|approve|refuse`, so the
two-person rule and the audit log are the service layer's; a refusal is shown on the page with the
service's own message, and the form keeps what was typed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigie.access import AccessDenied
from vigie.cases import decisions as dec
from vigie.enforce.service import approve_and_issue, list_orders
from vigie.web.pages.render import form_checked, render, signed_in

router = APIRouter()


@router.get("/decisions", response_class=HTMLResponse)
def decisions(request: Request, status: str | None = None) -> Response:
    with signed_in(request) as (session, actor):
        found = dec.list_decisions(session, status or None)
        return render(request, "decisions.html", {"decisions": found[::-1], "status": status or ""}, actor)


def _form_context(values: dict[str, str], error: str | None) -> dict[str, Any]:
    return {"values": values, "error": error, "actions": dec.ACTIONS}


@router.get("/decisions/new", response_class=HTMLResponse)
def new(request: Request, subscription: str = "", org: str = "", case: str = "") -> Response:
    with signed_in(request) as (_session, actor):
        values = {"subscriptions": subscription, "org": org, "case": case, "action": "suspend", "rationale": "",
                  "conditions": "", "review_date": (date.today() + timedelta(days=90)).isoformat()}  # fmt: skip
        return render(request, "decision_new.html", _form_context(values, None), actor)


@router.post("/decisions", response_class=HTMLResponse)
async def propose(request: Request) -> Response:
    form = await form_checked(request)
    values = {k: form.get(k, "") for k in ("subscriptions", "org", "case", "action", "rationale", "conditions",
                                            "review_date")}  # fmt: skip
    try:
        review = date.fromisoformat(values["review_date"])
        with signed_in(request) as (session, actor):
            d = dec.propose(
                session, actor, action=values["action"], rationale=values["rationale"], review_date=review,
                org_id=values["org"].strip() or None,
                subscription_ids=[s.strip() for s in values["subscriptions"].split(",") if s.strip()],
                conditions=values["conditions"] or None, case_id=values["case"].strip() or None,
            )  # fmt: skip
    except (ValueError, LookupError, AccessDenied) as exc:
        message = str(exc) if values["review_date"] else "review_date: give a date"
        with signed_in(request) as (_session, actor):
            status = 403 if isinstance(exc, AccessDenied) else 422
            return render(request, "decision_new.html", _form_context(values, message), actor, status=status)
    return RedirectResponse(f"/decisions/{d.id}", status_code=303)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision(request: Request, decision_id: str, error: str | None = None) -> Response:
    with signed_in(request) as (session, actor):
        d = dec.get_decision(session, decision_id)
        orders = list_orders(session, decision_id=decision_id)
        context = {"d": d, "orders": orders, "error": error}
        return render(request, "decision.html", context, actor)


@router.post("/decisions/{decision_id}/{verdict}", response_class=HTMLResponse)
async def decide(request: Request, decision_id: str, verdict: str) -> Response:
    form = await form_checked(request)
    note = form.get("note", "").strip() or None
    try:
        with signed_in(request) as (session, actor):
            if verdict == "approve":
                approve_and_issue(session, actor, decision_id, note)
            elif verdict == "refuse":
                dec.refuse(session, actor, decision_id, note or "")
            else:
                raise LookupError(f"no such verdict {verdict!r}: approve or refuse")
    except (ValueError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            d = dec.get_decision(session, decision_id)
            context = {"d": d, "orders": list_orders(session, decision_id=decision_id), "error": str(exc)}
            status = 403 if isinstance(exc, AccessDenied) else 422
            return render(request, "decision.html", context, actor, status=status)
    return RedirectResponse(f"/decisions/{decision_id}", status_code=303)

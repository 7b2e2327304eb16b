"""A relationship (one subscription): its assessment explained factor by factor, the evidence timeline,
the allegations a case may be opened on, and what was decided and ordered about it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vigie.cases.decisions import decisions_on
from vigie.cases.service import allegation_key, cases_about
from vigie.enforce.orders import utc_now
from vigie.enforce.service import list_orders
from vigie.evidence.service import evidence_about
from vigie.register.service import find_relationship
from vigie.web.api.risk import current_of
from vigie.web.pages.orders import may
from vigie.web.pages.render import render, signed_in

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


@router.get("/relationships/{subscription_id}", response_class=HTMLResponse)
def relationship(request: Request, subscription_id: str) -> Response:
    """Seven queries whatever the relationship holds (eight when decisions name it), each on an index:
    tests/web/test_relationship_queries.py fails if one starts running per row again."""
    with signed_in(request) as (session, actor):
        found = find_relationship(session, subscription_id)
        if found is None:
            raise LookupError(f"no subscription {subscription_id!r}")
        sub, org, svc = found
        record = current_of(session, subscription_id)
        about = evidence_about(session, sub.customer_id)
        evidence = sorted(
            about.claims,
            key=lambda pair: (pair[0].date or pair[1].published or "", pair[0].document_id, pair[0].start),
        )
        alleged = [
            (allegation_key(a.org_id, a.service, a.harm), a)
            for a in about.allegations
            if a.service in ("*", sub.service_id, *(f"capability:{c}" for c in (svc.capabilities if svc else [])))
        ]
        # Cases on this relationship: their existence is not secret, their titles are (need to know).
        cases = cases_about(session, actor, sub.customer_id)
        decisions = decisions_on(session, sub.customer_id, subscription_id)
        context = {
            "sub": sub, "record": record, "body": record.body, "org": org, "service": svc, "evidence": evidence,
            "allegations": alleged, "cases": cases, "decisions": decisions[::-1],
            "orders": list_orders(session, subscription_id=subscription_id, limit=20),
            "now": utc_now().isoformat(timespec="microseconds"), "back": f"/relationships/{subscription_id}",
            "may_open": actor.has("analyst") or actor.has("investigator"),
            "may_propose": actor.has("investigator") or actor.has("approver"), **may(actor),
        }  # fmt: skip
        return render(request, "relationship.html", context, actor)

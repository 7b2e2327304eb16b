"""A relationship (one subscription): its assessment explained factor by factor, the evidence timeline,
the allegations a case may be opened on, and what was decided and ordered about it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from vigie.cases import decisions as dec
from vigie.cases.service import allegation_key, list_cases
from vigie.cases.tables import Case
from vigie.enforce.orders import utc_now
from vigie.enforce.service import list_orders
from vigie.evidence.service import allegations, claim_views
from vigie.register.tables import Organisation, Service, Subscription
from vigie.web.api.risk import current_of
from vigie.web.pages.orders import may
from vigie.web.pages.render import render, signed_in

router = APIRouter()


@router.get("/relationships/{subscription_id}", response_class=HTMLResponse)
def relationship(request: Request, subscription_id: str) -> Response:
    with signed_in(request) as (session, actor):
        sub = session.get(Subscription, subscription_id)
        if sub is None:
            raise LookupError(f"no subscription {subscription_id!r}")
        record = current_of(session, subscription_id)
        org = session.get(Organisation, sub.customer_id)
        svc = session.get(Service, sub.service_id)
        evidence = sorted(
            claim_views(session, [sub.customer_id]),
            key=lambda pair: (pair[0].date or pair[1].published or "", pair[0].document_id, pair[0].start),
        )
        alleged = [
            (allegation_key(a.org_id, a.service, a.harm), a)
            for a in allegations(session, [sub.customer_id])
            if a.service in ("*", sub.service_id, *(f"capability:{c}" for c in (svc.capabilities if svc else [])))
        ]
        # Cases on this relationship: their existence is not secret, their titles are (need to know).
        on_it = set(session.scalars(select(Case.id).where(Case.org_id == sub.customer_id)))
        cases = [c for c in list_cases(session, actor) if c.id in on_it]
        decisions = [d for d in dec.list_decisions(session, org_id=sub.customer_id) if subscription_id in
                     d.subscription_ids]  # fmt: skip
        context = {
            "sub": sub, "record": record, "body": record.body, "org": org, "service": svc, "evidence": evidence,
            "allegations": alleged, "cases": cases, "decisions": decisions[::-1],
            "orders": list_orders(session, subscription_id=subscription_id, limit=20),
            "now": utc_now().isoformat(timespec="microseconds"), "back": f"/relationships/{subscription_id}",
            "may_open": actor.has("analyst") or actor.has("investigator"),
            "may_propose": actor.has("investigator") or actor.has("approver"), **may(actor),
        }  # fmt: skip
        return render(request, "relationship.html", context, actor)

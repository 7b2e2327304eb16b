"""A relationship (one subscription): its assessment explained factor by factor, and the evidence timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vigie.evidence.service import claim_views
from vigie.register.tables import Organisation, Service, Subscription
from vigie.web.api.risk import current_of
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
        context = {"sub": sub, "record": record, "body": record.body, "org": org, "service": svc,
                   "evidence": evidence}  # fmt: skip
        return render(request, "relationship.html", context, actor)

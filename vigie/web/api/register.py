"""/api/v1/organisations and /api/v1/subscriptions: the register, searched across names and aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from vigie.register import service
from vigie.register.tables import Organisation
from vigie.web.api.deps import CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import (
    AliasOut,
    OrganisationOut,
    OrganisationSummary,
    ServiceOut,
    SubscriptionOut,
    SubscriptionWithService,
)

router = APIRouter(tags=["register"])

# A name search is for finding, not for export (`vigie register export` is): it stops at this many matches.
SEARCH_CAP = 10_000


@router.get("/organisations", response_model=Page[OrganisationSummary])
def list_organisations(
    caller: CallerDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=500, description="An id, or part of a name or alias")] = None,
) -> Page[OrganisationSummary]:
    """Organisations by name; with `q`, those whose id, name or any alias (any language) matches (at most
    10,000 matches: a search is for finding, `vigie register export` is for everything)."""
    with caller.unit() as (session, _actor):
        if q:
            found = service.find_organisations(session, q, limit=SEARCH_CAP)
            total = len(found)
            rows = found[paging.offset : paging.offset + paging.limit]
        else:
            total = int(session.scalar(select(func.count()).select_from(Organisation)) or 0)
            rows = list(
                session.scalars(
                    select(Organisation)
                    .order_by(Organisation.name, Organisation.id)
                    .offset(paging.offset)
                    .limit(paging.limit)
                )
            )
        return page_of([OrganisationSummary.model_validate(o) for o in rows], paging, total)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(caller: CallerDep, org_id: str) -> OrganisationOut:
    """One organisation with its parent, units, aliases and subscriptions."""
    with caller.unit() as (session, _actor):
        org = session.get(Organisation, org_id)
        if org is None:
            raise LookupError(f"no organisation {org_id!r}")
        view = service.organisation_view(session, org)
        return OrganisationOut(
            organisation=OrganisationSummary.model_validate(org),
            description=org.description,
            source=org.source,
            parent=OrganisationSummary.model_validate(view.parent) if view.parent else None,
            units=[OrganisationSummary.model_validate(u) for u in view.units],
            aliases=[AliasOut.model_validate(a) for a in view.aliases],
            subscriptions=[
                SubscriptionWithService(
                    subscription=SubscriptionOut.model_validate(sub), service=ServiceOut.model_validate(svc)
                )
                for sub, svc in view.subscriptions
            ],
            body=view.body,
        )


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(caller: CallerDep, subscription_id: str) -> SubscriptionOut:
    with caller.unit() as (session, _actor):
        sub = service.find_subscription(session, subscription_id)
        if sub is None:
            raise LookupError(f"no subscription {subscription_id!r}")
        return SubscriptionOut.model_validate(sub)

"""/api/v1/orders: enforcement orders and what needs attention (`vigie enforce list|show|status`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigie.enforce import service
from vigie.enforce.orders import utc_now
from vigie.web.api.deps import CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import OrderOut, OrdersStatusOut

router = APIRouter(prefix="/orders", tags=["enforcement"])


@router.get("", response_model=Page[OrderOut])
def list_orders(
    caller: CallerDep,
    paging: PagingDep,
    state: Annotated[str | None, Query(max_length=20)] = None,
    subscription: Annotated[str | None, Query(max_length=200)] = None,
    decision: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[OrderOut]:
    """Orders, newest first."""
    with caller.unit() as (session, _actor):
        found = service.list_orders(session, state=state, subscription_id=subscription, decision_id=decision)
        return page_of([OrderOut.model_validate(o) for o in found], paging)


@router.get("/status", response_model=OrdersStatusOut)
def status(caller: CallerDep) -> OrdersStatusOut:
    """Orders not acknowledged in time, dead letters, and how many are still open."""
    with caller.unit() as (session, _actor):
        report = service.status(session, utc_now())
        return OrdersStatusOut(
            now=report.now,
            open=report.open,
            overdue=[OrderOut.model_validate(o) for o in report.overdue],
            dead=[OrderOut.model_validate(o) for o in report.dead],
        )


@router.get("/{order_id}", response_model=OrderOut)
def get_order(caller: CallerDep, order_id: str) -> OrderOut:
    """One order with every delivery attempt."""
    with caller.unit() as (session, _actor):
        return OrderOut.model_validate(service.get_order(session, order_id))

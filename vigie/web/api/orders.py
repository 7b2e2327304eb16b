"""/api/v1/orders: enforcement orders — read, delivered, acknowledged, restored (`vigie enforce ...`).

The rules are enforcement's own (vigie.enforce.service): anyone signed in reads orders and their
status; delivering, acknowledging and retrying are operations on the control plane (admin);
restoring and cancelling are decisions (approver or admin). A subscription's status changes only
when its order is acknowledged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigie.access import require
from vigie.enforce import service
from vigie.enforce.connectors import make_connector
from vigie.enforce.orders import STATES, utc_now
from vigie.enforce.service import DECIDERS, require_operator
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import (
    AckIn,
    AckOut,
    CancelIn,
    DeliveryOut,
    OrderOut,
    OrdersStatusOut,
    RestoreIn,
)

router = APIRouter(prefix="/orders", tags=["enforcement"], responses=ERRORS)


@router.get("", response_model=Page[OrderOut])
def list_orders(
    caller: CallerDep,
    paging: PagingDep,
    state: Annotated[str | None, Query(max_length=20, description=", ".join(STATES))] = None,
    subscription: Annotated[str | None, Query(max_length=200)] = None,
    decision: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[OrderOut]:
    """Orders, newest first."""
    with caller.unit() as (session, _actor):
        found = service.list_orders(
            session, state=state, subscription_id=subscription, decision_id=decision, limit=paging.limit,
            offset=paging.offset,
        )  # fmt: skip
        total = service.count_orders(session, state=state, subscription_id=subscription, decision_id=decision)
        return page_of([OrderOut.model_validate(o) for o in found], paging, total)


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


@router.post("/deliver", response_model=DeliveryOut)
def deliver(caller: CallerDep) -> DeliveryOut:
    """Deliver every due order once through the configured connector, reading the outbox's acknowledgement
    files first (admin). Failed deliveries are retried by later calls, with backoff, until the dead letters."""
    with caller.unit() as (_session, actor):
        require_operator(actor, "deliver enforcement orders")
    config = caller.settings.enforce
    connector = make_connector(config)  # ConnectorError: 503, the server's connector is not set up
    report = service.deliver(caller.engine, actor.name, config, connector=connector)
    return DeliveryOut(connector=connector.name, target=connector.target, **report.as_dict())


@router.post("/restore", response_model=list[OrderOut], status_code=201)
def restore(caller: CallerDep, body: RestoreIn) -> list[OrderOut]:
    """Order subscriptions restored (approver or admin); the register says `active` once the control plane
    acknowledges. Every problem is named at once, and then no order is issued."""
    with caller.unit() as (session, actor):
        require(actor, *DECIDERS, action="restore subscriptions")
        orders = service.restore(session, actor.name, body.subscription_ids, body.reason, decision_id=body.decision_id)
        return [OrderOut.model_validate(o) for o in orders]


@router.get("/{order_id}", response_model=OrderOut)
def get_order(caller: CallerDep, order_id: str) -> OrderOut:
    """One order with every delivery attempt."""
    with caller.unit() as (session, _actor):
        return OrderOut.model_validate(service.get_order(session, order_id))


@router.post("/{order_id}/ack", response_model=AckOut)
def acknowledge(caller: CallerDep, order_id: str, body: AckIn | None = None) -> AckOut:
    """Record that the control plane applied the order (admin): the subscription's status changes now, once.
    Acknowledging again changes nothing."""
    body = body or AckIn(note=None, idempotency_key=None)
    with caller.unit() as (session, actor):
        require_operator(actor, "acknowledge enforcement orders")
        result = service.acknowledge(
            session, actor.name, order_id, via="API", answer={"note": body.note} if body.note else None,
            idempotency_key=body.idempotency_key,
        )  # fmt: skip
        return AckOut(
            order=OrderOut.model_validate(result.order),
            applied_now=result.applied_now,
            status_changed=result.status_changed,
        )


@router.post("/{order_id}/retry", response_model=OrderOut)
def retry(caller: CallerDep, order_id: str) -> OrderOut:
    """Put a dead letter back in the queue with a fresh budget of attempts (admin)."""
    with caller.unit() as (session, actor):
        require_operator(actor, "retry enforcement orders")
        return OrderOut.model_validate(service.retry(session, actor.name, order_id))


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel(caller: CallerDep, order_id: str, body: CancelIn) -> OrderOut:
    """Withdraw an order not yet acknowledged (approver or admin); it does not undo what the control plane did."""
    with caller.unit() as (session, actor):
        require(actor, *DECIDERS, action="cancel enforcement orders")
        return OrderOut.model_validate(service.cancel(session, actor.name, order_id, body.reason))

"""Enforcement orders: follow them (delivered, acknowledged, overdue) and, for those allowed, act on them.

The roles are the enforcement stage's (`vigie.enforce.service.OPERATORS`, `DECIDERS`): delivering,
acknowledging and retrying are operations on the control plane, for an admin; cancelling is a
decision, for an approver or an admin. Delivering from a page runs one pass of `vigie enforce
deliver` through the configured connector: with a signed webhook, the control plane's answer
acknowledges the order at once; with the outbox, the acknowledgement files already dropped are read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.enforce import service as enforce
from vigie.enforce.orders import STATES, utc_now
from vigie.web.pages.auth import safe_next
from vigie.web.pages.render import form_checked, redirect, render, signed_in, status_of
from vigie.web.pages.resources import enforcement

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


def may(actor: Actor) -> dict[str, bool]:
    """What the forms on an order page offer; the service layer checks again when one is submitted."""
    return {
        "operate": any(actor.has(r) for r in enforce.OPERATORS),
        "decide_orders": any(actor.has(r) for r in enforce.DECIDERS),
    }


def _list_context(session: Session, actor: Actor, state: str, error: str | None = None) -> dict[str, Any]:
    report = enforce.status(session, utc_now())
    found = enforce.list_orders(session, state=state or None, limit=500)
    return {"orders": found, "state": state, "states": STATES, "report": report, "now": report.now,
            "error": error, **may(actor)}  # fmt: skip


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request, state: str = "") -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "orders.html", _list_context(session, actor, state), actor)


def _order_context(session: Session, actor: Actor, order_id: str, error: str | None = None) -> dict[str, Any]:
    order = enforce.get_order(session, order_id)
    return {"o": order, "overdue": order.overdue(utc_now()), "error": error, **may(actor)}


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(request: Request, order_id: str) -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "order.html", _order_context(session, actor, order_id), actor)


def _back(values: dict[str, str], default: str) -> str:
    """Where to go after a form: the page it came from, if that is a path on this site (never another site)."""
    target = values.get("back", "")
    return safe_next(target) if target else default


@router.post("/orders/deliver", response_class=HTMLResponse)
async def deliver(request: Request) -> Response:
    """One delivery pass over every due order, as `vigie enforce deliver` (no transaction is held meanwhile)."""
    values = await form_checked(request)
    with signed_in(request) as (_session, actor):
        enforce.require_operator(actor, "deliver enforcement orders")  # refused: the error page says why (403)
        name = actor.name
    config, connector = enforcement(request)  # a connector that is not set up: 503, naming the setting
    report = enforce.deliver(request.app.state.engines.writer, name, config, connector=connector)
    said = (
        f"Delivered through {connector.name}: {len(report.acknowledged)} acknowledged, {len(report.sent)} sent and "
        f"waiting for an acknowledgement, {len(report.retrying)} to retry, {len(report.dead)} to the dead letters."
    )
    if report.acks_from_files:
        said += f" Acknowledged from files: {len(report.acks_from_files)}."
    if report.ack_file_errors:
        said += f" Acknowledgement files refused: {len(report.ack_file_errors)} (see `vigie enforce deliver`)."
    return redirect(request, _back(values, "/orders"), said)


async def _on_order(request: Request, order_id: str, verb: str) -> Response:
    values = await form_checked(request)
    note = values.get("note", "").strip()
    try:
        with signed_in(request) as (session, actor):
            if verb == "acknowledge":
                enforce.require_operator(actor, "acknowledge enforcement orders")
                result = enforce.acknowledge(
                    session, actor.name, order_id, via="web page", answer={"note": note} if note else None
                )
                o = result.order
                said = (
                    f"{o.id} acknowledged: {o.subscription_id} is now {o.target_status}."
                    if result.applied_now
                    else f"{o.id} was already acknowledged; nothing changed."
                )
            elif verb == "retry":
                enforce.require_operator(actor, "retry enforcement orders")
                said = f"{enforce.retry(session, actor.name, order_id).id} is back in the queue."
            elif verb == "cancel":
                enforce.require_decider(actor, "cancel enforcement orders")
                said = f"{enforce.cancel(session, actor.name, order_id, note).id} cancelled."
            else:
                raise LookupError(f"no such action on an order: {verb!r}")
    except (ValueError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            context = _order_context(session, actor, order_id, str(exc))
            return render(request, "order.html", context, actor, status=status_of(exc))
    return redirect(request, _back(values, f"/orders/{order_id}"), said)


@router.post("/orders/{order_id}/acknowledge", response_class=HTMLResponse)
async def acknowledge(request: Request, order_id: str) -> Response:
    return await _on_order(request, order_id, "acknowledge")


@router.post("/orders/{order_id}/retry", response_class=HTMLResponse)
async def retry(request: Request, order_id: str) -> Response:
    return await _on_order(request, order_id, "retry")


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, order_id: str) -> Response:
    return await _on_order(request, order_id, "cancel")

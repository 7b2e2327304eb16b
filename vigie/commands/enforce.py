"""`vigie enforce ...`: issue orders, deliver them through the configured connector, acknowledge, watch.

Who may do what (docs/enforce.md): issuing, restoring and cancelling orders are decisions, for an
approver or an admin; delivering and acknowledging are operations on the control plane, for an
admin; anyone signed in may read orders and their status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, require
from vigie.commands.common import acting_actor, console, err_console, fail, open_engine, settings
from vigie.enforce import service
from vigie.enforce.connectors import ConnectorError, make_connector
from vigie.enforce.orders import ACTIONS, STATES, utc_now
from vigie.enforce.service import DECIDERS, OPERATORS, EnforceError, OrderView
from vigie.store.engine import session_scope

enforce_app = typer.Typer(
    help="Orders that carry out decisions on the control plane: issued, delivered, acknowledged.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@contextmanager
def _acting(*roles: str, action: str) -> Iterator[tuple[Session, Actor]]:
    """A transaction acting as the user of VIGIE_TOKEN, who must hold one of `roles` (any user if none)."""
    engine = open_engine()
    try:
        with session_scope(engine) as session:
            actor = acting_actor(session)
            if roles:
                require(actor, *roles, action=action)
            yield session, actor
    except AccessDenied as exc:
        fail(str(exc))
    except EnforceError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


def _print_orders(orders: list[OrderView], title: str) -> None:
    table = Table(title=title)
    table.add_column("order", no_wrap=True, min_width=28)  # ids are copied into `ack`/`show`: never cut them
    for column in ("subscription", "action", "state", "#", "due (UTC)", "note"):
        table.add_column(column, overflow="fold")
    for o in orders:
        note = o.last_error if o.state in ("pending", "dead") else (o.closed_reason or "")
        due = o.due_by[:16].replace("T", " ")  # minutes are enough to see what is late
        table.add_row(o.id, escape(o.subscription_id), o.action, o.state, str(o.attempts), due, escape(note or ""))
    console.print(table)


def _emit(orders: list[OrderView], as_json: bool, title: str) -> None:
    if as_json:
        console.print_json(json.dumps([o.as_dict() for o in orders]))
    else:
        _print_orders(orders, title)


@enforce_app.command("issue")
def issue(
    decision: Annotated[str, typer.Option(help="The approved decision the orders carry out")],
    subscriptions: Annotated[
        list[str] | None, typer.Argument(help="Subscription ids (default: every subscription the decision names)")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help=f"{', '.join(ACTIONS)} (default: what the decision calls for)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the record (default: the decision)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Issue the orders an approved decision calls for: one per subscription, delivered by `vigie enforce deliver`."""
    with _acting(*DECIDERS, action="issue enforcement orders") as (session, actor):
        if subscriptions or action:
            if not subscriptions:
                fail("name the subscriptions the orders are for, or leave out --action to take the decision's")
            if action is None:
                fail("--action is needed when subscriptions are named")
            orders = service.issue_orders(
                session, actor.name, subscription_ids=subscriptions, action=action, decision_id=decision,
                reason=reason or f"decision {decision}",
            )  # fmt: skip
        else:
            orders = service.orders_for_decision(session, actor.name, decision, reason=reason)
    _emit(orders, as_json, f"Orders for decision {decision}")


@enforce_app.command("restore")
def restore(
    subscriptions: Annotated[list[str], typer.Argument(help="Subscription ids to restore")],
    reason: Annotated[str, typer.Option(help="Why, for the record")],
    decision: Annotated[str | None, typer.Option(help="The decision to continue, if there is one")] = None,
    as_json: JsonOption = False,
) -> None:
    """Order subscriptions restored; the register says "active" once the control plane acknowledges."""
    with _acting(*DECIDERS, action="restore subscriptions") as (session, actor):
        orders = service.restore(session, actor.name, subscriptions, reason, decision_id=decision)
    _emit(orders, as_json, "Restore orders")


@enforce_app.command("deliver")
def deliver(
    wait: Annotated[
        bool, typer.Option(help="Keep retrying (with backoff) until no order is pending, instead of one pass")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Deliver every due order through the configured connector (and read the outbox's acknowledgement files)."""
    with _acting(*OPERATORS, action="deliver enforcement orders") as (_session, actor):
        name = actor.name
    config = settings().enforce
    try:
        connector = make_connector(config)
    except (ConnectorError, ValueError) as exc:
        fail(str(exc))
    engine = open_engine()
    try:
        report = service.deliver(engine, name, config, connector=connector, wait=wait)
    finally:
        engine.dispose()
    if as_json:
        console.print_json(json.dumps({"connector": connector.name, "target": connector.target, **report.as_dict()}))
    else:
        console.print(
            f"Delivered through {connector.name} ({escape(connector.target)}): {len(report.acknowledged)} acknowledged, "
            f"{len(report.sent)} sent and waiting for acknowledgement, {len(report.retrying)} to retry, "
            f"{len(report.dead)} to the dead letters."
        )
        if report.acks_from_files:
            console.print(f"Acknowledged from files: {', '.join(report.acks_from_files)}")
    for problem in report.ack_file_errors:
        err_console.print(f"ack file refused: {escape(problem)}", highlight=False, soft_wrap=True)
    if report.dead:
        err_console.print(f"[bold red]dead letters:[/] {', '.join(report.dead)} — see `vigie enforce status`")


@enforce_app.command("ack")
def ack(
    order_id: Annotated[str, typer.Argument(help="The order the control plane applied")],
    note: Annotated[str | None, typer.Option(help="What confirms it (a ticket, a console check)")] = None,
    key: Annotated[str | None, typer.Option(help="The idempotency key, to be sure it is the right order")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record that the control plane applied an order; the subscription's status changes now, once."""
    with _acting(*OPERATORS, action="acknowledge enforcement orders") as (session, actor):
        result = service.acknowledge(
            session, actor.name, order_id, via="vigie enforce ack", answer={"note": note} if note else None,
            idempotency_key=key,
        )  # fmt: skip
    if as_json:
        console.print_json(
            json.dumps(
                {**result.order.as_dict(), "applied_now": result.applied_now, "status_changed": result.status_changed}
            )
        )
    elif not result.applied_now:
        console.print(f"{order_id} was already acknowledged at {result.order.acknowledged_at}; nothing changed.")
    else:
        change = (
            f"{result.order.subscription_id} is now {result.order.target_status}"
            if result.status_changed
            else f"{result.order.subscription_id} already was {result.order.target_status}"
        )
        console.print(f"Acknowledged {order_id} ({result.order.action}): {change}.")


@enforce_app.command("status")
def status(
    check: Annotated[
        bool, typer.Option(help="Exit with status 1 when an order is overdue or dead (for monitoring)")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Orders not acknowledged in time, and dead letters."""
    with _acting(action="read enforcement orders") as (session, _actor):
        report = service.status(session, utc_now())
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "now": report.now,
                    "open": report.open,
                    "overdue": [o.as_dict() for o in report.overdue],
                    "dead": [o.as_dict() for o in report.dead],
                }
            )
        )
    else:
        if report.overdue:
            _print_orders(report.overdue, "Not acknowledged in time")
        if report.dead:
            _print_orders(report.dead, "Dead letters: delivery gave up (fix the cause, then `vigie enforce retry`)")
        if not report.attention:
            console.print(f"Nothing overdue, no dead letters; {report.open} order(s) waiting for acknowledgement.")
    if check and report.attention:
        raise typer.Exit(1)


@enforce_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option(help=f"Only this state: {', '.join(STATES)}")] = None,
    subscription: Annotated[str | None, typer.Option(help="Only this subscription")] = None,
    decision: Annotated[str | None, typer.Option(help="Only this decision")] = None,
    limit: Annotated[int, typer.Option(help="How many (0 for all)")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Orders, newest first."""
    with _acting(action="read enforcement orders") as (session, _actor):
        orders = service.list_orders(
            session, state=state, subscription_id=subscription, decision_id=decision, limit=limit
        )
    _emit(orders, as_json, "Enforcement orders")


@enforce_app.command("show")
def show(order_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """One order with its payload's key facts and every delivery attempt."""
    with _acting(action="read enforcement orders") as (session, _actor):
        order = service.get_order(session, order_id)
    if as_json:
        console.print_json(json.dumps(order.as_dict()))
        return
    fields: list[tuple[str, Any]] = [
        ("subscription", order.subscription_id), ("action", f"{order.action} → {order.target_status}"),
        ("decision", order.decision_id or "— (issued by hand)"), ("reason", order.reason),
        ("issued", f"{order.issued_at} by {order.issued_by}"), ("due by", order.due_by), ("state", order.state),
        ("idempotency key", order.idempotency_key),
    ]  # fmt: skip
    if order.acknowledged_at:
        fields.append(("acknowledged", f"{order.acknowledged_at} by {order.acknowledged_by}"))
    if order.closed_reason:
        fields.append(("cancelled", order.closed_reason))
    for label, value in fields:
        console.print(f"[bold]{label}:[/] {escape(str(value))}")
    table = Table("#", "connector", "started", "outcome", "error", title="Delivery attempts")
    for a in order.attempt_log:
        table.add_row(str(a.number), a.connector, a.started_at[:19], a.outcome, escape(a.error or ""))
    console.print(table)


@enforce_app.command("retry")
def retry(order_id: Annotated[str, typer.Argument(help="A dead letter")], as_json: JsonOption = False) -> None:
    """Put a dead letter back in the queue with a fresh budget of attempts."""
    with _acting(*OPERATORS, action="retry enforcement orders") as (session, actor):
        order = service.retry(session, actor.name, order_id)
    _emit([order], as_json, "Back in the queue")


@enforce_app.command("cancel")
def cancel(
    order_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="Why, for the record")],
    as_json: JsonOption = False,
) -> None:
    """Withdraw an order that is not acknowledged (it does not undo what the control plane already did)."""
    with _acting(*DECIDERS, action="cancel enforcement orders") as (session, actor):
        order = service.cancel(session, actor.name, order_id, reason)
    _emit([order], as_json, "Cancelled")


def install(app: typer.Typer) -> None:
    app.add_typer(enforce_app, name="enforce")

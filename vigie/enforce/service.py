"""Enforcement's service functions: issue, deliver, acknowledge, retry and cancel orders, always audited.

The rule that matters: a subscription's status in the register changes only when its order is
acknowledged — by the control plane's answer, by an acknowledgement file, or by an operator with
`vigie enforce ack` — and it changes once, however many times the order was delivered or
acknowledged.

Delivery is at-least-once. Each attempt is two short transactions around the network call: the
first records that attempt N has started, the second records its answer. A process killed in
between leaves the order `pending` with an attempt that never finished; the next `deliver` marks
that attempt interrupted and sends the same bytes with the same idempotency key, and the control
plane (which keeps the keys it has applied) answers "already applied". Nothing is lost, nothing
is applied twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from vigie.access import Actor, require
from vigie.audit.trail import AuditTrail
from vigie.cases.decisions import DecisionView, approve, get_decision
from vigie.enforce import orders as rules
from vigie.enforce.connectors import Connector, Message, make_connector
from vigie.enforce.connectors.outbox import OutboxConnector, archive_ack, read_acks
from vigie.enforce.orders import (
    ACKNOWLEDGEABLE,
    ACKNOWLEDGED,
    ACTIONS,
    CANCELLED,
    DEAD,
    OPEN_STATES,
    PENDING,
    SENT,
    Answer,
    format_time,
    parse_time,
    utc_now,
)
from vigie.enforce.tables import DeliveryAttempt, Order
from vigie.register.service import set_subscription_status
from vigie.register.tables import Subscription
from vigie.settings import EnforceSettings, load_settings
from vigie.store.engine import session_scope

ENTITY = "enforcement_order"
Clock = Callable[[], datetime]

# Which orders an approved decision may give, by the decision's action (the first is the default).
DECISION_ORDERS: Mapping[str, tuple[str, ...]] = {
    "suspend": ("suspend",),
    "terminate": ("terminate",),
    "restrict": ("disable",),
    "continue": ("restore",),
    "continue-with-conditions": ("restore",),
}


# Who may do what with orders (docs/enforce.md), for every front end (the command line, the pages, the API):
# issuing, restoring and cancelling orders are decisions; delivering and acknowledging are operations on
# the control plane. The functions below take an actor's name, so the front end checks the role first.
DECIDERS = ("approver", "admin")
OPERATORS = ("admin",)


def require_operator(actor: Actor, what: str) -> None:
    """AccessDenied unless the actor may deliver, acknowledge or retry orders (`what` names the attempt)."""
    require(actor, *OPERATORS, action=what)


def require_decider(actor: Actor, what: str) -> None:
    """AccessDenied unless the actor may issue, restore or cancel orders."""
    require(actor, *DECIDERS, action=what)


class EnforceError(ValueError):
    """An enforcement request that cannot be carried out; the message names the field and says why."""


class UnknownOrder(EnforceError, LookupError):
    pass


# --------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class AttemptView:
    number: int
    connector: str
    target: str
    started_at: str
    finished_at: str | None
    outcome: str
    error: str | None
    answer: str | None


@dataclass(frozen=True)
class OrderView:
    id: str
    subscription_id: str
    action: str
    target_status: str
    decision_id: str | None
    reason: str
    issued_by: str
    issued_at: str
    due_by: str
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: str | None
    connector: str | None
    last_error: str | None
    sent_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    acknowledgement: dict[str, Any] | None
    closed_reason: str | None
    attempt_log: tuple[AttemptView, ...] = ()

    def overdue(self, now: datetime) -> bool:
        """Not acknowledged (nor cancelled) by its due time."""
        return self.state in OPEN_STATES and parse_time(self.due_by) < now

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(order: Order, attempts: Sequence[DeliveryAttempt] = ()) -> OrderView:
    return OrderView(
        id=order.id,
        subscription_id=order.subscription_id,
        action=order.action,
        target_status=order.target_status,
        decision_id=order.decision_id,
        reason=order.reason,
        issued_by=order.issued_by,
        issued_at=order.issued_at,
        due_by=order.due_by,
        idempotency_key=order.idempotency_key,
        state=order.state,
        attempts=order.attempts,
        next_attempt_at=order.next_attempt_at,
        connector=order.connector,
        last_error=order.last_error,
        sent_at=order.sent_at,
        acknowledged_at=order.acknowledged_at,
        acknowledged_by=order.acknowledged_by,
        acknowledgement=dict(order.acknowledgement) if order.acknowledgement is not None else None,
        closed_reason=order.closed_reason,
        attempt_log=tuple(
            AttemptView(a.number, a.connector, a.target, a.started_at, a.finished_at, a.outcome, a.error, a.answer)
            for a in attempts
        ),
    )


def _state(order: Order) -> dict[str, Any]:
    """What the audit log records about an order (its payload only once, when it is issued)."""
    view = _view(order).as_dict()
    view.pop("attempt_log")
    return view


def _lock(session: Session, order_id: str) -> Order:
    order = session.scalars(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if order is None:
        raise UnknownOrder(f"order_id: no order {order_id!r}")
    return order


# ------------------------------------------------------------------------------------------- issuing


def _normalise_action(action: str) -> str:
    return action.strip().lower().replace("_", "-").replace(" ", "-")


def _decision(session: Session, decision_id: str) -> DecisionView:
    try:
        return get_decision(session, decision_id)
    except LookupError:
        raise EnforceError(f"decision_id: no decision {decision_id!r}") from None


def _check_decision(session: Session, decision_id: str, action: str, subscription_ids: Sequence[str]) -> list[str]:
    """Problems that forbid `action` orders on these subscriptions under this decision."""
    decision = _decision(session, decision_id)
    problems: list[str] = []
    if decision.status != "approved":
        problems.append(
            f"decision_id: decision {decision_id} is {decision.status}, not approved; only an approved decision "
            "gives orders"
        )
    allowed = DECISION_ORDERS.get(_normalise_action(decision.action), ())
    if action not in allowed:
        problems.append(
            f"action: decision {decision_id} is to {decision.action}; it gives "
            + (f"{' or '.join(allowed)} orders, not {action}" if allowed else "no enforcement order")
        )
    covered = set(decision.subscription_ids or ())
    outside = [s for s in subscription_ids if covered and s not in covered]
    if outside:
        problems.append(f"subscription_ids: not covered by decision {decision_id}: {', '.join(outside)}")
    return problems


def issue_orders(
    session: Session,
    actor_name: str,
    *,
    subscription_ids: Iterable[str],
    action: str,
    decision_id: str | None,
    reason: str,
    now: datetime | None = None,
    ack_within: timedelta | None = None,
) -> list[OrderView]:
    """One order per subscription, in the caller's transaction, audited; all or nothing.

    Suspend, disable and terminate orders need the approved decision they carry out (that is where
    the two-person rule lives); a restore may be issued by hand. Issuing a decision's orders again
    returns the orders already issued and writes nothing. Anything wrong — an unknown subscription,
    an order still open on one — is reported for every subscription at once, and nothing is written.
    `ack_within` defaults to the configured `enforce.ack_within_hours`.
    """
    action = _normalise_action(action)
    if action not in ACTIONS:
        raise EnforceError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
    ids = list(dict.fromkeys(s.strip() for s in subscription_ids if s.strip()))
    if not ids:
        raise EnforceError("subscription_ids: name at least one subscription")
    if not reason.strip():
        raise EnforceError("reason: say why the order is given; it is part of the record")
    if decision_id is None and action != "restore":
        raise EnforceError(
            f"decision_id: a {action} order carries out an approved decision; only restore orders are issued by hand"
        )
    # Locked, so that two people issuing orders for the same subscription at once cannot both pass the checks.
    subs = {s.id: s for s in session.scalars(select(Subscription).where(Subscription.id.in_(ids)).with_for_update())}
    unknown = [i for i in ids if i not in subs]
    if unknown:
        raise EnforceError(f"subscription_ids: unknown subscription(s) {', '.join(unknown)}; no order was issued")
    problems = _check_decision(session, decision_id, action, ids) if decision_id is not None else []

    now = now or utc_now()
    issued_at = format_time(now)
    due_by = format_time(now + (ack_within if ack_within is not None else load_settings().enforce.ack_within))
    existing: dict[str, Order] = {}
    new: list[tuple[str, Subscription]] = []
    for sub_id in ids:
        sub = subs[sub_id]
        oid = rules.order_id(sub_id, action, decision_id, issued_at)
        found = session.get(Order, oid)
        if found is not None:
            if found.action != action:
                problems.append(
                    f"action: decision {decision_id} already gave {found.action} order {found.id} for {sub_id}"
                )
            existing[sub_id] = found
            continue
        open_order = session.scalars(
            select(Order).where(Order.subscription_id == sub_id, Order.state.in_(OPEN_STATES)).limit(1)
        ).first()
        if open_order is not None:
            problems.append(
                f"subscription_ids: {sub_id} already has open order {open_order.id} ({open_order.action}, "
                f"{open_order.state}); acknowledge, retry or cancel it first"
            )
        if sub.status == "terminated":
            problems.append(f"subscription_ids: {sub_id} is terminated; a relationship that ended takes no orders")
        elif action == "restore" and sub.status == "active":
            problems.append(f"subscription_ids: {sub_id} is active; there is nothing to restore")
        new.append((oid, sub))
    if problems:
        raise EnforceError("; ".join(problems) + "; no order was issued")

    trail = AuditTrail(
        session, actor_name, f"enforce issue {action}" + (f" for decision {decision_id}" if decision_id else "")
    )
    created: dict[str, Order] = {}
    for oid, sub in new:
        payload = rules.build_payload(
            order=oid, subscription_id=sub.id, customer_id=sub.customer_id, service_id=sub.service_id,
            action=action, decision_id=decision_id, reason=reason.strip(), issued_by=actor_name,
            issued_at=issued_at, due_by=due_by,
        )  # fmt: skip
        order = Order(
            id=oid, subscription_id=sub.id, action=action, target_status=ACTIONS[action], decision_id=decision_id,
            reason=reason.strip(), issued_by=actor_name, issued_at=issued_at, due_by=due_by, payload=payload,
            idempotency_key=rules.idempotency_key(payload), state=PENDING, attempts=0, next_attempt_at=None,
        )  # fmt: skip
        session.add(order)
        created[sub.id] = order
    session.flush()
    for order in created.values():
        trail.record("issue", ENTITY, order.id, None, {**_state(order), "payload": order.payload})
    return [_view(created[s] if s in created else existing[s]) for s in ids]


def orders_for_decision(
    session: Session, actor_name: str, decision_id: str, *, reason: str | None = None, now: datetime | None = None
) -> list[OrderView]:
    """The orders an approved decision calls for: its default action on each of its subscriptions."""
    decision = _decision(session, decision_id)
    allowed = DECISION_ORDERS.get(_normalise_action(decision.action), ())
    if not allowed or allowed[0] == "restore":
        raise EnforceError(
            f"decision_id: decision {decision_id} is to {decision.action}, which calls for no enforcement order"
            + ("; restore subscriptions with `vigie enforce restore --decision`" if allowed else "")
        )
    if not decision.subscription_ids:
        raise EnforceError(f"decision_id: decision {decision_id} names no subscription")
    return issue_orders(
        session, actor_name, subscription_ids=decision.subscription_ids, action=allowed[0], decision_id=decision_id,
        reason=reason or f"decision {decision_id}: {decision.action}", now=now,
    )  # fmt: skip


def restore(
    session: Session,
    actor_name: str,
    subscription_ids: Iterable[str],
    reason: str,
    decision_id: str | None = None,
    now: datetime | None = None,
) -> list[OrderView]:
    """Restoring a subscription is an order too: the register says "active" only once it is acknowledged."""
    return issue_orders(
        session, actor_name, subscription_ids=subscription_ids, action="restore", decision_id=decision_id,
        reason=reason, now=now,
    )  # fmt: skip


# --------------------------------------------------------------------------- approving and issuing

# A subscription in one of these statuses is what a decision to continue gives back.
RESTORABLE = ("suspended", "disabled")


def orders_called_for(
    session: Session, actor_name: str, decision_id: str, *, now: datetime | None = None
) -> list[OrderView]:
    """Issue every order an approved decision calls for; an empty list when it calls for none.

    Suspend, restrict and terminate give their order on each of the decision's subscriptions. A
    decision to continue (with or without conditions) gives a restore order for those of its
    subscriptions that are suspended or disabled, and none when all are active. A subscription with
    an order still in flight (say, a suspension not yet acknowledged) stops a decision to continue:
    restoring it would race the order, so the error says to cancel or settle that order first.
    """
    decision = _decision(session, decision_id)
    allowed = DECISION_ORDERS.get(_normalise_action(decision.action), ())
    if not allowed:
        return []
    if allowed[0] != "restore":
        return orders_for_decision(session, actor_name, decision_id, now=now)
    ids = list(decision.subscription_ids)
    in_flight = list(
        session.scalars(
            select(Order)
            .where(Order.subscription_id.in_(ids), Order.state.in_(OPEN_STATES), Order.action != "restore")
            .order_by(Order.subscription_id, Order.id)
        )
    )
    if in_flight:
        raise EnforceError(
            "subscription_ids: "
            + "; ".join(f"{o.subscription_id} has open order {o.id} ({o.action}, {o.state})" for o in in_flight)
            + f"; decision {decision_id} to {decision.action} would race it: cancel it (`vigie enforce cancel`) or "
            "let it be acknowledged, then approve"
        )
    rows = session.execute(select(Subscription.id, Subscription.status).where(Subscription.id.in_(ids)))
    statuses = {sub_id: current for sub_id, current in rows}
    to_restore = [s for s in ids if statuses.get(s) in RESTORABLE]
    if not to_restore:
        return []
    return issue_orders(
        session, actor_name, subscription_ids=to_restore, action="restore", decision_id=decision_id,
        reason=f"decision {decision_id}: {decision.action}", now=now,
    )  # fmt: skip


@dataclass(frozen=True)
class ApprovedDecision:
    """A decision just approved, and the orders that carry it out (possibly none)."""

    decision: DecisionView
    orders: list[OrderView]


def approve_and_issue(
    session: Session, actor: Actor, decision_id: str, note: str | None = None, *, now: datetime | None = None
) -> ApprovedDecision:
    """Approve a decision and issue its orders in the same transaction: the one way a decision is approved.

    An approved suspension whose orders someone forgot to issue would be a decision on paper only;
    doing both in one transaction means that either the decision is approved *and* its orders are
    pending delivery, or nothing happened. The two-person rule is the cases stage's
    (`vigie.cases.decisions.approve`); if the orders cannot be issued (a subscription terminated
    meanwhile, an order still in flight) the approval is rolled back with the caller's transaction
    and the error says why. The command line (`vigie decision approve`) and the API call this.
    """
    decision = approve(session, actor, decision_id, note)
    return ApprovedDecision(decision, orders_called_for(session, actor.name, decision.id, now=now))


# ----------------------------------------------------------------------------------- acknowledging


@dataclass(frozen=True)
class Acknowledgement:
    order: OrderView
    applied_now: bool  # False when the order had already been acknowledged: nothing changed
    status_changed: bool  # False when the subscription already had the target status


def _acknowledge(
    session: Session,
    trail: AuditTrail,
    order: Order,
    *,
    via: str,
    answer: Mapping[str, Any] | None,
    now: datetime,
    attempt: Mapping[str, Any] | None = None,
) -> bool:
    """Mark a locked order acknowledged and give its subscription the target status; False if already done."""
    if order.state == ACKNOWLEDGED:
        return False
    if order.state not in ACKNOWLEDGEABLE:
        raise EnforceError(
            f"order_id: order {order.id} was {order.state}"
            + (f" ({order.closed_reason})" if order.closed_reason else "")
            + "; it cannot be acknowledged"
        )
    before = _state(order)
    order.state = ACKNOWLEDGED
    order.acknowledged_at = format_time(now)
    order.acknowledged_by = trail.actor
    order.acknowledgement = {**(dict(answer) if answer else {}), "via": via}
    order.next_attempt_at = None
    session.flush()
    after = {**_state(order), "attempt": dict(attempt)} if attempt else _state(order)
    trail.record("acknowledge", ENTITY, order.id, before, after)
    return set_subscription_status(
        session, trail.actor, order.subscription_id, order.target_status,
        context=f"enforcement order {order.id} ({order.action}) acknowledged via {via}",
    )  # fmt: skip


def acknowledge(
    session: Session,
    actor_name: str,
    order_id: str,
    *,
    via: str = "vigie enforce ack",
    answer: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Acknowledgement:
    """The control plane applied the order: record it and change the subscription's status, once.

    Acknowledging an acknowledged order changes nothing and writes nothing. When the acknowledger
    names the idempotency key, it must be this order's (a stale or mistyped acknowledgement is refused).
    """
    order = _lock(session, order_id)
    if idempotency_key is not None and idempotency_key != order.idempotency_key:
        raise EnforceError(
            f"idempotency_key: {idempotency_key!r} is not the key of order {order_id} ({order.idempotency_key})"
        )
    if order.state == ACKNOWLEDGED:
        return Acknowledgement(_view(order), applied_now=False, status_changed=False)
    trail = AuditTrail(session, actor_name, f"enforce ack via {via}")
    changed = _acknowledge(session, trail, order, via=via, answer=answer, now=now or utc_now())
    return Acknowledgement(_view(order), applied_now=True, status_changed=changed)


# ---------------------------------------------------------------------------------------- delivering


@dataclass
class DeliveryReport:
    acknowledged: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    acks_from_files: list[str] = field(default_factory=list)
    ack_file_errors: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len(self.acknowledged) + len(self.sent) + len(self.retrying) + len(self.dead)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Backoff:
    max_attempts: int
    base: float
    maximum: float

    @classmethod
    def of(cls, config: EnforceSettings) -> Backoff:
        return cls(config.max_attempts, config.backoff_base, config.backoff_max)


def _start_attempt(
    session: Session, actor_name: str, order_id: str, connector: Connector, now: datetime
) -> tuple[Message, int] | None:
    """Transaction 1 of an attempt: record that it starts, and what will be sent; None if not pending any more.

    An earlier attempt that never finished is marked interrupted: its process died (or, if another
    deliverer is still waiting for its answer, that deliverer will correct the mark when it finishes).
    """
    order = _lock(session, order_id)
    if order.state != PENDING:
        return None
    before = _state(order)
    attempts = list(session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.order_id == order_id)))
    interrupted = [a for a in attempts if a.outcome == "started"]
    for attempt in interrupted:
        attempt.outcome = "interrupted"
        attempt.error = "the delivering process stopped before it recorded an answer"
    number = max((a.number for a in attempts), default=0) + 1
    order.attempts += 1
    order.connector = connector.name
    stamp = format_time(now)
    session.add(
        DeliveryAttempt(
            order_id=order_id, number=number, connector=connector.name, target=connector.target, started_at=stamp,
            finished_at=None, outcome="started", error=None, answer=None,
        )
    )  # fmt: skip
    session.flush()
    after = {
        **_state(order),
        "attempt": {"number": number, "connector": connector.name, "target": connector.target, "started_at": stamp},
        "interrupted_attempts": [a.number for a in interrupted],
    }
    AuditTrail(session, actor_name, "enforce deliver").record("attempt", ENTITY, order_id, before, after)
    message = Message(order.id, order.idempotency_key, rules.message_body(order.payload, order.idempotency_key))
    return message, number


def _finish_attempt(
    session: Session,
    actor_name: str,
    order_id: str,
    number: int,
    answer: Answer,
    connector: Connector,
    backoff: Backoff,
    now: datetime,
    rng: random.Random | None,
) -> str:
    """Transaction 2 of an attempt: record the answer and move the order on; returns the order's new state."""
    order = _lock(session, order_id)
    attempt = session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.order_id == order_id, DeliveryAttempt.number == number)
    ).one()
    stamp = format_time(now)
    attempt.finished_at = stamp
    attempt.outcome = answer.outcome
    attempt.error = answer.detail if answer.outcome == "failed" else None
    attempt.answer = answer.raw or (answer.detail if answer.outcome != "failed" else None)
    trail = AuditTrail(session, actor_name, f"enforce deliver via {connector.name} ({connector.target})")
    record = {"number": attempt.number, "outcome": answer.outcome, "detail": answer.detail, "finished_at": stamp}
    before = _state(order)
    if answer.outcome == "acknowledged" and order.state in ACKNOWLEDGEABLE:
        session.flush()
        _acknowledge(session, trail, order, via=connector.name, answer=answer.answer, now=now, attempt=record)
        return order.state
    if answer.outcome == "acknowledged":  # acknowledged meanwhile (e.g. by hand), or cancelled
        action = "attempt-finished"
    elif answer.outcome == "sent":
        if order.state == PENDING:
            order.state = SENT
            order.sent_at = stamp
            order.last_error = None
        action = "send"
    else:
        order.last_error = answer.detail
        if order.state == PENDING:
            order.state = rules.state_after_failure(order.attempts, backoff.max_attempts, answer.permanent)
            order.next_attempt_at = (
                rules.next_attempt(now, order.attempts, backoff.base, backoff.maximum, rng)
                if order.state == PENDING
                else None
            )
        action = "dead-letter" if order.state == DEAD else "delivery-failed"
    session.flush()
    trail.record(action, ENTITY, order.id, before, {**_state(order), "attempt": record})
    return order.state


def deliver_order(
    engine: Engine,
    actor_name: str,
    order_id: str,
    connector: Connector,
    backoff: Backoff,
    *,
    now: Clock = utc_now,
    rng: random.Random | None = None,
) -> str | None:
    """One attempt at one order, in two transactions around the connector call; the order's new state.

    No transaction is open while the connector works, so a slow receiver holds no lock, and a
    crash at any point leaves the database consistent: at worst the attempt shows as interrupted
    and the order is delivered again, with the same idempotency key.
    """
    with session_scope(engine) as session:
        started = _start_attempt(session, actor_name, order_id, connector, now())
    if started is None:
        return None
    message, number = started
    answer = connector.deliver(message)
    with session_scope(engine) as session:
        return _finish_attempt(session, actor_name, order_id, number, answer, connector, backoff, now(), rng)


def due_orders(session: Session, now: datetime) -> list[str]:
    """Pending orders whose next attempt is due, oldest first."""
    stamp = format_time(now)
    return list(
        session.scalars(
            select(Order.id)
            .where(Order.state == PENDING, or_(Order.next_attempt_at.is_(None), Order.next_attempt_at <= stamp))
            .order_by(Order.issued_at, Order.id)
        )
    )


def _next_due(session: Session, now: datetime) -> datetime | None:
    """When the earliest pending order is next due; None when nothing is pending."""
    if session.scalar(select(func.count()).select_from(Order).where(Order.state == PENDING)) == 0:
        return None
    first = session.scalar(select(func.min(Order.next_attempt_at)).where(Order.state == PENDING))
    return parse_time(first) if first else now


def collect_ack_files(engine: Engine, actor_name: str, folder: Path, report: DeliveryReport) -> None:
    """Acknowledge the orders named by files in the outbox's `acks/` folder, then archive each file."""
    for ack in read_acks(folder):
        if ack.error is not None or ack.order_id is None:
            report.ack_file_errors.append(f"{ack.path}: {ack.error}")
            continue
        try:
            with session_scope(engine) as session:
                acknowledge(
                    session, actor_name, ack.order_id, via=f"outbox ack file {ack.path.name}", answer=ack.data,
                    idempotency_key=ack.idempotency_key,
                )  # fmt: skip
        except EnforceError as exc:
            report.ack_file_errors.append(f"{ack.path}: {exc}")
            continue
        archive_ack(ack.path)  # after the commit: a crash in between only means the file is read again
        report.acks_from_files.append(ack.order_id)


def deliver(
    engine: Engine,
    actor_name: str,
    config: EnforceSettings,
    *,
    connector: Connector | None = None,
    wait: bool = False,
    now: Clock = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Deliver every due order once (the outbox's acknowledgement files are read first).

    With `wait`, keep going — sleeping until the next retry is due — until no order is pending:
    each is acknowledged, sent (acknowledgement to follow) or in the dead letters.
    """
    connector = connector or make_connector(config)
    backoff = Backoff.of(config)
    report = DeliveryReport()
    if isinstance(connector, OutboxConnector):
        collect_ack_files(engine, actor_name, connector.folder, report)
    outcomes = {ACKNOWLEDGED: report.acknowledged, SENT: report.sent, PENDING: report.retrying, DEAD: report.dead}
    while True:
        with session_scope(engine) as session:
            due = due_orders(session, now())
        for order_id in due:
            state = deliver_order(engine, actor_name, order_id, connector, backoff, now=now, rng=rng)
            if state in outcomes:
                outcomes[state].append(order_id)
        if not wait:
            return report
        with session_scope(engine) as session:
            next_due = _next_due(session, now())
        if next_due is None:
            return report
        delay = (next_due - now()).total_seconds()
        if delay > 0:
            sleep(min(delay, max(backoff.maximum, 0.01)))


# --------------------------------------------------------------------------------- dead letters etc.


def retry(session: Session, actor_name: str, order_id: str, now: datetime | None = None) -> OrderView:
    """Put a dead letter back in the queue, with a fresh budget of attempts (after fixing what made it fail)."""
    order = _lock(session, order_id)
    if order.state != DEAD:
        raise EnforceError(f"order_id: order {order_id} is {order.state}; only dead letters are retried")
    before = _state(order)
    order.state = PENDING
    order.attempts = 0
    order.next_attempt_at = format_time(now or utc_now())
    session.flush()
    AuditTrail(session, actor_name, "enforce retry").record("retry", ENTITY, order_id, before, _state(order))
    return _view(order)


def cancel(session: Session, actor_name: str, order_id: str, reason: str) -> OrderView:
    """Withdraw an order that is not acknowledged; it is kept, with the reason, and never delivered again.

    Cancelling does not undo anything the control plane may already have done with a sent order:
    that takes the opposite order (e.g. a restore).
    """
    if not reason.strip():
        raise EnforceError("reason: say why the order is cancelled; it is part of the record")
    order = _lock(session, order_id)
    if order.state not in OPEN_STATES:
        raise EnforceError(f"order_id: order {order_id} is {order.state}; only an open order can be cancelled")
    before = _state(order)
    order.state = CANCELLED
    order.closed_reason = reason.strip()
    order.next_attempt_at = None
    session.flush()
    AuditTrail(session, actor_name, "enforce cancel").record("cancel", ENTITY, order_id, before, _state(order))
    return _view(order)


# -------------------------------------------------------------------------------------------- reading


def get_order(session: Session, order_id: str) -> OrderView:
    order = session.get(Order, order_id)
    if order is None:
        raise UnknownOrder(f"order_id: no order {order_id!r}")
    attempts = session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.order_id == order_id).order_by(DeliveryAttempt.number)
    )
    return _view(order, list(attempts))


def _given(state: str | None, subscription_id: str | None, decision_id: str | None) -> dict[str, str]:
    """The filters given, by column name (EnforceError for a state that does not exist)."""
    if state is not None and state not in rules.STATES:
        raise EnforceError(f"state: {state!r} is not one of {', '.join(rules.STATES)}")
    filters = {"state": state, "subscription_id": subscription_id, "decision_id": decision_id}
    return {name: value for name, value in filters.items() if value is not None}


# The selects of the order listings, one per combination of filters, built once with their values bound when
# they run: a relationship page lists its orders on every view, and composing the select cost about as much
# as running it.
@lru_cache(maxsize=16)
def _filtered(filters: tuple[str, ...]) -> Select[Order]:
    return select(Order).where(*(getattr(Order, name) == bindparam(name) for name in filters))


@lru_cache(maxsize=32)
def _page(filters: tuple[str, ...], limited: bool, offset: bool) -> Select[Order]:
    query = _filtered(filters).order_by(Order.issued_at.desc(), Order.id)
    if offset:
        query = query.offset(bindparam("offset", type_=Integer))
    if limited:
        query = query.limit(bindparam("limit", type_=Integer))
    return query


@lru_cache(maxsize=16)
def _count(filters: tuple[str, ...]) -> Select[int]:
    return select(func.count()).select_from(_filtered(filters).subquery())


def list_orders(
    session: Session,
    *,
    state: str | None = None,
    subscription_id: str | None = None,
    decision_id: str | None = None,
    limit: int = 0,
    offset: int = 0,
) -> list[OrderView]:
    """Orders, newest first, optionally only one state, subscription or decision; a page with limit and offset."""
    given = _given(state, subscription_id, decision_id)
    query = _page(tuple(given), bool(limit), bool(offset))
    return [_view(o) for o in session.scalars(query, {**given, "limit": limit, "offset": offset})]


def count_orders(
    session: Session, *, state: str | None = None, subscription_id: str | None = None, decision_id: str | None = None
) -> int:
    """How many orders `list_orders` lists in all, with the same filters."""
    given = _given(state, subscription_id, decision_id)
    return int(session.scalar(_count(tuple(given)), given) or 0)


@dataclass(frozen=True)
class Status:
    """What needs attention: orders not acknowledged in time, and dead letters."""

    now: str
    overdue: list[OrderView]  # pending or sent past their due time
    dead: list[OrderView]  # delivery gave up; someone must fix the cause and retry, or cancel
    open: int  # every order still waiting to be acknowledged

    @property
    def attention(self) -> bool:
        return bool(self.overdue or self.dead)


def status(session: Session, now: datetime | None = None) -> Status:
    now = now or utc_now()
    stamp = format_time(now)
    overdue = session.scalars(
        select(Order).where(Order.state.in_((PENDING, SENT)), Order.due_by < stamp).order_by(Order.due_by, Order.id)
    )
    dead = session.scalars(select(Order).where(Order.state == DEAD).order_by(Order.issued_at, Order.id))
    open_count = session.scalar(select(func.count()).select_from(Order).where(Order.state.in_(OPEN_STATES))) or 0
    return Status(stamp, [_view(o) for o in overdue], [_view(o) for o in dead], int(open_count))

"""What an order is, as data: actions, ids, idempotency keys, payloads, backoff and the state machine.

Pure functions only, so that the rules can be read (and tested) apart from the database and the
network. The service (vigie/enforce/service.py) applies them inside audited transactions.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# What each action asks of the control plane, and the register status it leads to once acknowledged.
ACTIONS: Mapping[str, str] = {
    "suspend": "suspended",  # paused, data kept, can be restored
    "disable": "disabled",  # specific services or features switched off
    "terminate": "terminated",  # the relationship ends (after the decision's responsible-exit plan)
    "restore": "active",  # undo a suspension or a disabling
}

PENDING, SENT, ACKNOWLEDGED, DEAD, CANCELLED = "pending", "sent", "acknowledged", "dead", "cancelled"
STATES = (PENDING, SENT, ACKNOWLEDGED, DEAD, CANCELLED)
OPEN_STATES = (PENDING, SENT, DEAD)  # an order in one of these still has to be settled
ACKNOWLEDGEABLE = (PENDING, SENT, DEAD)  # a dead letter may still have been applied by hand

PAYLOAD_VERSION = 1
_RNG = random.Random()


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def format_time(value: datetime) -> str:
    """The one spelling of a time vigie stores: UTC with microseconds, so strings sort as times do."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def order_id(subscription_id: str, action: str, decision_id: str | None, issued_at: str) -> str:
    """Stable and derived from content: a decision's order for a subscription always has the same id.

    Orders issued by hand (a restore without a decision) also depend on when they were issued, so a
    second restore months later is a new order rather than a replay of the first.
    """
    if decision_id is not None:
        return "ord-" + _digest("decision", decision_id, subscription_id)[:24]
    return "ord-" + _digest("hand", subscription_id, action, issued_at)[:24]


def canonical(value: Any) -> bytes:
    """The exact bytes a payload is sent as: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def idempotency_key(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the order's content: the same order always carries the same key, at every attempt."""
    return hashlib.sha256(canonical(dict(payload))).hexdigest()


def build_payload(
    *,
    order: str,
    subscription_id: str,
    customer_id: str,
    service_id: str,
    action: str,
    decision_id: str | None,
    reason: str,
    issued_by: str,
    issued_at: str,
    due_by: str,
) -> dict[str, Any]:
    """What the control plane receives, fixed when the order is issued so that every delivery is identical."""
    return {
        "version": PAYLOAD_VERSION,
        "order_id": order,
        "subscription_id": subscription_id,
        "customer_id": customer_id,
        "service_id": service_id,
        "action": action,
        "target_status": ACTIONS[action],
        "decision_id": decision_id,
        "reason": reason,
        "issued_by": issued_by,
        "issued_at": issued_at,
        "due_by": due_by,
    }


def message_body(payload: Mapping[str, Any], key: str) -> bytes:
    """The body of every delivery: the payload plus its idempotency key, canonical JSON."""
    return canonical({**payload, "idempotency_key": key})


def backoff_delay(attempt: int, base: float, maximum: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, …): exponential, capped, with jitter.

    "Equal jitter": half the exponential delay is kept, the other half is random, so that many
    orders failing together (the receiver was down) do not all come back at the same instant, and
    no retry comes sooner than half the planned delay.
    """
    planned = min(maximum, base * 2.0 ** max(0, attempt - 1))
    return planned / 2 + (rng or _RNG).uniform(0, planned / 2)


def next_attempt(now: datetime, attempt: int, base: float, maximum: float, rng: random.Random | None = None) -> str:
    return format_time(now + timedelta(seconds=backoff_delay(attempt, base, maximum, rng)))


@dataclass(frozen=True)
class Answer:
    """What a connector learnt from one delivery."""

    outcome: str  # "acknowledged", "sent" (delivered, acknowledgement to follow) or "failed"
    detail: str | None = None  # the error, or a note
    answer: Mapping[str, Any] | None = None  # the control plane's acknowledgement, as JSON
    permanent: bool = False  # a failure that retrying cannot fix (e.g. the receiver refuses our signature)
    raw: str | None = None  # the start of the raw answer, for the attempt's record


def read_acknowledgement(data: object, key: str) -> Answer:
    """Interpret a control plane's JSON answer: it acknowledges only if it says it applied *this* order."""
    if not isinstance(data, dict):
        return Answer("sent", "the answer is not a JSON object; waiting for an acknowledgement")
    answered_key = data.get("idempotency_key")
    if answered_key is not None and answered_key != key:
        return Answer(
            "failed", f"the answer acknowledges idempotency key {answered_key!r}, not this order's {key!r}", data
        )
    if data.get("applied") is True:
        return Answer("acknowledged", "applied" + (" (already applied before)" if data.get("duplicate") else ""), data)
    return Answer("sent", "delivered; the control plane has not said it applied the order yet", data)


def state_after_failure(attempts: int, max_attempts: int, permanent: bool) -> str:
    """An order goes to the dead letters after `max_attempts` failures, or at once when retrying cannot help."""
    return DEAD if permanent or attempts >= max_attempts else PENDING

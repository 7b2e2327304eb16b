"""Issuing, acknowledging, restoring, cancelling and watching orders, through the service functions.

The register's status moves only on acknowledgement, and only once; every refusal writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.enforce.conftest import World
from vigie.audit.verify import history, verify
from vigie.enforce import service
from vigie.enforce.orders import utc_now
from vigie.enforce.service import EnforceError
from vigie.store.engine import session_scope


def issue(world: World, decision: str | None, subs: list[str], action: str = "suspend", **kw: object) -> list[str]:
    with session_scope(world.engine) as session:
        views = service.issue_orders(
            session,
            "abe",
            subscription_ids=subs,
            action=action,
            decision_id=decision,
            reason="test",
            **kw,  # type: ignore[arg-type]
        )
    return [v.id for v in views]


def ack(world: World, order_id: str, **kw: object) -> service.Acknowledgement:
    with session_scope(world.engine) as session:
        return service.acknowledge(session, "root", order_id, **kw)  # type: ignore[arg-type]


def test_an_approved_decision_becomes_one_order_per_subscription(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000", "sub-00003"])
    with session_scope(world.engine) as session:
        orders = service.orders_for_decision(session, "abe", decision)
    assert [o.subscription_id for o in orders] == ["sub-00000", "sub-00003"]
    assert {o.action for o in orders} == {"suspend"} and {o.state for o in orders} == {"pending"}
    assert all(o.decision_id == decision and o.target_status == "suspended" for o in orders)
    assert len({o.idempotency_key for o in orders}) == 2
    # Issued is not done: the register still says active until the control plane acknowledges.
    assert world.status_of("sub-00000") == "active"

    before = world.counts()
    with session_scope(world.engine) as session:
        again = service.orders_for_decision(session, "abe", decision)
    assert [o.id for o in again] == [o.id for o in orders]
    assert world.counts() == before, "issuing a decision's orders twice writes nothing"


def test_unknown_subscriptions_are_refused_and_nothing_is_written(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    before = world.counts()
    with pytest.raises(EnforceError, match=r"subscription_ids: unknown subscription\(s\) sub-nope, sub-gone"):
        issue(world, decision, ["sub-00000", "sub-nope", "sub-gone"])
    assert world.counts() == before


@pytest.mark.parametrize(
    ("action", "decision_action", "approve", "message"),
    [
        ("suspend", None, True, "decision_id: a suspend order carries out an approved decision"),
        ("suspend", "suspend", False, "is proposed, not approved"),
        ("terminate", "suspend", True, "it gives suspend orders, not terminate"),
        ("launch", "suspend", True, "action: 'launch' is not one of"),
    ],
)
def test_orders_need_an_approved_decision_that_calls_for_them(
    world: World, action: str, decision_action: str | None, approve: bool, message: str
) -> None:
    decision = world.decide(decision_action, ["sub-00000"], approve=approve) if decision_action else None
    before = world.counts()
    with pytest.raises(EnforceError, match=message):
        issue(world, decision, ["sub-00000"], action=action)
    assert world.counts() == before


def test_a_subscription_outside_the_decision_is_refused(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    with pytest.raises(EnforceError, match="not covered by decision"):
        issue(world, decision, ["sub-00003"])


def test_the_status_changes_only_on_acknowledgement_and_only_once(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    (order_id,) = issue(world, decision, ["sub-00000"])
    assert world.status_of("sub-00000") == "active"

    first = ack(world, order_id)
    assert first.applied_now and first.status_changed and first.order.state == "acknowledged"
    assert world.status_of("sub-00000") == "suspended"
    before = world.counts()
    second = ack(world, order_id)
    assert not second.applied_now and not second.status_changed
    assert world.counts() == before, "acknowledging twice writes nothing"
    assert world.status_changes("sub-00000") == [("active", "suspended")]
    with session_scope(world.engine) as session:
        entries = history(session, "sub-00000", "subscription")
        assert entries[-1].actor == "root" and order_id in (entries[-1].context or "")
        assert verify(session).ok


def test_an_acknowledgement_naming_another_key_is_refused(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    (order_id,) = issue(world, decision, ["sub-00000"])
    with pytest.raises(EnforceError, match="idempotency_key: 'f00' is not the key of order"):
        ack(world, order_id, idempotency_key="f00")
    assert world.status_of("sub-00000") == "active"
    with pytest.raises(EnforceError, match="order_id: no order 'ord-nope'"):
        ack(world, "ord-nope")


def test_restoring_is_an_order_too(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    (suspend,) = issue(world, decision, ["sub-00000"])
    with pytest.raises(EnforceError, match="already has open order"):
        issue(world, None, ["sub-00000"], action="restore")  # the suspension is still open
    ack(world, suspend)

    with session_scope(world.engine) as session:
        (restore,) = service.restore(session, "abe", ["sub-00000"], "the review found no link")
    assert restore.action == "restore" and restore.decision_id is None and restore.target_status == "active"
    assert world.status_of("sub-00000") == "suspended", "restored only once acknowledged"
    ack(world, restore.id)
    assert world.status_of("sub-00000") == "active"
    assert world.status_changes("sub-00000") == [("active", "suspended"), ("suspended", "active")]

    with (
        pytest.raises(EnforceError, match="sub-00003 is active; there is nothing to restore"),
        session_scope(world.engine) as session,
    ):
        service.restore(session, "abe", ["sub-00003"], "nothing to restore")


def test_status_lists_orders_not_acknowledged_in_time(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000", "sub-00003"])
    issued = utc_now()
    late, on_time = issue(world, decision, ["sub-00000", "sub-00003"], now=issued, ack_within=timedelta(hours=1))
    ack(world, on_time)
    with session_scope(world.engine) as session:
        assert service.status(session, issued + timedelta(minutes=59)).overdue == []
        later = service.status(session, issued + timedelta(hours=2))
    assert [o.id for o in later.overdue] == [late] and later.open == 1 and later.attention
    assert later.overdue[0].overdue(issued + timedelta(hours=2))


def test_a_cancelled_order_is_kept_and_never_acknowledged(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    (order_id,) = issue(world, decision, ["sub-00000"])
    with session_scope(world.engine) as session, pytest.raises(EnforceError, match="reason: say why"):
        service.cancel(session, "abe", order_id, " ")
    with session_scope(world.engine) as session:
        view = service.cancel(session, "abe", order_id, "the customer left on its own")
    assert view.state == "cancelled" and view.closed_reason == "the customer left on its own"
    with pytest.raises(EnforceError, match="was cancelled"):
        ack(world, order_id)
    assert world.status_of("sub-00000") == "active"
    with session_scope(world.engine) as session:
        assert [o.id for o in service.list_orders(session, state="cancelled")] == [order_id]
        assert verify(session).ok

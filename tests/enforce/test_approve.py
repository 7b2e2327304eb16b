"""Approving a decision issues its orders in the same transaction, so no approved suspension stays on paper.

Through the service function the API calls (`approve_and_issue`) and the command people run
(`vigie decision approve`); on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.enforce.conftest import World
from vigie.access import AccessDenied
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.cases import decisions
from vigie.cli import app
from vigie.enforce import service
from vigie.enforce.service import EnforceError
from vigie.register.service import set_subscription_status
from vigie.store.engine import session_scope


def propose(world: World, action: str, subscriptions: list[str], **extra: object) -> str:
    if action == "terminate":
        extra["exit_plan"] = {"impact": "none (test)", "notice": "30 days", "kept": "records"}
    if action in ("restrict", "continue-with-conditions"):
        extra["conditions"] = "no AI features (test)"
    with session_scope(world.engine) as session:
        view = decisions.propose(
            session, world.actors["ivy"], action=action, rationale="test decision",
            review_date=date.today() + timedelta(days=90), subscription_ids=subscriptions, **extra,  # type: ignore[arg-type]
        )  # fmt: skip
    return view.id


def approve(world: World, decision_id: str, user: str = "abe") -> service.ApprovedDecision:
    with session_scope(world.engine) as session:
        return service.approve_and_issue(session, world.actors[user], decision_id, "agreed (test)")


def orders_of(world: World, decision_id: str) -> list[service.OrderView]:
    with session_scope(world.engine) as session:
        return service.list_orders(session, decision_id=decision_id)


def decision_status(world: World, decision_id: str) -> str:
    with session_scope(world.engine) as session:
        return decisions.get_decision(session, decision_id).status


def test_approving_a_suspension_issues_one_pending_order_per_subscription(world: World) -> None:
    decision = propose(world, "suspend", ["sub-00000", "sub-00003"])
    approved = approve(world, decision)

    assert approved.decision.status == "approved" and approved.decision.approved_by == "abe"
    assert [(o.subscription_id, o.action, o.state) for o in approved.orders] == [
        ("sub-00000", "suspend", "pending"),
        ("sub-00003", "suspend", "pending"),
    ]
    assert all(o.decision_id == decision and o.issued_by == "abe" for o in approved.orders)
    assert sorted(o.id for o in orders_of(world, decision)) == sorted(o.id for o in approved.orders)
    # The register changes only once the control plane acknowledges.
    assert world.status_of("sub-00000") == "active"
    with session_scope(world.engine) as session:
        entries = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id.in_([decision, *(o.id for o in approved.orders)]))
            )
        )
        # The approval and the orders are one transaction: consecutive entries of the hash chain, by the approver.
        approval = next(e for e in entries if e.entity_type == "decision" and e.action == "approve")
        issued = sorted(e.seq for e in entries if e.entity_type == "enforcement_order" and e.action == "issue")
        assert issued == [approval.seq + 1, approval.seq + 2]
        assert {e.actor for e in entries if e.seq >= approval.seq} == {"abe"}
        assert verify(session).ok
    # Issuing again by hand (`vigie enforce issue`) finds the same orders and writes nothing.
    before = world.counts()
    with session_scope(world.engine) as session:
        again = service.orders_for_decision(session, "abe", decision)
    assert [o.id for o in again] == [o.id for o in approved.orders] and world.counts() == before


@pytest.mark.parametrize(("action", "order", "status"), [("restrict", "disable", "disabled"),
                                                          ("terminate", "terminate", "terminated")])  # fmt: skip
def test_restricting_and_terminating_issue_their_orders(world: World, action: str, order: str, status: str) -> None:
    decision = propose(world, action, ["sub-00003"])
    (issued,) = approve(world, decision).orders
    assert (issued.subscription_id, issued.action, issued.target_status) == ("sub-00003", order, status)


def test_refusing_issues_no_order(world: World) -> None:
    decision = propose(world, "suspend", ["sub-00000"])
    with session_scope(world.engine) as session:
        refused = decisions.refuse(session, world.actors["abe"], decision, "not enough evidence yet (test)")
    assert refused.status == "refused"
    assert orders_of(world, decision) == []
    with session_scope(world.engine) as session, pytest.raises(EnforceError, match="is refused, not approved"):
        service.orders_for_decision(session, "abe", decision)
    assert orders_of(world, decision) == []


def test_a_decision_to_continue_issues_no_order_when_nothing_is_suspended(world: World) -> None:
    decision = propose(world, "continue", ["sub-00000", "sub-00003"])
    approved = approve(world, decision)
    assert approved.decision.status == "approved" and approved.orders == []
    assert orders_of(world, decision) == []
    assert world.status_of("sub-00000") == "active"


def test_a_decision_to_continue_restores_what_was_suspended(world: World) -> None:
    suspension = propose(world, "suspend", ["sub-00000"])
    (suspend,) = approve(world, suspension).orders
    with session_scope(world.engine) as session:
        service.acknowledge(session, "root", suspend.id)
    assert world.status_of("sub-00000") == "suspended"

    decision = propose(world, "continue-with-conditions", ["sub-00000", "sub-00003"])
    approved = approve(world, decision)
    assert [(o.subscription_id, o.action, o.decision_id) for o in approved.orders] == [
        ("sub-00000", "restore", decision)
    ], "only the suspended subscription is restored; the active one needs no order"
    assert world.status_of("sub-00000") == "suspended", "active again only once the restore is acknowledged"
    with session_scope(world.engine) as session:
        service.acknowledge(session, "root", approved.orders[0].id)
    assert world.status_changes("sub-00000") == [("active", "suspended"), ("suspended", "active")]


def test_an_approval_whose_orders_cannot_be_issued_is_not_approved(world: World) -> None:
    """All or nothing: the decision stays proposed, and nothing at all is written."""
    suspension = propose(world, "suspend", ["sub-00000"])
    approve(world, suspension)  # its order is pending, not acknowledged yet
    decision = propose(world, "continue", ["sub-00000"])
    before = world.counts()
    with pytest.raises(EnforceError, match=r"sub-00000 has open order ord-\w+ \(suspend, pending\).*would race it"):
        approve(world, decision)
    assert decision_status(world, decision) == "proposed" and world.counts() == before

    terminated = propose(world, "suspend", ["sub-00003"])
    with session_scope(world.engine) as session:
        set_subscription_status(session, "loader", "sub-00003", "terminated", context="the contract ended (test)")
    before = world.counts()
    with pytest.raises(EnforceError, match="sub-00003 is terminated"):
        approve(world, terminated)
    assert decision_status(world, terminated) == "proposed" and world.counts() == before


def test_the_two_person_rule_holds_and_a_refused_approval_issues_nothing(world: World) -> None:
    with session_scope(world.engine) as session:
        own = decisions.propose(
            session, world.actors["abe"], action="suspend", rationale="test", review_date=date.today() + timedelta(30),
            subscription_ids=["sub-00000"],
        )  # fmt: skip
    before = world.counts()
    with pytest.raises(AccessDenied, match="two-person rule"):
        approve(world, own.id, "abe")
    with pytest.raises(AccessDenied, match="needs the role approver"):
        approve(world, own.id, "root")
    assert world.counts() == before and orders_of(world, own.id) == []


def test_decision_approve_on_the_command_line_issues_the_orders(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIE_DATABASE_URL", world.database_url)
    monkeypatch.setenv("VIGIE_ENFORCE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("VIGIE_CONFIG", raising=False)
    runner = CliRunner()
    decision = propose(world, "suspend", ["sub-00000", "sub-00003"])

    result = runner.invoke(
        app, ["decision", "approve", decision, "--note", "agreed"], env={"VIGIE_TOKEN": world.tokens["abe"]}
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert f"Approved {decision}" in out and "Issued 2 order(s), pending delivery by `vigie enforce deliver`" in out
    listed = runner.invoke(
        app, ["enforce", "list", "--decision", decision, "--json"], env={"VIGIE_TOKEN": world.tokens["ann"]}
    )
    orders = json.loads(listed.stdout)
    assert sorted(o["subscription_id"] for o in orders) == ["sub-00000", "sub-00003"]
    assert {o["state"] for o in orders} == {"pending"} and all(o["id"] in out for o in orders)

    # A continue decision approved as JSON: approved, no order.
    lighter = propose(world, "continue", ["sub-00001"])
    result = runner.invoke(app, ["decision", "approve", lighter, "--json"], env={"VIGIE_TOKEN": world.tokens["abe"]})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "approved" and data["orders"] == []

    # A refused approval names why and issues nothing.
    before = world.counts()
    result = runner.invoke(app, ["decision", "approve", decision], env={"VIGIE_TOKEN": world.tokens["abe"]})
    assert result.exit_code == 1 and "already approved by abe" in result.output
    assert world.counts() == before
    with session_scope(world.engine) as session:
        assert verify(session).ok

"""Decisions in the service layer: the two-person rule, exit plans, reviews and the view enforcement reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.cases.conftest import World
from vigie.access import AccessDenied, Actor
from vigie.audit.verify import verify
from vigie.cases import decisions, service
from vigie.store.engine import session_scope

SOON = date.today() + timedelta(days=30)
EXIT = {"impact": "Civil registry loses hosting (fictional)", "notice": "90 days", "kept": "Audit records, 7 years"}


def test_suspend_and_terminate_need_a_second_person_with_the_approver_role(world: World) -> None:
    with session_scope(world.engine) as session:
        suspend = decisions.propose(
            session, world["ada"], action="suspend", rationale="test", review_date=SOON, subscription_ids=["sub-00001"]
        )
        terminate = decisions.propose(
            session, world["ada"], action="terminate", rationale="test", review_date=SOON, org_id="org-shop",
            exit_plan=EXIT,
        )  # fmt: skip
    for decision in (suspend, terminate):
        with session_scope(world.engine) as session:
            # The proposer, even as a fresh Actor with every role, and even with the same name on another id.
            same = world["ada"]
            with pytest.raises(AccessDenied, match="two-person rule"):
                decisions.approve(session, same, decision.id)
            impostor = Actor("usr_other", "ada", frozenset({"approver", "admin"}))
            with pytest.raises(AccessDenied, match="two-person rule"):
                decisions.approve(session, impostor, decision.id)
            for name in ("lea", "root", "aud"):  # investigator, admin, auditor: none is an approver
                with pytest.raises(AccessDenied, match="needs the role approver"):
                    decisions.approve(session, world[name], decision.id)
            with pytest.raises(AccessDenied, match="withdraw it instead"):
                decisions.refuse(session, world["ada"], decision.id, "no")
            assert decisions.get_decision(session, decision.id).status == "proposed"
        with session_scope(world.engine) as session:
            approved = decisions.approve(session, world["abe"], decision.id, "agreed")
            assert (approved.status, approved.approved_by, approved.proposed_by) == ("approved", "abe", "ada")
            assert [(a.user, a.verdict) for a in approved.approvals] == [("abe", "approve")]
        with session_scope(world.engine) as session, pytest.raises(ValueError, match="already approved by abe"):
            decisions.approve(session, world["out"], decision.id)
    with session_scope(world.engine) as session:
        view = decisions.get_decision(session, terminate.id)
        assert view.subscription_ids == ("sub-00002",) and view.org_id == "org-shop" and view.exit_plan == EXIT
        assert view.review_date == SOON
        assert verify(session).ok
        with pytest.raises(LookupError, match="no decision with id"):
            decisions.get_decision(session, "dec-nope")


def test_lighter_decisions_may_be_approved_by_an_approver_who_proposed_them(world: World) -> None:
    with session_scope(world.engine) as session:
        d = decisions.propose(
            session, world["ada"], action="restrict", rationale="AI features bear on the harm", review_date=SOON,
            subscription_ids=["sub-00001"], conditions="No speech-to-text on this subscription",
        )  # fmt: skip
        assert not d.needs_two_people
        assert decisions.approve(session, world["ada"], d.id).status == "approved"
        refused = decisions.propose(
            session, world["lea"], action="continue", rationale="no evidence", review_date=SOON, org_id="org-min"
        )
        assert decisions.refuse(session, world["abe"], refused.id, "too early to say").status == "refused"
        withdrawn = decisions.propose(
            session, world["lea"], action="continue", rationale="x", review_date=SOON, org_id="org-min"
        )
        with pytest.raises(AccessDenied, match="only its proposer"):
            decisions.withdraw(session, world["ada"], withdrawn.id)
        assert decisions.withdraw(session, world["lea"], withdrawn.id).status == "withdrawn"
        assert {d.status for d in decisions.list_decisions(session)} == {"approved", "refused", "withdrawn"}


def test_proposals_are_checked_field_by_field(world: World) -> None:
    assert decisions.check_proposal("terminate", "r", SOON, date.today()) == [
        "exit_plan: a termination needs a responsible-exit plan with the impact of leaving, the notice given and "
        "what is kept (missing: impact, notice, kept)"
    ]
    assert decisions.check_proposal("continue", " ", date.today(), date.today(), exit_plan=EXIT) == [
        "rationale: a decision must say why",
        f"review_date: must be after today ({date.today().isoformat()}), got {date.today().isoformat()}",
        "exit_plan: only a termination has an exit plan (action is continue)",
    ]
    assert decisions.check_proposal("restrict", "r", SOON, date.today()) == [
        "conditions: a decision to restrict must state what is restricted"
    ]
    assert decisions.check_proposal("suspend", "r", SOON, date.today()) == []
    with session_scope(world.engine) as session:
        with pytest.raises(AccessDenied, match="may not propose"):
            decisions.propose(session, world["abe"].__class__("x", "x", frozenset({"analyst"})), action="suspend",
                              rationale="r", review_date=SOON, org_id="org-min")  # fmt: skip
        with pytest.raises(ValueError, match="belong to org-min, org-shop; a decision is about one relationship"):
            decisions.propose(
                session, world["lea"], action="suspend", rationale="r", review_date=SOON,
                subscription_ids=["sub-00000", "sub-00002"],
            )  # fmt: skip
        with pytest.raises(ValueError, match="not subscriptions of org-shop"):
            decisions.propose(
                session, world["lea"], action="suspend", rationale="r", review_date=SOON, org_id="org-shop",
                subscription_ids=["sub-00001"],
            )  # fmt: skip
        case = service.open_case(session, world["lea"], "Decision case (test)")
        with pytest.raises(AccessDenied, match="not a member"):
            decisions.propose(
                session, world["out"], action="suspend", rationale="r", review_date=SOON, org_id="org-min",
                case_id=case.id,
            )  # fmt: skip


def test_overdue_reviews_are_listed_until_the_decision_is_reviewed(world: World) -> None:
    today = date.today()
    with session_scope(world.engine) as session:
        old = decisions.propose(
            session, world["ada"], action="suspend", rationale="r", review_date=today + timedelta(days=1),
            org_id="org-unit",
        )  # fmt: skip
        decisions.approve(session, world["abe"], old.id)
        later = decisions.propose(
            session, world["ada"], action="continue", rationale="r", review_date=today + timedelta(days=60),
            org_id="org-min",
        )  # fmt: skip
        gone = decisions.propose(
            session, world["ada"], action="continue", rationale="r", review_date=today + timedelta(days=1),
            org_id="org-shop",
        )  # fmt: skip
        decisions.withdraw(session, world["ada"], gone.id)
    with session_scope(world.engine) as session:
        assert decisions.overdue(session, today) == []
        assert [d.id for d in decisions.overdue(session, today + timedelta(days=2))] == [old.id]
        assert [d.id for d in decisions.overdue(session, today + timedelta(days=90))] == [old.id, later.id]
        with pytest.raises(ValueError, match="only an approved decision is reviewed"):
            decisions.review(session, world["ada"], later.id, today + timedelta(days=10), "n")
        reviewed = decisions.review(
            session, world["ada"], old.id, today + timedelta(days=100), "Still suspended; customer engaged."
        )
        assert reviewed.reviewed_at is not None
        assert [d.id for d in decisions.overdue(session, today + timedelta(days=90))] == [later.id]
        with pytest.raises(ValueError, match="next_review: must be after today"):
            decisions.review(session, world["ada"], old.id, today, "n")

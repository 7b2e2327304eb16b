"""Requests: triage under the policy names the clauses and the approval; the decision follows it."""

from __future__ import annotations

import pytest

from tests.cases.conftest import World
from vigie.access import AccessDenied
from vigie.access.crypto import KeyMissing
from vigie.cases import requests
from vigie.risk.policy import default_policy
from vigie.store.engine import session_scope

CIVILIAN = requests.Relationship(org_kind="company", capabilities=("productivity",), assessments=())


def test_triage_names_the_clauses_the_purpose_touches_in_any_language() -> None:
    policy = default_policy()
    result = requests.triage(policy, "Interception et transcription d'appels pour identifier des cibles", [], CIVILIAN)
    assert {h.harm for h in result.harms} == {"privacy", "life"}
    assert {c.clause for c in result.clauses} == {"AUP-1", "AUP-2", "AI-1", "AI-2"}
    aup1 = next(c for c in result.clauses if c.clause == "AUP-1")
    assert aup1.text == policy.prohibited_uses["AUP-1"].text and "privacy harm: the purpose says" in aup1.why
    assert result.approval == "approver" and "refuse" in result.recommendation
    assert result.policy_id == policy.id and result.policy_version == policy.version


def test_triage_escalates_on_the_customer_and_the_current_assessment_even_with_a_harmless_purpose() -> None:
    policy = default_policy()
    plain = requests.triage(policy, "Extra storage for payroll archives", [], CIVILIAN)
    assert plain.clauses == () and plain.factors == () and plain.approval == "investigator"
    unit = requests.Relationship(
        org_kind="military-unit", capabilities=("storage",),
        assessments=(("sub-1", "critical", "suspend-pending-investigation", True),),
    )  # fmt: skip
    result = requests.triage(policy, "Extra storage for payroll archives", [], unit)
    assert result.clauses == ()
    clauses = [f.clause for f in result.factors]
    assert clauses == [policy.customer_kinds.clause, policy.context.clause, policy.priority.clause,
                       policy.involvement.clause]  # fmt: skip
    assert result.approval == "approver"
    named = requests.triage(policy, "Extra storage", ["coercion"], CIVILIAN)
    assert [c.clause for c in named.clauses] == ["AUP-4"] and named.harms[0].source == "triager"
    with pytest.raises(ValueError, match="harm: unknown harm telepathy"):
        requests.triage(policy, "x", ["telepathy"], CIVILIAN)


def test_a_request_is_decided_with_the_approval_its_triage_named(world: World) -> None:
    policy = default_policy()
    with session_scope(world.engine) as session:
        sensitive = requests.add_request(
            session, world["lea"], kind="emergency", org_id="org-unit", purpose="Wiretap transcription at scale",
            urgency="emergency", subscription_ids=["sub-00001"], requester="Lt. Example (fictional)",
            sealer=world.sealer,
        )  # fmt: skip
        routine = requests.add_request(
            session, world["lea"], kind="sensitive-use", org_id="org-shop", purpose="Payroll archive",
            urgency="routine", service_id="svc-store",
        )  # fmt: skip
        with pytest.raises(ValueError, match="has not been triaged"):
            requests.decide_request(session, world["abe"], sensitive.id, "refused", "r")
        triage = requests.triage_request(session, world["ada"], sensitive.id, policy)
        assert "AUP-1" in {c.clause for c in triage.clauses} and triage.approval == "approver"
        assert requests.triage_request(session, world["lea"], routine.id, policy).approval == "investigator"
        with pytest.raises(AccessDenied, match="they triaged it"):
            requests.decide_request(session, world["ada"], sensitive.id, "approved", "r")
        with pytest.raises(AccessDenied, match="needs the role approver"):
            requests.decide_request(session, world["lea"], sensitive.id, "refused", "r")
        with pytest.raises(ValueError, match="conditions: an approval with conditions must state them"):
            requests.decide_request(session, world["abe"], sensitive.id, "approved-with-conditions", "r")
        done = requests.decide_request(
            session, world["abe"], sensitive.id, "approved-with-conditions", "Only for the lawful-intercept audit",
            "No transcription of private calls; monthly verification",
        )  # fmt: skip
        assert (done.status, done.decided_by) == ("approved-with-conditions", "abe")
        requests.decide_request(session, world["lea"], routine.id, "approved", "Ordinary use")  # an investigator may
        assert requests.requester_of(done, world.sealer) == "Lt. Example (fictional)"
        assert requests.reveal_requester(session, world["aud"], done.id, world.sealer) == "Lt. Example (fictional)"
        with pytest.raises(AccessDenied, match="may not see who made request"):
            requests.reveal_requester(session, world["root"], done.id, world.sealer)
        assert [r.id for r in requests.list_requests(session)] == [sensitive.id, routine.id]
        with pytest.raises(ValueError, match="already decided"):
            requests.triage_request(session, world["lea"], sensitive.id, policy)
        for bad, message in (
            ({"kind": "whim"}, "kind: must be one of"),
            ({"urgency": "yesterday"}, "urgency: must be one of"),
            ({"purpose": " "}, "purpose: must say"),
            ({"subscription_ids": ["sub-00002"]}, "not a subscription of org-unit"),
            ({"requester": "Someone"}, "requester: a key is needed"),
        ):
            args: dict[str, object] = {
                "kind": "sensitive-use", "org_id": "org-unit", "purpose": "p", "urgency": "routine",
                "service_id": "svc-store", **bad,
            }  # fmt: skip
            with pytest.raises((ValueError, KeyMissing), match=message):
                requests.add_request(session, world["lea"], **args)  # type: ignore[arg-type]

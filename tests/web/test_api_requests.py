"""Sensitive-use and emergency requests through the API, on SQLite and PostgreSQL: intake, triage, decision."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served

REQUESTER = "Captain Example-SEQUOIA (fictional)"


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def received(client: TestClient, served: Served, **body: object) -> dict[str, object]:
    answer = client.post("/api/v1/requests", json=body, headers=served.bearer(served.investigator.name))
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def test_a_sensitive_request_is_triaged_under_the_policy_and_decided_by_a_second_person(
    client: TestClient, demo_on: Served
) -> None:
    iris, abel = demo_on.bearer(demo_on.investigator.name), demo_on.bearer(demo_on.approver.name)
    request = received(
        client, demo_on, kind="emergency", org_id="org-il-unit-8200", urgency="emergency",
        purpose="Transcription et interception d'appels pour identifier des cibles",
        subscription_ids=["sub-8200-ai"], requester=REQUESTER,
    )  # fmt: skip
    assert request["status"] == "received" and request["requester"] == "(sealed)"
    stored = client.get("/api/v1/audit", params={"entity_id": str(request["id"])},
                        headers=demo_on.bearer(demo_on.admin.name)).json()  # fmt: skip
    assert "SEQUOIA" not in str(stored)

    early = client.post(f"/api/v1/requests/{request['id']}/decide", json={"outcome": "refused", "rationale": "r"},
                        headers=abel)  # fmt: skip
    assert early.status_code == 422 and "has not been triaged" in early.json()["error"]["detail"]

    triaged = client.post(f"/api/v1/requests/{request['id']}/triage", json={}, headers=iris)
    assert triaged.status_code == 200, triaged.text
    triage = triaged.json()["triage"]
    assert {"AUP-1", "AI-1"} <= {c["clause"] for c in triage["clauses"]}
    assert triage["approval"] == "approver" and triaged.json()["status"] == "triaged"
    assert all(c["text"] and c["why"] for c in triage["clauses"])

    not_approver = client.post(f"/api/v1/requests/{request['id']}/decide",
                               json={"outcome": "refused", "rationale": "r"}, headers=iris)  # fmt: skip
    assert not_approver.status_code == 403 and "approver" in not_approver.json()["error"]["detail"]
    no_conditions = client.post(f"/api/v1/requests/{request['id']}/decide",
                                json={"outcome": "approved-with-conditions", "rationale": "r"}, headers=abel)  # fmt: skip
    assert no_conditions.status_code == 422 and no_conditions.json()["error"]["detail"].startswith("conditions:")
    refused = client.post(
        f"/api/v1/requests/{request['id']}/decide",
        json={"outcome": "refused", "rationale": "Prohibited by AUP-1 and AI-1: mass interception."},
        headers=abel,
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["status"], refused.json()["decided_by"]) == ("refused", demo_on.approver.name)

    shown = client.get(f"/api/v1/requests/{request['id']}", headers=abel).json()
    assert shown["requester"] == REQUESTER  # opened for an approver, with the server's key
    admin = client.get(f"/api/v1/requests/{request['id']}", headers=demo_on.bearer(demo_on.admin.name)).json()
    assert admin["requester"] == "(sealed)"  # an admin has no need to know who asked
    again = client.post(f"/api/v1/requests/{request['id']}/triage", json={}, headers=iris)
    assert again.status_code == 422 and "already decided" in again.json()["error"]["detail"]


def test_a_routine_request_may_be_decided_by_an_investigator_with_conditions(
    client: TestClient, demo_on: Served
) -> None:
    iris = demo_on.bearer(demo_on.investigator.name)
    request = received(client, demo_on, org_id="org-de-ardent", service_id="svc-cumulo-workplace",
                       purpose="Shared documents for the warehouse staff rota")  # fmt: skip
    triage = client.post(f"/api/v1/requests/{request['id']}/triage", headers=iris).json()["triage"]
    assert triage["approval"] == "investigator" and triage["clauses"] == []
    named = client.post(f"/api/v1/requests/{request['id']}/triage", json={"harms": ["coercion"]}, headers=iris)
    assert [c["clause"] for c in named.json()["triage"]["clauses"]] == ["AUP-4"]
    unknown = client.post(f"/api/v1/requests/{request['id']}/triage", json={"harms": ["telepathy"]}, headers=iris)
    assert unknown.status_code == 422 and "telepathy" in unknown.json()["error"]["detail"]

    plain = received(client, demo_on, org_id="org-de-ardent", service_id="svc-cumulo-workplace",
                     purpose="Calendar for the canteen")  # fmt: skip
    client.post(f"/api/v1/requests/{plain['id']}/triage", headers=iris)
    decided = client.post(
        f"/api/v1/requests/{plain['id']}/decide",
        json={"outcome": "approved-with-conditions", "rationale": "Ordinary use.", "conditions": "Staff data only."},
        headers=iris,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["conditions"] == "Staff data only."


def test_intake_errors_name_the_field_and_write_nothing(client: TestClient, demo_on: Served) -> None:
    iris = demo_on.bearer(demo_on.investigator.name)
    before = client.get("/api/v1/requests", headers=iris).json()["total"]
    for body, words in (
        ({"org_id": "org-nope", "purpose": "p", "service_id": "svc-cumulo-compute"}, "org:"),
        ({"org_id": "org-de-ardent", "purpose": "p"}, "service:"),
        ({"org_id": "org-de-ardent", "purpose": "p", "service_id": "svc-cumulo-compute", "urgency": "now"}, "urgency:"),
        ({"org_id": "org-de-ardent", "purpose": "p", "subscription_ids": ["sub-8200-ai"]}, "not a subscription of"),
        ({"org_id": "org-de-ardent", "purpose": "p", "service_id": "svc-cumulo-compute", "case_id": demo_on.story.case_id}, ""),
    ):
        answer = client.post("/api/v1/requests", json=body, headers=iris)
        if not words:  # iris is a member of the demo case: that one is accepted
            assert answer.status_code == 201
            before += 1
            continue
        assert answer.status_code == 422, answer.text
        assert words in answer.json()["error"]["detail"]
    approver = client.post("/api/v1/requests", json={"org_id": "org-de-ardent", "purpose": "p",
                                                     "service_id": "svc-cumulo-compute"},
                           headers=demo_on.bearer(demo_on.approver.name))  # fmt: skip
    assert approver.status_code == 403
    assert client.get("/api/v1/requests", headers=iris).json()["total"] == before


def test_requests_are_listed_undecided_and_most_urgent_first(client: TestClient, demo_on: Served) -> None:
    iris = demo_on.bearer(demo_on.investigator.name)
    for urgency in ("routine", "emergency", "urgent"):
        received(client, demo_on, org_id="org-de-ardent", service_id="svc-cumulo-compute",
                 purpose=f"Order test {urgency}", urgency=urgency)  # fmt: skip
    whole = client.get("/api/v1/requests", params={"limit": 500}, headers=iris).json()
    undecided = [r for r in whole["items"] if r["status"] in ("received", "triaged")]
    assert whole["items"][: len(undecided)] == undecided
    ranks = [("emergency", "urgent", "routine").index(r["urgency"]) for r in undecided]
    assert ranks == sorted(ranks)
    second = client.get("/api/v1/requests", params={"limit": 2, "offset": 2}, headers=iris).json()
    assert second["total"] == whole["total"] and second["items"] == whole["items"][2:4]
    only = client.get("/api/v1/requests", params={"status": "received"}, headers=iris).json()
    assert {r["status"] for r in only["items"]} == {"received"} and only["total"] == len(only["items"])
    assert client.get("/api/v1/requests/req-nope", headers=iris).status_code == 404

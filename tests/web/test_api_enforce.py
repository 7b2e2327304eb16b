"""Enforcement through the API, on SQLite and PostgreSQL: an approved decision's orders delivered to the outbox,
acknowledged, and only then the register changed; restore, cancel, retry and the roles that may."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def status_of(client: TestClient, served: Served, subscription: str) -> str:
    answer = client.get(f"/api/v1/subscriptions/{subscription}", headers=served.bearer(served.admin.name))
    value: str = answer.json()["status"]
    return value


def test_an_approved_suspension_is_delivered_acknowledged_and_only_then_applied(
    client: TestClient, demo_on: Served
) -> None:
    iris, abel, admin = (demo_on.bearer(u) for u in (demo_on.investigator.name, demo_on.approver.name,
                                                       demo_on.admin.name))  # fmt: skip
    proposal = client.post(
        "/api/v1/decisions",
        json={"action": "suspend", "rationale": "Test: named in the evidence.", "subscription_ids": ["sub-imod-translate"],
              "review_date": (date.today() + timedelta(days=30)).isoformat()},
        headers=iris,
    )  # fmt: skip
    assert proposal.status_code == 201, proposal.text
    approved = client.post(f"/api/v1/decisions/{proposal.json()['id']}/approve", json={}, headers=abel).json()
    order = approved["orders"][0]
    assert order["state"] == "pending"

    assert client.post("/api/v1/orders/deliver", headers=abel).status_code == 403  # an operator's job
    delivered = client.post("/api/v1/orders/deliver", headers=admin)
    assert delivered.status_code == 200, delivered.text
    report = delivered.json()
    assert report["connector"] == "outbox" and report["sent"] == [order["id"]]
    assert any(order["id"] in p.name for p in Path(report["target"]).rglob("*.json"))
    assert status_of(client, demo_on, "sub-imod-translate") == "active"  # sent is not applied

    assert client.post(f"/api/v1/orders/{order['id']}/ack", json={}, headers=abel).status_code == 403
    wrong_key = client.post(f"/api/v1/orders/{order['id']}/ack", json={"idempotency_key": "nope"}, headers=admin)
    assert wrong_key.status_code == 422 and wrong_key.json()["error"]["detail"].startswith("idempotency_key:")
    acked = client.post(
        f"/api/v1/orders/{order['id']}/ack",
        json={"note": "ticket OPS-1 (fictional)", "idempotency_key": order["idempotency_key"]},
        headers=admin,
    ).json()
    assert acked["applied_now"] is True and acked["status_changed"] is True
    assert acked["order"]["state"] == "acknowledged" and acked["order"]["acknowledged_by"] == demo_on.admin.name
    assert status_of(client, demo_on, "sub-imod-translate") == "suspended"
    twice = client.post(f"/api/v1/orders/{order['id']}/ack", headers=admin).json()
    assert twice["applied_now"] is False and twice["status_changed"] is False

    status = client.get("/api/v1/orders/status", headers=iris).json()
    assert status["overdue"] == [] and status["dead"] == [] and status["open"] == 0
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=iris).json()
    assert [a["outcome"] for a in shown["attempt_log"]] == ["sent"]


def test_restore_is_an_order_too_and_can_be_cancelled(client: TestClient, demo_on: Served) -> None:
    abel, admin = demo_on.bearer(demo_on.approver.name), demo_on.bearer(demo_on.admin.name)
    suspended = demo_on.story.subscription_ids
    assert {status_of(client, demo_on, s) for s in suspended} == {"suspended"}
    not_decider = client.post("/api/v1/orders/restore", json={"subscription_ids": suspended, "reason": "r"},
                              headers=demo_on.bearer(demo_on.investigator.name))  # fmt: skip
    assert not_decider.status_code == 403 and "approver or admin" in not_decider.json()["error"]["detail"]
    mixed = client.post("/api/v1/orders/restore",
                        json={"subscription_ids": [*suspended, "sub-nope"], "reason": "Test."}, headers=abel)  # fmt: skip
    assert mixed.status_code == 422 and "sub-nope" in mixed.json()["error"]["detail"]
    assert client.get("/api/v1/orders", params={"state": "pending"}, headers=abel).json()["total"] == 0

    restored = client.post("/api/v1/orders/restore",
                           json={"subscription_ids": suspended, "reason": "Test: the review found no link."},
                           headers=abel)  # fmt: skip
    assert restored.status_code == 201, restored.text
    orders = restored.json()
    assert {o["action"] for o in orders} == {"restore"} and {o["subscription_id"] for o in orders} == set(suspended)

    cancelled = client.post(f"/api/v1/orders/{orders[0]['id']}/cancel", json={"reason": "Test: changed our mind."},
                            headers=abel)  # fmt: skip
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = client.post(f"/api/v1/orders/{orders[0]['id']}/cancel", json={"reason": "again"}, headers=abel)
    assert again.status_code == 422 and "only an open order" in again.json()["error"]["detail"]
    not_dead = client.post(f"/api/v1/orders/{orders[1]['id']}/retry", headers=admin)
    assert not_dead.status_code == 422 and "only dead letters" in not_dead.json()["error"]["detail"]

    client.post("/api/v1/orders/deliver", headers=admin)
    client.post(f"/api/v1/orders/{orders[1]['id']}/ack", headers=admin)
    assert status_of(client, demo_on, orders[1]["subscription_id"]) == "active"
    assert status_of(client, demo_on, orders[0]["subscription_id"]) == "suspended"


def test_orders_are_paged_in_the_database_and_unknown_ones_are_404(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    whole = client.get("/api/v1/orders", params={"limit": 500}, headers=headers).json()
    assert whole["total"] == len(whole["items"]) >= 2
    second = client.get("/api/v1/orders", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert second["total"] == whole["total"] and second["items"] == whole["items"][1:2]
    bad_state = client.get("/api/v1/orders", params={"state": "lost"}, headers=headers)
    assert bad_state.status_code == 422 and bad_state.json()["error"]["detail"].startswith("state:")
    for path in ("/api/v1/orders/ord-nope", "/api/v1/orders/ord-nope/ack"):
        method = client.get if path.endswith("nope") else client.post
        answer = method(path, headers=demo_on.bearer(demo_on.admin.name))
        assert answer.status_code == 404 and "ord-nope" in answer.json()["error"]["detail"]


def test_decisions_are_paged_withdrawn_and_reviewed(client: TestClient, demo_on: Served) -> None:
    iris, abel = demo_on.bearer(demo_on.investigator.name), demo_on.bearer(demo_on.approver.name)
    proposal = client.post(
        "/api/v1/decisions",
        json={"action": "continue-with-conditions", "rationale": "Test.", "conditions": "Quarterly audit.",
              "org_id": "org-de-ardent", "review_date": (date.today() + timedelta(days=10)).isoformat()},
        headers=iris,
    ).json()  # fmt: skip
    by_other = client.post(f"/api/v1/decisions/{proposal['id']}/withdraw", headers=abel)
    assert by_other.status_code == 403 and "only its proposer" in by_other.json()["error"]["detail"]
    withdrawn = client.post(f"/api/v1/decisions/{proposal['id']}/withdraw", json={"note": "Test."}, headers=iris)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"

    decision_id = demo_on.story.decision_id
    too_soon = client.post(f"/api/v1/decisions/{decision_id}/review",
                           json={"next_review": date.today().isoformat(), "note": "n"}, headers=abel)  # fmt: skip
    assert too_soon.status_code == 422 and too_soon.json()["error"]["detail"].startswith("next_review:")
    later = (date.today() + timedelta(days=90)).isoformat()
    reviewed = client.post(f"/api/v1/decisions/{decision_id}/review",
                           json={"next_review": later, "note": "Still stands."}, headers=abel)  # fmt: skip
    assert reviewed.status_code == 200 and reviewed.json()["review_date"] == later

    whole = client.get("/api/v1/decisions", params={"limit": 500}, headers=iris).json()
    assert whole["total"] == len(whole["items"]) >= 2
    first = client.get("/api/v1/decisions", params={"limit": 1}, headers=iris).json()
    assert first["total"] == whole["total"] and first["items"] == whole["items"][:1]
    withdrawn_only = client.get("/api/v1/decisions", params={"status": "withdrawn"}, headers=iris).json()
    assert [d["id"] for d in withdrawn_only["items"]] == [proposal["id"]] and withdrawn_only["total"] == 1

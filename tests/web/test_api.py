"""The REST API against a real demo database: auth, the same rules as the CLI, pagination, filters, errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.web.conftest import Served, app_for
from vigie.access.service import add_user, issue_token
from vigie.store.engine import session_scope
from vigie.web.settings import MAX_LIMIT


@pytest.fixture(scope="module")
def client(served: Served) -> TestClient:
    return TestClient(served.app)


def test_token_names_the_user_and_missing_or_bad_tokens_get_401_with_a_json_error(
    client: TestClient, served: Served
) -> None:
    me = client.get("/api/v1/me", headers=served.bearer(served.investigator.name))
    assert me.status_code == 200
    assert me.json()["name"] == served.investigator.name
    assert "investigator" in me.json()["roles"]

    missing = client.get("/api/v1/cases")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"]["status"] == 401
    assert "Bearer" in missing.json()["error"]["detail"]

    token = served.investigator.token
    forged = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    assert forged.status_code == 401
    assert forged.json()["error"]["detail"] == "authentication refused: unknown token"


def test_organisations_are_found_by_an_alias_in_another_language(client: TestClient, served: Served) -> None:
    found = client.get("/api/v1/organisations", params={"q": "Unité 8200"}, headers=served.bearer(served.admin.name))
    assert found.status_code == 200
    ids = [o["id"] for o in found.json()["items"]]
    assert ids == ["org-il-unit-8200"]
    org = client.get("/api/v1/organisations/org-il-unit-8200", headers=served.bearer(served.admin.name)).json()
    assert org["parent"]["id"] == "org-il-aman"
    assert "Unité 8200" in [a["name"] for a in org["aliases"]]
    assert {s["subscription"]["id"] for s in org["subscriptions"]} >= {"sub-8200-storage", "sub-8200-ai"}


def test_lists_page_with_limit_and_offset_and_refuse_a_page_above_the_maximum(
    client: TestClient, served: Served
) -> None:
    headers = served.bearer(served.investigator.name)
    whole = client.get("/api/v1/risk/assessments", params={"limit": MAX_LIMIT}, headers=headers).json()
    first = client.get("/api/v1/risk/assessments", params={"limit": 3}, headers=headers).json()
    second = client.get("/api/v1/risk/assessments", params={"limit": 3, "offset": 3}, headers=headers).json()
    assert whole["total"] == first["total"] == second["total"] == len(whole["items"]) >= 6
    assert [r["subscription"] for r in first["items"] + second["items"]] == [
        r["subscription"] for r in whole["items"][:6]
    ]
    priorities = [r["priority"] for r in whole["items"]]
    assert priorities == sorted(priorities, reverse=True)

    too_big = client.get("/api/v1/risk/assessments", params={"limit": MAX_LIMIT + 1}, headers=headers)
    assert too_big.status_code == 422
    assert too_big.json()["error"]["detail"][0]["field"] == "query.limit"


def test_risk_filters_and_the_explanation_cites_documents(client: TestClient, served: Served) -> None:
    headers = served.bearer(served.investigator.name)
    critical = client.get("/api/v1/risk/assessments", params={"band": "critical"}, headers=headers).json()
    assert critical["items"]
    assert {r["band"] for r in critical["items"]} == {"critical"}
    assert critical["total"] == len(critical["items"])

    top = critical["items"][0]["subscription"]
    explained = client.get(f"/api/v1/risk/assessments/{top}", headers=headers).json()
    citations = [c for h in explained["explanation"]["harms"] for f in h["factors"] for c in f["citations"]]
    assert citations
    assert all(c["document_id"].startswith("doc-") and c["end"] > c["start"] for c in citations)


def test_cases_follow_membership_and_a_refusal_is_audited(client: TestClient, served: Served) -> None:
    case_id = served.story.case_id
    as_admin = client.get("/api/v1/cases", headers=served.bearer(served.admin.name)).json()["items"]
    listed = next(c for c in as_admin if c["id"] == case_id)
    assert listed["readable"] is False
    assert listed["title"] is None

    refused = client.get(f"/api/v1/cases/{case_id}", headers=served.bearer(served.admin.name))
    assert refused.status_code == 403
    assert "admin.fictional" in refused.json()["error"]["detail"]

    member = client.get(f"/api/v1/cases/{case_id}", headers=served.bearer(served.investigator.name))
    assert member.status_code == 200
    assert {m["name"] for m in member.json()["members"]} >= {served.investigator.name, served.approver.name}
    assert member.json()["decision_ids"] == [served.story.decision_id]

    audit = client.get(
        "/api/v1/audit", params={"action": "refuse", "actor": served.admin.name}, headers=served.bearer(served.admin.name)
    ).json()
    assert audit["items"][0]["entity_type"] == "access"
    assert f"GET /api/v1/cases/{case_id}" in audit["items"][0]["after"]


def test_propose_then_approve_as_a_second_person_issues_the_orders(client: TestClient, served: Served) -> None:
    proposal = {
        "action": "suspend",
        "rationale": "Test: the translation service is named in the evidence.",
        "review_date": (date.today() + timedelta(days=30)).isoformat(),
        "subscription_ids": ["sub-imod-translate"],
    }
    created = client.post("/api/v1/decisions", json=proposal, headers=served.bearer(served.investigator.name))
    assert created.status_code == 201, created.text
    decision = created.json()
    assert decision["status"] == "proposed"

    awaiting = client.get(
        "/api/v1/decisions", params={"status": "proposed"}, headers=served.bearer(served.approver.name)
    ).json()
    assert [d["id"] for d in awaiting["items"]] == [decision["id"]]

    not_an_approver = client.post(
        f"/api/v1/decisions/{decision['id']}/approve", json={}, headers=served.bearer(served.investigator.name)
    )
    assert not_an_approver.status_code == 403
    assert "approver" in not_an_approver.json()["error"]["detail"]

    approved = client.post(
        f"/api/v1/decisions/{decision['id']}/approve",
        json={"note": "second person"},
        headers=served.bearer(served.approver.name),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["approved_by"] == served.approver.name
    orders = approved.json()["orders"]
    assert [o["subscription_id"] for o in orders] == ["sub-imod-translate"]

    listed = client.get(
        "/api/v1/orders", params={"decision": decision["id"]}, headers=served.bearer(served.admin.name)
    ).json()
    assert [o["id"] for o in listed["items"]] == [orders[0]["id"]]
    assert listed["items"][0]["state"] == "pending"
    status = client.get("/api/v1/orders/status", headers=served.bearer(served.admin.name)).json()
    assert status["open"] == 1

    again = client.post(
        f"/api/v1/decisions/{decision['id']}/approve", json={}, headers=served.bearer(served.approver.name)
    )
    assert again.status_code == 422
    assert "already approved" in again.json()["error"]["detail"]


def test_a_bad_proposal_gets_422_naming_each_field(client: TestClient, served: Served) -> None:
    bad = client.post(
        "/api/v1/decisions",
        json={"action": "terminate", "rationale": " ", "review_date": "2000-01-01", "org_id": "org-il-mod"},
        headers=served.bearer(served.investigator.name),
    )
    assert bad.status_code == 422
    detail = bad.json()["error"]["detail"]
    assert "rationale:" in detail and "review_date:" in detail and "exit_plan:" in detail


def test_unknown_ids_are_404_and_the_audit_chain_verifies(client: TestClient, served: Served) -> None:
    headers = served.bearer(served.admin.name)
    for path in ("/api/v1/decisions/dec-nope", "/api/v1/orders/ord-nope", "/api/v1/subscriptions/sub-nope"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
        assert "nope" in answer.json()["error"]["detail"]
    verified = client.get("/api/v1/audit/verify", headers=headers).json()
    assert verified["ok"] is True
    assert verified["entries"] > 100


def test_the_openapi_document_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/cases", "/api/v1/decisions/{decision_id}/approve", "/api/v1/risk/assessments"} <= set(paths)
    pages = [path for path in paths if not path.startswith("/api/v1/")]
    assert not pages, f"pages are not part of the API document: {pages}"


def test_the_api_runs_on_each_backend(engine: Engine) -> None:
    """On an empty database of each backend (PostgreSQL included): a bootstrap admin and empty pages."""
    with session_scope(engine) as session:
        add_user(session, None, "root.test", ["admin"])
    with session_scope(engine) as session:
        from vigie.access.service import actor_of, get_user

        token = issue_token(session, actor_of(get_user(session, "root.test")), "root.test").token
    app = app_for(engine.url.render_as_string(hide_password=False))
    try:
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/me", headers=headers).json()["name"] == "root.test"
            empty = client.get("/api/v1/risk/assessments", headers=headers).json()
            assert empty == {"items": [], "total": 0, "limit": 50, "offset": 0}
            assert client.get("/api/v1/audit", headers=headers).json()["total"] == 2
    finally:
        app.state.engines.dispose()

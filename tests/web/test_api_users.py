"""Users and tokens through the API (admin), on SQLite and PostgreSQL, and the audit log's verification."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def test_an_admin_adds_a_user_issues_and_revokes_tokens_and_disables_them(client: TestClient, demo_on: Served) -> None:
    admin = demo_on.bearer(demo_on.admin.name)
    listed = client.get("/api/v1/users", headers=admin).json()
    assert listed["total"] == 3 and [u["name"] for u in listed["items"]] == sorted(u["name"] for u in listed["items"])

    added = client.post("/api/v1/users", json={"name": "nora.fictional", "roles": ["auditor"]}, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["roles"] == ["auditor"] and added.json()["tokens"] == 0
    issued = client.post("/api/v1/users/nora.fictional/tokens", json={"label": "laptop", "valid_days": 30},
                         headers=admin)  # fmt: skip
    assert issued.status_code == 201 and issued.json()["token"].startswith("vgt_")
    nora = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get("/api/v1/me", headers=nora).json()["roles"] == ["auditor"]
    # An auditor reads any case, read-only.
    assert client.get(f"/api/v1/cases/{demo_on.story.case_id}", headers=nora).status_code == 200

    own = client.get("/api/v1/tokens", headers=nora).json()
    assert [t["id"] for t in own["items"]] == [issued.json()["id"]] and own["total"] == 1
    assert "token" not in own["items"][0]
    every = client.get("/api/v1/tokens", params={"limit": 1}, headers=admin).json()
    assert every["total"] >= 4 and len(every["items"]) == 1

    second = client.post("/api/v1/users/nora.fictional/tokens", headers=nora).json()  # a user issues their own
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=nora).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401
    again = client.delete(f"/api/v1/tokens/{second['id']}", headers=admin)
    assert again.status_code == 422 and "already revoked" in again.json()["error"]["detail"]

    roles = client.put("/api/v1/users/nora.fictional/roles", json={"roles": ["auditor", "analyst"]}, headers=admin)
    assert roles.status_code == 200 and roles.json()["roles"] == ["analyst", "auditor"]
    disabled = client.post("/api/v1/users/nora.fictional/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/v1/me", headers=nora).status_code == 401
    self_disable = client.post(f"/api/v1/users/{demo_on.admin.name}/disable", headers=admin)
    assert self_disable.status_code == 403 and "themselves" in self_disable.json()["error"]["detail"]


def test_managing_users_needs_the_admin_role_and_bad_input_is_named(client: TestClient, demo_on: Served) -> None:
    iris = demo_on.bearer(demo_on.investigator.name)
    for method, path, body in (
        ("GET", "/api/v1/users", None),
        ("GET", f"/api/v1/users/{demo_on.admin.name}", None),
        ("POST", "/api/v1/users", {"name": "eve.fictional", "roles": ["admin"]}),
        ("POST", f"/api/v1/users/{demo_on.approver.name}/disable", None),
        ("POST", f"/api/v1/users/{demo_on.approver.name}/tokens", {}),
        ("PUT", f"/api/v1/users/{demo_on.investigator.name}/roles", {"roles": ["admin"]}),
    ):
        answer = client.request(method, path, json=body, headers=iris)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "admin" in answer.json()["error"]["detail"]
    admin = demo_on.bearer(demo_on.admin.name)
    for body, words in (
        ({"name": "bad name", "roles": ["analyst"]}, "name:"),
        ({"name": "ok.fictional", "roles": ["wizard"]}, "role:"),
        ({"name": demo_on.investigator.name, "roles": ["analyst"]}, "already exists"),
    ):
        answer = client.post("/api/v1/users", json=body, headers=admin)
        assert answer.status_code == 422 and words in answer.json()["error"]["detail"], answer.text
    short = client.post("/api/v1/users", json={"name": "ok.fictional", "roles": ["analyst"], "password": "short"},
                        headers=admin)  # fmt: skip
    assert short.status_code == 422 and short.json()["error"]["detail"][0]["field"] == "body.password"
    assert client.get("/api/v1/users/ghost", headers=admin).status_code == 404
    assert client.delete("/api/v1/tokens/nope", headers=admin).status_code == 404


def test_the_audit_chain_verifies_after_the_api_wrote_to_it(client: TestClient, demo_on: Served) -> None:
    admin = demo_on.bearer(demo_on.admin.name)
    verified = client.get("/api/v1/audit/verify", headers=admin).json()
    assert verified["ok"] is True and verified["problems"] == []
    refusals = client.get("/api/v1/audit", params={"action": "refuse"}, headers=admin).json()
    assert refusals["total"] >= 6  # every refused request above left its trace
    assert client.get("/api/v1/audit/verify", headers=demo_on.bearer(demo_on.investigator.name)).status_code == 403

"""The register through the API, on SQLite and PostgreSQL: lists, import by upload (all errors at once, nothing
written on error), and exports that re-import as a no-op."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served

ORGS = "id,name,kind,country,parent_id\norg-test-depot,Dépôt d'essai (fictional),company,FR,\n"
SUBS = (
    "id,customer_id,service_id,start_date,status\n"
    "sub-test-depot,org-test-depot,svc-cumulo-object-storage,2025-01-01,active\n"
)
BAD_ORGS = (
    "id,name,kind,country,parent_id\n"
    "org-test-a,Good (fictional),company,FR,\n"
    "org-test-b,Bad country (fictional),company,XX,\n"
    "org-test-c,Bad parent (fictional),company,FR,org-nope\n"
)
BAD_SUBS = "id,customer_id,service_id,start_date,status\nsub-test-x,org-test-a,svc-cumulo-compute,yesterday,active\n"


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def upload(client: TestClient, served: Served, user: str, *files: tuple[str, str], **data: str) -> dict[str, object]:
    answer = client.post(
        "/api/v1/register/import",
        files=[("files", (name, body.encode(), "text/plain")) for name, body in files],
        data=data,
        headers=served.bearer(user),
    )
    result: dict[str, object] = {"status": answer.status_code, **answer.json()}
    return result


def test_registers_lists_are_paged_and_filtered(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.approver.name)
    services = client.get("/api/v1/services", params={"limit": 2}, headers=headers).json()
    assert services["total"] == 7 and len(services["items"]) == 2
    subs = client.get("/api/v1/subscriptions", params={"org": "org-il-unit-8200"}, headers=headers).json()
    assert {s["id"] for s in subs["items"]} == {"sub-8200-storage", "sub-8200-ai"} and subs["total"] == 2
    ai = client.get("/api/v1/subscriptions", params={"service": "svc-cumulo-ai-studio"}, headers=headers).json()
    assert ai["total"] == len(ai["items"]) >= 1
    assert {s["service_id"] for s in ai["items"]} == {"svc-cumulo-ai-studio"}
    paged = client.get("/api/v1/subscriptions", params={"limit": 3, "offset": 3}, headers=headers).json()
    assert paged["total"] == 9 and len(paged["items"]) == 3


def test_a_bad_import_lists_every_problem_with_file_row_and_field_and_writes_nothing(
    client: TestClient, demo_on: Served
) -> None:
    admin = demo_on.bearer(demo_on.admin.name)
    entries = client.get("/api/v1/audit", params={"limit": 1}, headers=admin).json()["total"]
    failed = upload(client, demo_on, demo_on.investigator.name, ("organisations.csv", BAD_ORGS),
                    ("subscriptions.csv", BAD_SUBS))  # fmt: skip
    assert failed["status"] == 422
    problems = failed["error"]["detail"]  # type: ignore[index]
    where = {(p["file"], p["row"], p["field"]) for p in problems}
    assert ("organisations.csv", 2, "country") in where
    assert ("organisations.csv", 3, "parent_id") in where
    assert ("subscriptions.csv", 1, "start_date") in where
    assert all(p["message"] for p in problems) and not any("/tmp" in p["file"] for p in problems)
    assert client.get("/api/v1/organisations/org-test-a", headers=admin).status_code == 404
    assert client.get("/api/v1/audit", params={"limit": 1}, headers=admin).json()["total"] == entries

    unnamed = upload(client, demo_on, demo_on.investigator.name, ("data.csv", ORGS))
    assert unnamed["status"] == 422
    assert "cannot tell which entity type" in unnamed["error"]["detail"][0]["message"]  # type: ignore[index]
    assert upload(client, demo_on, demo_on.investigator.name, ("data.csv", ORGS), kind="organisations")["status"] == 200
    assert upload(client, demo_on, demo_on.approver.name, ("organisations.csv", ORGS))["status"] == 403
    twice = upload(client, demo_on, demo_on.investigator.name, ("organisations.csv", ORGS), ("organisations.csv", ORGS))
    assert twice["status"] == 422 and "sent twice" in twice["error"]["detail"]  # type: ignore[index]


def test_an_import_writes_audits_and_reassesses_what_it_touched(client: TestClient, demo_on: Served) -> None:
    done = upload(client, demo_on, demo_on.investigator.name, ("organisations.csv", ORGS),
                  ("subscriptions.csv", SUBS))  # fmt: skip
    assert done["status"] == 200, done
    assert done["files"] == ["organisations.csv", "subscriptions.csv"]
    assert done["counts"]["subscriptions"]["added"] == 1  # type: ignore[index]
    assert done["reassessed"] is not None and done["reassessed"]["assessed"] == 1  # type: ignore[index]
    admin = demo_on.bearer(demo_on.admin.name)
    entry = client.get("/api/v1/audit", params={"entity_id": "sub-test-depot"}, headers=admin).json()["items"][-1]
    assert entry["actor"] == demo_on.investigator.name
    assert entry["context"] == "import organisations.csv subscriptions.csv"
    risk = client.get("/api/v1/risk/assessments/sub-test-depot", headers=admin)
    assert risk.status_code == 200

    again = upload(client, demo_on, demo_on.admin.name, ("organisations.csv", ORGS), ("subscriptions.csv", SUBS))
    assert again["status"] == 200 and again["nothing_changed"] is True


def test_exports_reimport_as_a_no_op(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    exported = client.get("/api/v1/register/export", headers=headers)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/json")
    document = exported.json()
    assert {o["id"] for o in document["organisations"]} >= {"org-il-unit-8200", "org-de-ardent"}
    back = upload(client, demo_on, demo_on.investigator.name, ("register.json", exported.text))
    assert back["status"] == 200 and back["nothing_changed"] is True, back

    csv = client.get("/api/v1/register/export", params={"format": "csv", "entity": "subscriptions"}, headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[0].startswith("id,")
    assert upload(client, demo_on, demo_on.investigator.name, ("subscriptions.csv", csv.text))["nothing_changed"] is True
    no_entity = client.get("/api/v1/register/export", params={"format": "csv"}, headers=headers)
    assert no_entity.status_code == 422 and no_entity.json()["error"]["detail"].startswith("entity:")

    ftm = client.get("/api/v1/register/export", params={"format": "ftm"}, headers=headers)
    entities = [json.loads(line) for line in ftm.text.splitlines()]
    assert {"Organization", "PublicBody"} & {e["schema"] for e in entities}
    bad_format = client.get("/api/v1/register/export", params={"format": "xml"}, headers=headers)
    assert bad_format.status_code == 422 and bad_format.json()["error"]["detail"][0]["field"] == "query.format"

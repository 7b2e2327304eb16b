"""Cases through the API, on SQLite and PostgreSQL: opening, members, evidence, interviews, findings, custody.

The need-to-know rule is the service layer's; these tests check that the API keeps to it and that
what the CLI seals (interviews, file names, the files themselves) stays sealed at rest.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from tests.web.conftest import Served

INTERVIEW = "FICTIONAL test interview: the account grew in August, said the witness called LANTERN-4471."
FILE = b"Fictional memo for a test, reference QUARTZ-9902: the storage contract was renewed."


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def everything_stored(served: Served) -> str:
    """Every row of every table as plain SQL returns it, and every file in the case store: what a thief gets."""
    engine = served.app.state.engines.writer
    with engine.connect() as conn:
        rows = "\n".join(
            repr(row) for name in inspect(conn).get_table_names() for row in conn.execute(text(f'SELECT * FROM "{name}"'))
        )
    files = b"".join(p.read_bytes() for p in Path(served.story.companions.files).rglob("*") if p.is_file())
    return rows + repr(files)


def opened(client: TestClient, served: Served, body: dict[str, object]) -> dict[str, object]:
    answer = client.post("/api/v1/cases", json=body, headers=served.bearer(served.investigator.name))
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def test_cases_open_from_an_allegation_an_assessment_or_by_hand(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    allegation = client.get("/api/v1/allegations", params={"org": "org-il-unit-8200"}, headers=headers).json()["items"][0]
    on_allegation = opened(client, demo_on, {"allegation": allegation["key"]})
    assert (on_allegation["origin"], on_allegation["origin_ref"]) == ("allegation", allegation["key"])
    assert on_allegation["org_id"] == "org-il-unit-8200" and on_allegation["opened_by"] == demo_on.investigator.name

    on_assessment = opened(client, demo_on, {"assessment": "sub-imod-translate", "title": "Translation (test)"})
    assert on_assessment["origin"] == "assessment" and on_assessment["subscription_ids"] == ["sub-imod-translate"]

    by_hand = opened(client, demo_on, {"title": "Ardent storage (test)", "org_id": "org-de-ardent",
                                       "subscription_ids": ["sub-ardent-storage"]})  # fmt: skip
    assert by_hand["origin"] == "manual" and by_hand["status"] == "open"

    for body, words in (
        ({"org_id": "org-de-ardent"}, "title"),
        ({"allegation": "nonsense"}, "ORGANISATION/SERVICE/HARM"),
        ({"allegation": "org-il-unit-8200/svc-x/privacy"}, "no allegation"),
        ({"assessment": "sub-nope"}, "sub-nope"),
        ({"title": "x", "subscription_ids": ["sub-nope"]}, "sub-nope"),
        ({"allegation": allegation["key"], "assessment": "sub-imod-translate"}, "not both"),
    ):
        answer = client.post("/api/v1/cases", json=body, headers=headers)
        assert answer.status_code in (404, 422), answer.text
        assert words in answer.json()["error"]["detail"]
    refused = client.post("/api/v1/cases", json={"title": "x"}, headers=demo_on.bearer(demo_on.approver.name))
    assert refused.status_code == 403


def test_members_are_added_and_removed_by_the_lead_only(client: TestClient, demo_on: Served) -> None:
    case = opened(client, demo_on, {"title": "Membership (test)"})
    lead = demo_on.bearer(demo_on.investigator.name)
    approver = demo_on.bearer(demo_on.approver.name)
    assert client.get(f"/api/v1/cases/{case['id']}", headers=approver).status_code == 403

    added = client.post(f"/api/v1/cases/{case['id']}/members", json={"user": demo_on.approver.name}, headers=lead)
    assert added.status_code == 201 and added.json()["role"] == "member"
    assert client.get(f"/api/v1/cases/{case['id']}", headers=approver).status_code == 200
    by_member = client.post(f"/api/v1/cases/{case['id']}/members", json={"user": demo_on.admin.name}, headers=approver)
    assert by_member.status_code == 403 and "only its leads and admins" in by_member.json()["error"]["detail"]
    twice = client.post(f"/api/v1/cases/{case['id']}/members", json={"user": demo_on.approver.name}, headers=lead)
    assert twice.status_code == 422 and "already" in twice.json()["error"]["detail"]
    nobody = client.post(f"/api/v1/cases/{case['id']}/members", json={"user": "ghost"}, headers=lead)
    assert nobody.status_code == 404

    removed = client.delete(f"/api/v1/cases/{case['id']}/members/{demo_on.approver.name}", headers=lead)
    assert removed.status_code == 204
    assert client.get(f"/api/v1/cases/{case['id']}", headers=approver).status_code == 403
    last_lead = client.delete(f"/api/v1/cases/{case['id']}/members/{demo_on.investigator.name}", headers=lead)
    assert last_lead.status_code == 422 and "last lead" in last_lead.json()["error"]["detail"]


def test_a_non_member_sees_that_a_case_exists_and_nothing_in_it(client: TestClient, demo_on: Served) -> None:
    case_id, item_id = demo_on.story.case_id, demo_on.story.interview_id
    admin = demo_on.bearer(demo_on.admin.name)
    listing = {c["id"]: c for c in client.get("/api/v1/cases", headers=admin).json()["items"]}
    assert listing[case_id]["readable"] is False and listing[case_id]["title"] is None
    refused = client.get(f"/api/v1/cases/{case_id}", headers=admin)
    assert refused.status_code == 403 and f"case {case_id} exists" in refused.json()["error"]["detail"]
    for path in (f"/items/{item_id}", f"/items/{item_id}/custody", f"/items/{item_id}/download", "/items/ev-nope"):
        answer = client.get(f"/api/v1/cases/{case_id}{path}", headers=admin)
        assert answer.status_code == 403, path
        assert "need to know" in answer.json()["error"]["detail"]
    wrote = client.post(
        f"/api/v1/cases/{case_id}/interviews",
        json={"interviewee": "x", "text": "y", "conducted_on": "2025-01-01"},
        headers=admin,
    )
    assert wrote.status_code == 403 and "not a member" in wrote.json()["error"]["detail"]


def test_interviews_are_for_members_and_sealed_at_rest(client: TestClient, demo_on: Served) -> None:
    case_id = demo_on.story.case_id
    member = demo_on.bearer(demo_on.investigator.name)
    recorded = client.post(
        f"/api/v1/cases/{case_id}/interviews",
        json={"interviewee": "Witness LANTERN (fictional)", "text": INTERVIEW, "conducted_on": "2025-09-30",
              "affiliation": "an invented supplier", "consent": "given-anonymous"},
        headers=member,
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    item = recorded.json()
    assert item["kind"] == "interview" and len(item["sha256"]) == 64

    stored = everything_stored(demo_on)
    assert "LANTERN" not in stored and "invented supplier" not in stored

    opened_item = client.get(f"/api/v1/cases/{case_id}/items/{item['id']}", headers=member).json()
    assert opened_item["interview"]["text"] == INTERVIEW
    assert opened_item["interview"]["conducted_by"] == demo_on.investigator.name
    # The approver is a member without the investigator role: reads the interview, cannot record one.
    approver = demo_on.bearer(demo_on.approver.name)
    assert client.get(f"/api/v1/cases/{case_id}/items/{item['id']}", headers=approver).status_code == 200
    refused = client.post(
        f"/api/v1/cases/{case_id}/interviews",
        json={"interviewee": "x", "text": "y", "conducted_on": "2025-01-01"},
        headers=approver,
    )
    assert refused.status_code == 403 and "investigator role" in refused.json()["error"]["detail"]

    future = client.post(
        f"/api/v1/cases/{case_id}/interviews",
        json={"interviewee": "x", "text": "y", "conducted_on": date.today().replace(year=date.today().year + 1).isoformat()},
        headers=member,
    )
    assert future.status_code == 422 and "future" in future.json()["error"]["detail"]


def test_evidence_items_keep_a_chain_of_custody(client: TestClient, demo_on: Served) -> None:
    case_id = demo_on.story.case_id
    member = demo_on.bearer(demo_on.investigator.name)
    doc_id = client.get("/api/v1/documents", params={"kind": "ngo"}, headers=member).json()["items"][0]["id"]
    as_doc = client.post(f"/api/v1/cases/{case_id}/documents", json={"document_id": doc_id, "note": "the letter"},
                         headers=member)  # fmt: skip
    assert as_doc.status_code == 201, as_doc.text
    assert as_doc.json()["document_id"] == doc_id and as_doc.json()["sealed"] is True

    upload = client.post(
        f"/api/v1/cases/{case_id}/files",
        files={"file": ("memo-QUARTZ.txt", FILE, "text/plain")},
        data={"note": "from the account team"},
        headers=member,
    )
    assert upload.status_code == 201, upload.text
    item = upload.json()
    digest = hashlib.sha256(FILE).hexdigest()
    assert item["sha256"] == digest and item["size"] == len(FILE)
    on_disk = Path(demo_on.story.companions.files) / digest[:2] / digest
    assert on_disk.exists() and b"QUARTZ" not in on_disk.read_bytes()
    assert "QUARTZ" not in everything_stored(demo_on)

    shown = client.get(f"/api/v1/cases/{case_id}", headers=member).json()
    labelled = next(i for i in shown["items"] if i["id"] == item["id"])
    assert labelled["label"] == {"file_name": "memo-QUARTZ.txt", "note": "from the account team"}

    meta = client.get(f"/api/v1/cases/{case_id}/items/{item['id']}", headers=member).json()
    assert meta["download"].endswith(f"/items/{item['id']}/download") and meta["text"] is None
    got = client.get(f"/api/v1/cases/{case_id}/items/{item['id']}/download", headers=member)
    assert got.status_code == 200 and got.content == FILE and got.headers["x-content-sha256"] == digest

    document = client.get(f"/api/v1/cases/{case_id}/items/{as_doc.json()['id']}", headers=member).json()
    assert "Cumulo Cloud" in document["text"]

    custody = client.get(f"/api/v1/cases/{case_id}/items/{item['id']}/custody", headers=member).json()
    assert [e["action"] for e in custody["events"]] == ["added", "exported"]
    assert all(e["sha256"] == digest for e in custody["events"])
    assert custody["events"][1]["note"] == f"to API download by {demo_on.investigator.name}"
    doc_custody = client.get(f"/api/v1/cases/{case_id}/items/{as_doc.json()['id']}/custody", headers=member).json()
    assert [e["action"] for e in doc_custody["events"]] == ["added", "viewed"]

    elsewhere = opened(client, demo_on, {"title": "Another case (test)"})
    wrong_case = client.get(f"/api/v1/cases/{elsewhere['id']}/items/{item['id']}", headers=member)
    assert wrong_case.status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/documents", json={"document_id": "doc-nope"},
                       headers=member).status_code == 404  # fmt: skip


def test_findings_supersede_and_closing_a_case_stops_additions(client: TestClient, demo_on: Served) -> None:
    case = opened(client, demo_on, {"title": "Findings (test)", "org_id": "org-de-ardent"})
    lead = demo_on.bearer(demo_on.investigator.name)
    first = client.post(
        f"/api/v1/cases/{case['id']}/findings",
        json={"allegation": "org-de-ardent/*/privacy", "conclusion": "inconclusive", "rationale": "Too early."},
        headers=lead,
    )
    assert first.status_code == 201, first.text
    second = client.post(
        f"/api/v1/cases/{case['id']}/findings",
        json={"allegation": "org-de-ardent/*/privacy", "conclusion": "not-substantiated", "rationale": "Checked."},
        headers=lead,
    ).json()
    assert second["supersedes"] == first.json()["id"]
    bad = client.post(
        f"/api/v1/cases/{case['id']}/findings",
        json={"allegation": "a", "conclusion": "probably", "rationale": "r", "evidence_item_ids": ["ev-nope"]},
        headers=lead,
    )
    assert bad.status_code == 422 and "conclusion" in bad.json()["error"]["detail"]

    closed = client.post(f"/api/v1/cases/{case['id']}/close", json={"note": "Nothing found."}, headers=lead)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = client.post(
        f"/api/v1/cases/{case['id']}/findings",
        json={"allegation": "a", "conclusion": "inconclusive", "rationale": "r"},
        headers=lead,
    )
    assert late.status_code == 422 and "closed" in late.json()["error"]["detail"]
    view = client.get(f"/api/v1/cases/{case['id']}", headers=lead).json()
    assert [f["current"] for f in view["findings"]] == [False, True]


def test_case_lists_are_paged_in_the_database(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    # Two cases of its own, so the test pages through more than one whatever ran before it.
    for title in ("Paging, first", "Paging, second"):
        opened(client, demo_on, {"title": title})
    whole = client.get("/api/v1/cases", params={"limit": 500}, headers=headers).json()
    assert whole["total"] == len(whole["items"]) >= 2
    pages = [
        client.get("/api/v1/cases", params={"limit": 1, "offset": n}, headers=headers).json()
        for n in range(whole["total"])
    ]
    assert [p["items"][0]["id"] for p in pages] == [c["id"] for c in whole["items"]]
    assert {p["total"] for p in pages} == {whole["total"]}
    closed = client.get("/api/v1/cases", params={"status": "closed"}, headers=headers).json()
    assert all(c["status"] == "closed" for c in closed["items"]) and closed["total"] == len(closed["items"])

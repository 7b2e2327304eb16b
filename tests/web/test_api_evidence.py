"""The evidence stage through the API, on SQLite and PostgreSQL: documents, allegations, uploads, corrections."""

from __future__ import annotations

from io import BytesIO

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served

REPORT = (
    b"---\ntitle: Transit surveillance report (fictional)\npublisher: Test Watch (fictional)\nkind: ngo\n"
    b"date: 2025-10-02\nlanguage: en\n---\n"
    b"Test Watch (fictional) alleges that the Harbour City Transit Authority used Cumulo Cloud compute for the "
    b"mass surveillance of migrants.\n"
)


@pytest.fixture(scope="module")
def client(demo_on: Served) -> TestClient:
    return TestClient(demo_on.app)


def a_pdf(text: str) -> bytes:
    """A one-page PDF whose text is `text`, written by hand (PDF 1.4, Helvetica)."""
    stream = f"BT /F1 12 Tf 40 750 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_documents_are_listed_newest_first_and_filtered(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    everything = client.get("/api/v1/documents", headers=headers).json()
    assert everything["total"] == len(everything["items"]) == 3
    dates = [d["published"] for d in everything["items"]]
    assert dates == sorted(dates, reverse=True)

    def ids(**params: str) -> list[str]:
        answer = client.get("/api/v1/documents", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [d["publisher"] for d in answer.json()["items"]]

    assert ids(publisher="OBSERVATOIRE") == ["Observatoire des droits numériques (fictif)"]
    assert ids(kind="media") == ["The Demo Ledger (fictional)"]
    assert ids(language="fr") == ["Observatoire des droits numériques (fictif)"]
    assert ids(published_from="2025-09", published_until="2025-09") == [
        "Observatoire des droits numériques (fictif)",
        "Cumulo Cloud newsroom (fictional)",
    ]
    assert ids(published_until="2025-08") == ["The Demo Ledger (fictional)"]
    assert ids(publisher="100%") == []  # a LIKE wildcard is an ordinary character here

    page = client.get("/api/v1/documents", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert page["total"] == 3 and [d["id"] for d in page["items"]] == [everything["items"][1]["id"]]

    bad = client.get("/api/v1/documents", params={"published_from": "September"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["detail"][0]["field"] == "query.published_from"


def test_a_document_comes_with_its_mentions_and_claims_quoted_by_offsets(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.approver.name)  # any role reads
    listed = client.get("/api/v1/documents", params={"kind": "media"}, headers=headers).json()["items"][0]
    doc = client.get(f"/api/v1/documents/{listed['id']}", headers=headers).json()
    assert doc["mentions"] and doc["claims"]
    for claim in doc["claims"]:
        assert doc["text"][claim["start"] : claim["end"]] == claim["quote"]
    for mention in doc["mentions"]:
        assert doc["text"][mention["start"] : mention["end"]] == mention["text"]
    missing = client.get("/api/v1/documents/doc-nope", headers=headers)
    assert missing.status_code == 404 and "doc-nope" in missing.json()["error"]["detail"]


def test_allegations_per_relationship_open_a_case_by_their_key(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    found = client.get("/api/v1/allegations", params={"org": "org-il-unit-8200"}, headers=headers).json()
    assert found["total"] == len(found["items"]) > 0
    assert {a["organisation"] for a in found["items"]} == {"org-il-unit-8200"}
    one = found["items"][0]
    narrowed = client.get(
        "/api/v1/allegations",
        params={"org": "org-il-unit-8200", "service": one["service"], "harm": one["harm"]},
        headers=headers,
    ).json()
    assert [a["key"] for a in narrowed["items"]] == [one["key"]]
    assert all(c.startswith("doc-") for c in one["claims"])


def test_uploads_are_ingested_as_their_names_say_and_touch_the_assessments(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    html = b"<html><head><title>Page (fictional)</title></head><body><p>" + b"Plain words. " * 40 + b"</p></body></html>"
    answer = client.post(
        "/api/v1/documents",
        files=[
            ("files", ("transit.md", REPORT, "text/markdown")),
            ("files", ("page.html", html, "text/html")),
            ("files", ("scan.pdf", a_pdf("A fictional PDF about the Harbour City Transit Authority."), "application/pdf")),
            ("files", ("empty.txt", b"   ", "text/plain")),
        ],
        data={"kind": "ngo"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert sorted(d["origin"] for d in body["added"]) == ["upload:page.html", "upload:scan.pdf", "upload:transit.md"]
    assert {d["media_type"] for d in body["added"]} == {"text/markdown", "text/html", "application/pdf"}
    assert body["failed"] == [{"origin": "upload:empty.txt", "reason": "no readable text"}]
    assert body["reassessed"] is not None and body["reassessed"]["assessed"] >= 1

    again = client.post(
        "/api/v1/documents", files=[("files", ("copy.md", REPORT, "text/markdown"))], headers=headers
    ).json()
    assert again["added"] == [] and again["duplicates"][0]["origin"] == "upload:copy.md"

    listed = client.get("/api/v1/allegations", params={"org": "org-ie-harbour-transit"}, headers=headers).json()
    assert any("Test Watch" in " ".join(a["sources"]).title() for a in listed["items"])


def test_a_url_list_upload_is_read_as_text_never_fetched(client: TestClient, demo_on: Served) -> None:
    answer = client.post(
        "/api/v1/documents",
        files=[("files", ("urls.txt", b"http://127.0.0.1:9/secret\nhttp://127.0.0.1:9/other\n", "text/plain"))],
        headers=demo_on.bearer(demo_on.investigator.name),
    ).json()
    assert [d["origin"] for d in answer["added"]] == ["upload:urls.txt"]


def test_only_reviewers_ingest_or_correct_and_bad_kinds_are_named(client: TestClient, demo_on: Served) -> None:
    for name in (demo_on.admin.name, demo_on.approver.name):
        refused = client.post(
            "/api/v1/documents", files=[("files", ("x.md", REPORT, "text/markdown"))], headers=demo_on.bearer(name)
        )
        assert refused.status_code == 403
        assert "needs the role analyst or investigator" in refused.json()["error"]["detail"]
    bad = client.post(
        "/api/v1/documents",
        files=[("files", ("x.md", REPORT, "text/markdown"))],
        data={"kind": "rumour"},
        headers=demo_on.bearer(demo_on.investigator.name),
    )
    assert bad.status_code == 422 and bad.json()["error"]["detail"].startswith("kind:")


def test_a_reviewer_links_a_mention_rejects_and_adds_claims(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    unlinked = client.get("/api/v1/mentions", params={"unlinked": "true"}, headers=headers).json()
    assert unlinked["total"] == len(unlinked["items"]) > 0
    mention = unlinked["items"][0]
    linked = client.post(
        f"/api/v1/documents/{mention['document_id']}/links",
        json={"start": mention["start"], "end": mention["end"], "org_id": "org-de-ardent", "note": "test link"},
        headers=headers,
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["correction"]["action"] == "link-mention"
    after = client.get("/api/v1/mentions", params={"unlinked": "true"}, headers=headers).json()
    assert after["total"] == unlinked["total"] - 1
    doc = client.get(f"/api/v1/documents/{mention['document_id']}", headers=headers).json()
    relinked = next(m for m in doc["mentions"] if m["start"] == mention["start"] and m["end"] == mention["end"])
    assert (relinked["entity_id"], relinked["via"]) == ("org-de-ardent", "reviewer")

    claim = next(c for c in doc["claims"] if not c["rejected"])
    rejected = client.post(f"/api/v1/claims/{claim['id']}/reject", json={"note": "misread"}, headers=headers)
    assert rejected.status_code == 201, rejected.text
    doc = client.get(f"/api/v1/documents/{mention['document_id']}", headers=headers).json()
    assert next(c for c in doc["claims"] if c["id"] == claim["id"])["rejected"] is True

    added = client.post(
        f"/api/v1/documents/{doc['id']}/claims",
        json={"start": 0, "end": 20, "stance": "alleges", "harms": ["privacy"], "org_ids": ["org-de-ardent"],
              "date": "2025-10"},
        headers=headers,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["organisations"] == ["org-de-ardent"]
    doc = client.get(f"/api/v1/documents/{doc['id']}", headers=headers).json()
    assert any(c["origin"] == "reviewer" and c["quote"] == doc["text"][:20] for c in doc["claims"])


def test_corrections_that_cannot_apply_say_why(client: TestClient, demo_on: Served) -> None:
    headers = demo_on.bearer(demo_on.investigator.name)
    doc_id = client.get("/api/v1/documents", headers=headers).json()["items"][0]["id"]
    cases = [
        (f"/api/v1/documents/{doc_id}/claims", {"start": 5, "end": 10**6, "stance": "alleges"}, 422, "outside"),
        (f"/api/v1/documents/{doc_id}/claims", {"start": 0, "end": 5, "stance": "gossips"}, 422, "stance"),
        (f"/api/v1/documents/{doc_id}/claims", {"start": 0, "end": 5, "stance": "alleges", "harms": ["x"]}, 422, "harm"),
        (f"/api/v1/documents/{doc_id}/links", {"start": 0, "end": 1, "org_id": "org-il-mod"}, 422, "no mention"),
        (f"/api/v1/documents/{doc_id}/links", {"start": 0, "end": 1, "org_id": "org-nope"}, 422, "org-nope"),
        ("/api/v1/documents/doc-nope/links", {"start": 0, "end": 1, "org_id": "org-il-mod"}, 404, "doc-nope"),
        ("/api/v1/claims/doc-nope:1-2:alleges/reject", {}, 404, "doc-nope"),
        (f"/api/v1/documents/{doc_id}/claims", {"start": 0, "end": 5, "stance": "alleges", "x": 1}, 422, "body.x"),
        (f"/api/v1/documents/{doc_id}/claims", {"start": 0, "end": 5, "stance": "alleges", "date": "soon"}, 422, "date"),
    ]
    before = client.get("/api/v1/audit", params={"entity_type": "correction"}, headers=demo_on.bearer(demo_on.admin.name))
    for path, body, status, words in cases:
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == status, (path, body, answer.text)
        assert words in str(answer.json()["error"]["detail"]), (words, answer.text)
    after = client.get("/api/v1/audit", params={"entity_type": "correction"}, headers=demo_on.bearer(demo_on.admin.name))
    assert after.json()["total"] == before.json()["total"]  # nothing half written

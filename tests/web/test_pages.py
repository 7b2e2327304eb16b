"""The pages without JavaScript, on SQLite and PostgreSQL: sign-in with CSRF, the dashboard, a relationship,
a document and its corrections, cases, decisions and their orders, requests, and the audit log.

Each module gets the demo built afresh on each backend (`demo_on`), served with the demo's secret key,
case file store and outbox. The tests change it as users would, so each works on data the others leave alone.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.web.conftest import Served
from vigie.audit.tables import AuditEntry
from vigie.cases.tables import Interview, UseRequest
from vigie.demo.investigation import INTERVIEWEE, DemoUser
from vigie.evidence.tables import ClaimRecord, Document
from vigie.register.tables import Subscription
from vigie.store.engine import session_scope


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def signed_in(served: Served, user: DemoUser, base_url: str = "http://testserver") -> TestClient:
    client = TestClient(served.app, base_url=base_url)
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"name": user.name, "password": user.password, "csrf": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return client


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, str] | list[tuple[str, str]],
              **kwargs: object) -> object:  # fmt: skip
    """Submit a form the way a browser does: with the CSRF token of the page it is on."""
    fields: dict[str, list[str]] = {"csrf": [csrf_of(client.get(page_url).text)]}
    for key, value in data.items() if isinstance(data, dict) else data:
        fields.setdefault(key, []).append(value)
    return client.post(action, data=fields, **kwargs)  # type: ignore[arg-type]


def article_text(page: str) -> str:
    """The text a reader sees in a document's <article>, tags removed."""
    found = re.search(r'<article class="doc-text"[^>]*>(.*?)</article>', page, re.S)
    assert found is not None
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


class _ElementText(HTMLParser):
    """The text inside the element with a given id, whatever elements it holds."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.depth, self.parts = wanted, 0, []  # type: tuple[str, int, list[str]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth or dict(attrs).get("id") == self.wanted:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of_element(page: str, element_id: str) -> str:
    parser = _ElementText(element_id)
    parser.feed(page)
    return "".join(parser.parts)


def entries(served: Served, entity_type: str, action: str) -> list[AuditEntry]:
    with session_scope(served.app.state.engines.writer) as session:
        found = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity_type, AuditEntry.action == action)
        )
        return [session.merge(e) for e in found]


# ------------------------------------------------------------------------------------------ signing in


def test_pages_send_a_visitor_to_sign_in_and_back(demo_on: Served) -> None:
    client = TestClient(demo_on.app)
    answer = client.get("/relationships/sub-8200-ai", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Frelationships%2Fsub-8200-ai"


def test_sign_in_needs_the_csrf_token_and_the_right_password(demo_on: Served) -> None:
    client = TestClient(demo_on.app)
    user = demo_on.investigator
    no_token = client.post("/login", data={"name": user.name, "password": user.password})
    assert no_token.status_code == 403
    assert "security token" in no_token.text
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"name": user.name, "password": "not the password", "csrf": token})
    assert wrong.status_code == 401
    assert "Wrong name or password" in wrong.text


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_session_cookie_is_httponly_lax_and_secure_over_https(demo_on: Served, scheme: str) -> None:
    client = TestClient(demo_on.app, base_url=f"{scheme}://testserver")
    token = csrf_of(client.get("/login").text)
    user = demo_on.investigator
    answer = client.post(
        "/login", data={"name": user.name, "password": user.password, "csrf": token}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert ("secure" in cookie.split("; ")) is (scheme == "https")


def test_a_form_with_another_sessions_token_is_refused(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    abel = signed_in(demo_on, demo_on.approver)
    stolen = csrf_of(iris.get("/").text)
    answer = abel.post("/logout", data={"csrf": stolen}, follow_redirects=False)
    assert answer.status_code == 403
    ok = abel.post("/logout", data={"csrf": csrf_of(abel.get("/").text)}, follow_redirects=False)
    assert ok.status_code == 303
    assert abel.get("/", follow_redirects=False).status_code == 303


def test_the_navigation_marks_the_current_page_and_shows_the_audit_log_only_to_its_readers(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator).get("/cases").text
    assert '<a href="/cases" aria-current="page">Cases</a>' in iris
    assert '<nav aria-label="Main">' in iris and '<main id="main"' in iris
    assert 'href="/audit"' not in iris
    admin = signed_in(demo_on, demo_on.admin).get("/").text
    assert '<a href="/" aria-current="page">Dashboard</a>' in admin
    assert '<a href="/audit">Audit log</a>' in admin


def test_every_form_field_has_a_label(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    with session_scope(demo_on.app.state.engines.writer) as session:
        doc_id = session.scalars(select(Document.id)).first()
    field = re.compile(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|checkbox|submit)")[^>]*\bid="([^"]+)"')
    for url in (f"/cases/{demo_on.story.case_id}", "/requests/new", "/decisions/new", "/cases", "/orders",
                f"/documents/{doc_id}", "/register"):  # fmt: skip
        page = iris.get(url).text
        labelled = set(re.findall(r'<label for="([^"]+)"', page))
        fields = field.findall(page)
        assert fields, url
        assert [f for f in fields if f not in labelled] == [], url


# ------------------------------------------------------------------------------------------ reading


def test_dashboard_shows_the_heat_map_the_top_relationship_and_links_to_all_of_it(demo_on: Served) -> None:
    client = signed_in(demo_on, demo_on.investigator)
    page = client.get("/").text
    assert "Relationships by severity and likelihood" in page
    top = re.search(r'id="top-priorities">\s*<li><a href="(/relationships/[^"]+)"', page)
    assert top is not None
    assert top.group(1) == f"/relationships/{demo_on.story.top_subscription}"
    assert f'href="/cases/{demo_on.story.case_id}"' in page
    assert "Orders not acknowledged" in page and "Reviews overdue" in page and "Requests waiting" in page


def test_relationship_explains_factors_and_quotes_link_to_the_document(demo_on: Served) -> None:
    client = signed_in(demo_on, demo_on.investigator)
    page = client.get(f"/relationships/{demo_on.story.top_subscription}").text
    assert "<h3>Factors</h3>" in page
    link = re.search(r'href="(/documents/doc-[^"?]+)\?start=(\d+)&amp;end=(\d+)#quote">“([^”]+)”', page)
    assert link is not None
    document = client.get(f"{link.group(1)}?start={link.group(2)}&end={link.group(3)}")
    assert document.status_code == 200
    assert text_of_element(document.text, "quote") == html.unescape(link.group(4))
    # The relationship's page also offers the next steps: a case on it, or on one of its allegations.
    assert 'action="/cases/from-assessment"' in page and 'action="/cases/from-allegation"' in page


def test_register_search_finds_an_alias(demo_on: Served) -> None:
    client = signed_in(demo_on, demo_on.investigator)
    page = client.get("/register", params={"q": "Unité 8200"}).text
    assert 'href="/register/organisations/org-il-unit-8200"' in page


def test_a_document_shows_its_exact_text_with_claims_and_mentions_highlighted(demo_on: Served) -> None:
    client = signed_in(demo_on, demo_on.investigator)
    with session_scope(demo_on.app.state.engines.writer) as session:
        doc = session.scalars(select(Document).where(Document.title.like("Intelligence unit%"))).one()
        doc_id, text = doc.id, doc.text
    page = client.get(f"/documents/{doc_id}").text
    assert article_text(page) == text  # a reviewer's selection gives true offsets
    assert re.search(r'<span id="claim-1" class="claim" data-claims="1" title="claim 1: alleges">', page)
    assert re.search(r'<mark class="mention m-org" title="organisation: org-il-unit-8200 \(found by register\)">'
                     r"Unit 8200</mark>", page)  # fmt: skip
    assert '<mark class="mention m-unlinked"' in page
    assert "Reject claim 1" in page and "Add the claim" in page


# ------------------------------------------------------------------------------------------ corrections


def test_a_reviewer_rejects_a_claim_and_an_approver_may_not(demo_on: Served) -> None:
    with session_scope(demo_on.app.state.engines.writer) as session:
        claim = session.scalars(
            select(ClaimRecord).where(ClaimRecord.stance == "alleges", ClaimRecord.rejected.is_(False))
            .order_by(ClaimRecord.document_id.desc(), ClaimRecord.start.desc())
        ).first()  # fmt: skip
        assert claim is not None
        claim_id, doc_id = claim.id, claim.document_id
    url = f"/documents/{doc_id}"
    abel = signed_in(demo_on, demo_on.approver)
    assert "Reject claim" not in abel.get(url).text
    refused = post_form(abel, url, f"{url}/claims/reject", {"claim": claim_id, "note": "test"})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "needs the role analyst or investigator" in refused.text  # type: ignore[attr-defined]

    iris = signed_in(demo_on, demo_on.investigator)
    done = post_form(iris, url, f"{url}/claims/reject", {"claim": claim_id, "note": "Test: not what it says."})
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert 'id="notice">Claim rejected' in done.text  # type: ignore[attr-defined]
    assert "rejected by a reviewer" in done.text  # type: ignore[attr-defined]
    with session_scope(demo_on.app.state.engines.writer) as session:
        record = session.get(ClaimRecord, claim_id)
        assert record is not None and record.rejected
    rejected = [e for e in entries(demo_on, "correction", "reject-claim") if e.actor == demo_on.investigator.name]
    assert len(rejected) == 1 and json.loads(rejected[0].after or "{}")["note"] == "Test: not what it says."
    again = post_form(iris, url, f"{url}/claims/reject", {"claim": claim_id})
    assert again.status_code == 422 and "already rejected" in again.text  # type: ignore[attr-defined]


def test_a_reviewer_links_a_mention_and_adds_a_claim(demo_on: Served) -> None:
    with session_scope(demo_on.app.state.engines.writer) as session:
        doc = session.scalars(select(Document).where(Document.title.like("Intelligence unit%"))).one()
        doc_id, text = doc.id, doc.text
    url = f"/documents/{doc_id}"
    iris = signed_in(demo_on, demo_on.investigator)
    start = text.index("Local Call")
    linked = post_form(iris, url, f"{url}/mentions/link", {
        "start": str(start), "end": str(start + len("Local Call")), "org_typed": "org-de-ardent",
        "note": "Test only: a link made to exercise the form.",
    })  # fmt: skip
    assert linked.status_code == 200 and "Mention linked." in linked.text  # type: ignore[attr-defined]
    assert re.search(r'<mark class="mention m-org" title="organisation: org-de-ardent \(found by reviewer\)">'
                     r"Local Call</mark>", linked.text)  # type: ignore[attr-defined]  # fmt: skip

    sentence = "The sources said the same data was used in the West Bank"
    start = text.index(sentence)
    added = post_form(iris, url, f"{url}/claims", [
        ("start", str(start)), ("end", str(start + len(sentence))), ("stance", "alleges"), ("harms", "privacy"),
        ("harms", "liberty"), ("orgs", "org-il-unit-8200"), ("places", "west-bank"), ("note", "Test: missed."),
    ])  # fmt: skip
    assert added.status_code == 200 and "Claim added." in added.text  # type: ignore[attr-defined]
    with session_scope(demo_on.app.state.engines.writer) as session:
        record = session.get(ClaimRecord, f"{doc_id}:{start}-{start + len(sentence)}:alleges:reviewer")
        assert record is not None and record.quote == sentence and sorted(record.harms) == ["liberty", "privacy"]

    outside = post_form(iris, url, f"{url}/claims", {"start": "5", "end": str(len(text) + 10), "stance": "alleges"})
    assert outside.status_code == 422  # type: ignore[attr-defined]
    assert "outside the document" in outside.text and 'value="5"' in outside.text  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------ cases


def test_a_member_reads_the_case_and_opens_its_interview(demo_on: Served) -> None:
    story = demo_on.story
    iris = signed_in(demo_on, demo_on.investigator)
    page = iris.get(f"/cases/{story.case_id}").text
    assert 'id="case-status">open' in page and "iris.fictional — lead" in page
    assert f'href="/cases/{story.case_id}/items/{story.interview_id}"' in page
    assert "partly-substantiated" in page
    assert INTERVIEWEE not in page  # the interviewee's name is not on the case's page
    record = iris.get(f"/cases/{story.case_id}/items/{story.interview_id}").text
    assert f'<dd id="interviewee">{INTERVIEWEE}</dd>' in record
    assert re.search(r"<td>iris\.fictional</td><td>viewed</td>", record)


def test_need_to_know_a_non_member_sees_that_the_case_exists_not_what_it_holds(demo_on: Served) -> None:
    story = demo_on.story
    admin = signed_in(demo_on, demo_on.admin)
    answer = admin.get(f"/cases/{story.case_id}")
    assert answer.status_code == 403
    assert f"Case {story.case_id}" in answer.text and "This case exists" in answer.text
    assert "Assessment of" not in answer.text and "Interview" not in answer.text
    assert admin.get(f"/cases/{story.case_id}/items/{story.interview_id}").status_code == 403
    listed = admin.get("/cases").text
    assert story.case_id in listed and "not a member: need to know" in listed
    refusals = [e for e in entries(demo_on, "access", "refuse") if e.actor == demo_on.admin.name]
    assert any(f"/cases/{story.case_id}" in (e.after or "") for e in refusals)


def test_an_analyst_opens_a_case_from_a_relationship_and_works_in_it(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    relationship = "/relationships/sub-imod-translate"
    opened = post_form(iris, relationship, "/cases/from-assessment", {"subscription": "sub-imod-translate"})
    assert opened.status_code == 200  # type: ignore[attr-defined]
    case_url = str(opened.url.path)  # type: ignore[attr-defined]
    assert case_url.startswith("/cases/case-") and "opened; you are its lead" in opened.text  # type: ignore[attr-defined]

    with session_scope(demo_on.app.state.engines.writer) as session:
        doc_id = session.scalars(select(Document.id).where(Document.title.like("Update on our review%"))).one()
    added = post_form(iris, case_url, f"{case_url}/documents", {"document": doc_id, "note": "the company's word"})
    assert "Document added as evidence item" in added.text  # type: ignore[attr-defined]
    assert "the company&#39;s word" in added.text  # type: ignore[attr-defined]  # the sealed note, opened with the key

    token = csrf_of(iris.get(case_url).text)
    uploaded = iris.post(f"{case_url}/files", data={"csrf": token, "note": "contract excerpt (test)"},
                         files={"file": ("contrat test.txt", b"Clause 4: end-use review (test).\n", "text/plain")})  # fmt: skip
    assert "File added as evidence item" in uploaded.text, re.findall(r"alert[^<]*<[^<]*", uploaded.text)
    item = re.search(r'href="(/cases/case-[^/]+/items/ev-[^"]+)">ev-[^<]+</a></td><td>file</td>', uploaded.text)
    assert item is not None and "contrat test.txt" in uploaded.text
    item_page = iris.get(item.group(1)).text
    download = iris.post(f"{item.group(1)}/download", data={"csrf": csrf_of(item_page)})
    assert download.content == b"Clause 4: end-use review (test).\n"
    assert "attachment" in download.headers["content-disposition"]
    assert "exported" in iris.get(item.group(1)).text

    interviewed = post_form(iris, case_url, f"{case_url}/interviews", {
        "interviewee": "Interviewee B (fictional, test)", "affiliation": "test", "consent": "given",
        "conducted_on": "2025-09-30", "text": "Test record: nothing real is described.",
    })  # fmt: skip
    assert "Interview recorded" in interviewed.text  # type: ignore[attr-defined]
    with session_scope(demo_on.app.state.engines.writer) as session:
        sealed = [i.record_sealed for i in session.scalars(select(Interview))]
    assert sealed and all("Interviewee B" not in s and "Test record" not in s for s in sealed)

    found = post_form(iris, case_url, f"{case_url}/findings", {
        "allegation": "org-il-mod/svc-cumulo-translate/privacy", "conclusion": "inconclusive",
        "rationale": "Test finding: too little evidence yet.",
    })  # fmt: skip
    assert "Finding fnd-" in found.text and "inconclusive" in found.text  # type: ignore[attr-defined]
    closed = post_form(iris, case_url, f"{case_url}/close", {"note": "Test: done."})
    assert 'id="case-status">closed' in closed.text  # type: ignore[attr-defined]
    late = post_form(iris, case_url, f"{case_url}/findings", {
        "allegation": "x/y/z", "conclusion": "inconclusive", "rationale": "late",
    })  # fmt: skip
    assert late.status_code == 422 and "nothing can be added" in late.text  # type: ignore[attr-defined]


def test_an_approver_may_not_open_a_case(demo_on: Served) -> None:
    abel = signed_in(demo_on, demo_on.approver)
    refused = post_form(abel, "/cases", "/cases", {"title": "Test"})
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "may not open a case: it needs the role analyst or investigator" in refused.text  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------ decisions


def test_propose_on_a_page_and_approve_as_a_second_person(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    form = iris.get("/decisions/new", params={"subscription": "sub-imod-workplace"}).text
    proposed = iris.post(
        "/decisions",
        data={
            "csrf": csrf_of(form),
            "action": "suspend",
            "subscriptions": "sub-imod-workplace",
            "rationale": "Test: proposed from the page.",
            "review_date": "2099-01-01",
        },
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    decision_url = proposed.headers["location"]

    page = iris.get(decision_url).text
    refused = iris.post(f"{decision_url}/approve", data={"csrf": csrf_of(page), "note": ""})
    assert refused.status_code == 403
    assert "needs the role approver" in refused.text

    abel = signed_in(demo_on, demo_on.approver)
    page = abel.get(decision_url).text
    approved = abel.post(f"{decision_url}/approve", data={"csrf": csrf_of(page), "note": "ok"})
    assert approved.status_code == 200
    assert '<span id="decision-status">approved</span>' in approved.text
    assert "sub-imod-workplace" in approved.text and "pending" in approved.text


def test_a_termination_needs_its_exit_plan(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    fields = {"action": "terminate", "subscriptions": "sub-ardent-storage", "rationale": "Test.",
              "review_date": "2099-01-01"}  # fmt: skip
    missing = post_form(iris, "/decisions/new", "/decisions", fields)
    assert missing.status_code == 422 and "responsible-exit plan" in missing.text  # type: ignore[attr-defined]
    plan = {"exit_impact": "none (test)", "exit_notice": "90 days", "exit_kept": "records"}
    done = post_form(iris, "/decisions/new", "/decisions", {**fields, **plan})
    assert "Exit plan: notice" in done.text and "90 days" in done.text  # type: ignore[attr-defined]


def test_orders_are_followed_delivered_and_acknowledged_from_the_pages(demo_on: Served) -> None:
    story = demo_on.story
    admin = signed_in(demo_on, demo_on.admin)
    done = admin.get(f"/decisions/{story.decision_id}").text
    assert done.count('<span class="state">acknowledged</span>') == len(story.order_ids)
    assert "via outbox ack file" in done

    iris = signed_in(demo_on, demo_on.investigator)
    abel = signed_in(demo_on, demo_on.approver)
    proposed = post_form(iris, "/decisions/new", "/decisions", {
        "action": "suspend", "subscriptions": "sub-imod-translate", "rationale": "Test: follow its order.",
        "review_date": "2099-01-01",
    })  # fmt: skip
    decision_url = str(proposed.url.path)  # type: ignore[attr-defined]
    approved = post_form(abel, decision_url, f"{decision_url}/approve", {"note": "test"})
    assert "1 order(s) issued" in approved.text and '<span class="state">pending</span>' in approved.text  # type: ignore[attr-defined]
    assert 'id="deliver"' not in approved.text  # type: ignore[attr-defined]  # an approver does not operate

    refused = post_form(iris, decision_url, "/orders/deliver", {"back": decision_url})
    assert refused.status_code == 403 and "needs the role admin" in refused.text  # type: ignore[attr-defined]

    sent = post_form(admin, decision_url, "/orders/deliver", {"back": decision_url})
    assert "Delivered through outbox" in sent.text and '<span class="state">sent</span>' in sent.text  # type: ignore[attr-defined]
    order_id = re.search(r'href="/orders/(ord-[0-9a-f]+)"', sent.text)  # type: ignore[attr-defined]
    assert order_id is not None
    acked = post_form(admin, decision_url, f"/orders/{order_id.group(1)}/acknowledge",
                      {"note": "seen in the console (test)", "back": decision_url})  # fmt: skip
    assert "sub-imod-translate is now suspended" in acked.text  # type: ignore[attr-defined]
    assert '<span class="state">acknowledged</span>' in acked.text  # type: ignore[attr-defined]
    with session_scope(demo_on.app.state.engines.writer) as session:
        sub = session.get(Subscription, "sub-imod-translate")
        assert sub is not None and sub.status == "suspended"
    order_page = admin.get(f"/orders/{order_id.group(1)}").text
    assert "via: web page" in order_page and "seen in the console (test)" in order_page
    assert "<td>outbox</td>" in order_page


# ------------------------------------------------------------------------------------------ requests


def test_a_request_is_recorded_triaged_and_decided_by_a_second_person(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    recorded = post_form(iris, "/requests/new", "/requests", {
        "kind": "emergency", "urgency": "urgent", "org": "org-il-unit-8200", "service": "svc-cumulo-translate",
        "purpose": "Translate and transcribe intercepted calls for surveillance (test).",
        "requester": "Requester R (fictional, test)",
    })  # fmt: skip
    assert "recorded; triage it next" in recorded.text  # type: ignore[attr-defined]
    request_url = str(recorded.url.path)  # type: ignore[attr-defined]
    with session_scope(demo_on.app.state.engines.writer) as session:
        row = session.get(UseRequest, request_url.rsplit("/", 1)[1])
        assert row is not None and row.requester_sealed and "Requester R" not in row.requester_sealed

    triaged = post_form(iris, request_url, f"{request_url}/triage", {})
    page = triaged.text  # type: ignore[attr-defined]
    assert 'id="approval-needed">approver' in page
    assert '<ul id="clauses">' in page and '<strong>AUP-1</strong>: Mass surveillance' in page
    assert "the purpose says" in page

    itself = post_form(iris, request_url, f"{request_url}/decide", {"outcome": "refused", "rationale": "test"})
    assert itself.status_code == 403  # type: ignore[attr-defined]

    abel = signed_in(demo_on, demo_on.approver)
    shown = post_form(abel, request_url, f"{request_url}/requester", {})
    assert "<strong>Requester R (fictional, test)</strong>" in shown.text  # type: ignore[attr-defined]
    assert shown.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    decided = post_form(abel, request_url, f"{request_url}/decide", {
        "outcome": "approved-with-conditions", "rationale": "Test: translation of public documents only.",
        "conditions": "no intercepted material",
    })  # fmt: skip
    assert 'id="request-outcome"><strong>approved-with-conditions</strong>' in decided.text  # type: ignore[attr-defined]
    assert any(e.entity_id == row.id for e in entries(demo_on, "use_request", "view"))


# ------------------------------------------------------------------------------------------ audit


def test_the_audit_log_is_for_auditors_and_admins_filterable_and_verified(demo_on: Served) -> None:
    iris = signed_in(demo_on, demo_on.investigator)
    refused = iris.get("/audit")
    assert refused.status_code == 403 and "needs the role auditor or admin" in refused.text

    admin = signed_in(demo_on, demo_on.admin)
    page = admin.get("/audit").text
    assert "Chain intact:" in page
    filtered = admin.get("/audit", params={"entity_id": "sub-8200-ai"}).text
    rows = re.findall(r'<a href="/audit\?entity_id=([^"]+)">', filtered)
    assert rows and set(rows) == {"sub-8200-ai"}
    assert "<code>status</code>: <del>active</del> → suspended" in filtered

    engine = demo_on.app.state.engines.writer
    with session_scope(engine) as session:
        victim = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == "sub-8200-ai")).first()
        assert victim is not None
        seq, original = victim.seq, victim.actor
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="someone else"))
    try:
        broken = admin.get("/audit").text
        assert "The chain is broken" in broken and f"entry {seq}" in broken
    finally:
        with session_scope(engine) as session:
            session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor=original))
    assert "Chain intact:" in admin.get("/audit").text

"""The pages without JavaScript: sign-in with CSRF, the dashboard, a relationship, a document, a decision."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Served
from vigie.demo.investigation import DemoUser


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
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


def test_pages_send_a_visitor_to_sign_in_and_back(served: Served) -> None:
    client = TestClient(served.app)
    answer = client.get("/relationships/sub-8200-ai", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Frelationships%2Fsub-8200-ai"


def test_sign_in_needs_the_csrf_token_and_the_right_password(served: Served) -> None:
    client = TestClient(served.app)
    user = served.investigator
    no_token = client.post("/login", data={"name": user.name, "password": user.password})
    assert no_token.status_code == 403
    assert "security token" in no_token.text
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"name": user.name, "password": "not the password", "csrf": token})
    assert wrong.status_code == 401
    assert "Wrong name or password" in wrong.text


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_session_cookie_is_httponly_lax_and_secure_over_https(served: Served, scheme: str) -> None:
    client = TestClient(served.app, base_url=f"{scheme}://testserver")
    token = csrf_of(client.get("/login").text)
    user = served.investigator
    answer = client.post(
        "/login", data={"name": user.name, "password": user.password, "csrf": token}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert ("secure" in cookie.split("; ")) is (scheme == "https")


def test_dashboard_shows_the_heat_map_and_the_top_relationship(served: Served) -> None:
    client = signed_in(served, served.investigator)
    page = client.get("/").text
    assert "Relationships by severity and likelihood" in page
    top = re.search(r'id="top-priorities">\s*<li><a href="(/relationships/[^"]+)"', page)
    assert top is not None
    assert top.group(1) == f"/relationships/{served.story.top_subscription}"
    assert "Orders not acknowledged" in page and "Reviews overdue" in page


def test_relationship_explains_factors_and_quotes_link_to_the_document(served: Served) -> None:
    client = signed_in(served, served.investigator)
    page = client.get(f"/relationships/{served.story.top_subscription}").text
    assert "<h3>Factors</h3>" in page
    link = re.search(r'href="(/documents/doc-[^"?]+)\?start=(\d+)&amp;end=(\d+)#quote">“([^”]+)”', page)
    assert link is not None
    document = client.get(f"{link.group(1)}?start={link.group(2)}&end={link.group(3)}")
    assert document.status_code == 200
    marked = re.search(r'<mark id="quote" tabindex="-1">(.*?)</mark>', document.text, re.S)
    assert marked is not None
    assert marked.group(1) == link.group(4)


def test_register_search_finds_an_alias(served: Served) -> None:
    client = signed_in(served, served.investigator)
    page = client.get("/register", params={"q": "Unité 8200"}).text
    assert 'href="/register/organisations/org-il-unit-8200"' in page


def test_propose_on_a_page_and_approve_as_a_second_person(served: Served) -> None:
    iris = signed_in(served, served.investigator)
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

    abel = signed_in(served, served.approver)
    page = abel.get(decision_url).text
    approved = abel.post(f"{decision_url}/approve", data={"csrf": csrf_of(page), "note": "ok"})
    assert approved.status_code == 200
    assert '<span id="decision-status">approved</span>' in approved.text
    assert "sub-imod-workplace" in approved.text and "pending" in approved.text


def test_a_form_with_another_sessions_token_is_refused(served: Served) -> None:
    iris = signed_in(served, served.investigator)
    abel = signed_in(served, served.approver)
    stolen = csrf_of(iris.get("/").text)
    answer = abel.post("/logout", data={"csrf": stolen}, follow_redirects=False)
    assert answer.status_code == 403
    ok = abel.post("/logout", data={"csrf": csrf_of(abel.get("/").text)}, follow_redirects=False)
    assert ok.status_code == 303
    assert abel.get("/", follow_redirects=False).status_code == 303

"""The whole story in a real browser (Playwright driving Debian's chromium), on SQLite and on PostgreSQL.

An analyst finds the top-risk relationship from the dashboard, reads a quote in its document, opens
a case and proposes a suspension; an approver approves it; an admin delivers the order through the
signed webhook to a control plane (vigie's reference receiver, started by the test on 127.0.0.1),
whose signed answer acknowledges it, and the register shows the subscription suspended.

Screenshots of every page are written to test-output/browser/<backend>/ (ignored by git), for a
person to look at and for CI to keep.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.web.conftest import Unworked
from vigie.demo.investigation import ADMIN, APPROVER, INVESTIGATOR, DemoUser
from vigie.enforce.receiver import Receiver
from vigie.settings import EnforceSettings

CHROMIUM = "/usr/bin/chromium"
SECRET = "browser-story-shared-secret-0123456789"  # fixture value for the test's own receiver
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium is installed by scripts/setup")


@pytest.fixture(scope="module")
def control_plane() -> Iterator[Receiver]:
    """The provider's control plane, as the reference receiver: verifies the signature, applies once, signs its answer."""
    with Receiver(SECRET) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def base_url(unworked_demo: Unworked, control_plane: Receiver) -> Iterator[str]:
    """The app, configured with the signed-webhook connector pointing at the control plane, on uvicorn."""
    enforce = EnforceSettings(connector="webhook", webhook_url=control_plane.url, webhook_secret=SECRET, timeout=10)
    app = unworked_demo.app(enforce)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engines.dispose()


def test_from_the_top_risk_to_an_acknowledged_suspension(
    unworked_demo: Unworked, base_url: str, control_plane: Receiver, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    backend = request.node.callspec.params["unworked_demo"]
    shots = OUTPUT / backend
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    taken: list[str] = []

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=shots / f"{len(taken) + 1:02d}-{name}.png", full_page=True)
        taken.append(name)

    def sign_in(page: Page, user: DemoUser) -> None:
        page.goto(f"{base_url}/login")
        page.get_by_label("User name").fill(user.name)
        page.get_by_label("Password").fill(user.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    def sign_out(page: Page) -> None:
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    top = unworked_demo.top_subscription
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})

        # The analyst. iris.fictional holds the analyst role, which may open a case (vigie.cases.service.
        # open_case: analyst or investigator); proposing a decision needs the investigator or approver
        # role (vigie.cases.decisions.propose), which she holds too, as the demo's analyst-investigator.
        analyst = unworked_demo.user(INVESTIGATOR)
        assert "analyst" in analyst.roles
        page.goto(f"{base_url}/")
        expect(page).to_have_url(f"{base_url}/login?next=%2F")
        expect(page.get_by_label("User name")).to_be_focused()  # autofocus: type the name at once
        page.get_by_label("User name").fill(analyst.name)
        page.get_by_label("Password").fill(analyst.password)
        shot(page, "login")
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
        shot(page, "dashboard")
        page.keyboard.press("Tab")
        expect(page.locator("a.skip")).to_be_focused()  # the keyboard's first stop: skip to the content
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.locator("#top-priorities li a").first.click()

        expect(page).to_have_url(f"{base_url}/relationships/{top}")
        expect(page.get_by_role("heading", name="Factors")).to_be_visible()
        expect(page.locator("#subscription-status")).to_have_text("active")
        shot(page, "relationship")
        quote = page.locator("ul.quotes a").first
        quoted = quote.inner_text().strip("“”")
        quote.click()

        expect(page.locator("mark#quote")).to_have_text(quoted)
        document_url = page.url.split("?")[0]
        # With JavaScript, selecting words fills in the offsets of a new claim: select the quote itself.
        start, end = (int(v.split("=")[1]) for v in page.url.split("?")[1].split("#")[0].split("&"))
        page.evaluate("""() => { const r = document.createRange(); r.selectNodeContents(document.getElementById('quote'));
            const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
            document.getElementById('doc-text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); }""")
        expect(page.locator("#claim-start")).to_have_value(str(start))
        expect(page.locator("#claim-end")).to_have_value(str(end))
        shot(page, "document")

        page.go_back()
        page.get_by_role("button", name="Open a case on this relationship").click()
        expect(page.locator("#notice")).to_contain_text("opened; you are its lead")
        case_url = page.url
        page.get_by_label("Document id").fill(document_url.rsplit("/", 1)[1])
        page.get_by_role("button", name="Add the document").click()
        expect(page.locator("#notice")).to_contain_text("Document added as evidence item")
        expect(page.locator("#evidence-items")).to_contain_text("document")
        shot(page, "case")

        page.get_by_role("link", name="Propose a decision from this case").click()
        expect(page.get_by_label("Action", exact=True)).to_have_value("suspend")
        expect(page.get_by_label("Subscriptions (comma-separated ids)")).to_have_value(top)
        page.get_by_label("Rationale: why").fill(
            "Browser test (fictional): the case's evidence and the assessment support suspending pending review."
        )
        shot(page, "propose")
        page.get_by_role("button", name="Propose").click()
        expect(page.locator("#decision-status")).to_have_text("proposed")
        decision_url = page.url
        shot(page, "decision-proposed")
        sign_out(page)

        # The approver: the second person, as the two-person rule requires for a suspension.
        sign_in(page, unworked_demo.user(APPROVER))
        page.locator("#awaiting-heading + ul a").first.click()
        expect(page).to_have_url(decision_url)
        page.get_by_label("Note for the record (optional)").fill("Browser test: approved as the second person.")
        page.get_by_role("button", name="Approve and issue the orders").click()
        expect(page.locator("#decision-status")).to_have_text("approved")
        expect(page.locator("#orders .state")).to_have_text(["pending"])
        shot(page, "decision-approved")
        sign_out(page)

        # The admin operates the control plane: delivers through the signed webhook; the answer acknowledges.
        sign_in(page, unworked_demo.user(ADMIN))
        page.locator("#open-orders a").first.click()
        expect(page.locator("#order-state")).to_have_text("pending")
        shot(page, "order-pending")
        page.get_by_role("link", name=decision_url.rsplit("/", 1)[1]).click()
        page.get_by_role("button", name="Deliver the due orders now").click()
        expect(page.locator("#notice")).to_contain_text("Delivered through webhook: 1 acknowledged")
        expect(page.locator("#orders .state")).to_have_text(["acknowledged"])
        expect(page.locator("#orders")).to_contain_text("via webhook")
        shot(page, "decision-acknowledged")
        page.locator("#orders a").first.click()
        expect(page.locator("#attempts")).to_contain_text("acknowledged")
        expect(page.locator("#acknowledged")).to_contain_text("applied: True")
        shot(page, "order-acknowledged")
        page.goto(f"{base_url}/relationships/{top}")
        expect(page.locator("#subscription-status")).to_have_text("suspended")
        shot(page, "relationship-suspended")

        page.get_by_role("link", name="History in the audit log").click()
        expect(page.locator("#chain-status")).to_contain_text("Chain intact")
        expect(page.locator("#audit-entries")).to_contain_text("suspended")
        shot(page, "audit-log")
        page.goto(f"{base_url}/cases")
        expect(page.locator("#case-list")).to_contain_text("not a member: need to know")
        shot(page, "cases-need-to-know")
        page.goto(case_url)
        expect(page.locator("#need-to-know")).to_contain_text("This case exists")
        shot(page, "case-refused")
        page.goto(f"{base_url}/orders")
        shot(page, "orders")
        sign_out(page)

        # Back as the analyst: the request intake and its triage.
        sign_in(page, analyst)
        page.get_by_role("link", name="Requests", exact=True).click()
        page.get_by_role("link", name="Record a request").click()
        page.get_by_label("Kind").select_option("emergency")
        page.get_by_label("Organisation asking (register id)").fill("org-il-mod")
        page.get_by_label("Service concerned").select_option(label="Cumulo Translate")
        page.get_by_label("Purpose: what the service is to be used for, in their words").fill(
            "Browser test (fictional): translate intercepted calls for surveillance."
        )
        shot(page, "request-intake")
        page.get_by_role("button", name="Record the request").click()
        page.get_by_role("button", name="Triage under the policy").click()
        expect(page.locator("#approval-needed")).to_have_text("approver")
        shot(page, "request-triaged")
        browser.close()

    applied = [o for o in control_plane.applied if o["subscription_id"] == top and o["decision_id"] in decision_url]
    assert len(applied) == 1 and applied[0]["action"] == "suspend"
    files = sorted(f.name for f in shots.iterdir())
    assert files == [f"{i:02d}-{name}.png" for i, name in enumerate(taken, start=1)]
    assert all(f.stat().st_size > 10_000 for f in shots.iterdir())

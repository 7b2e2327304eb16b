"""A real browser (Playwright driving Debian's chromium) against the app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.web.conftest import Served

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium is installed by scripts/setup")


@pytest.fixture(scope="module")
def base_url(served: Served) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(served.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_analyst_finds_the_top_relationship_and_opens_a_quote(
    served: Served, base_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    user = served.investigator
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{base_url}/")
        expect(page).to_have_url(f"{base_url}/login?next=%2F")
        page.get_by_label("User name").fill(user.name)
        page.get_by_label("Password").fill(user.password)
        page.screenshot(path=shots / "01-login.png", full_page=True)
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        page.screenshot(path=shots / "02-dashboard.png", full_page=True)
        top = page.locator("#top-priorities li a").first
        top.click()

        expect(page).to_have_url(f"{base_url}/relationships/{served.story.top_subscription}")
        expect(page.get_by_role("heading", name="Factors")).to_be_visible()
        page.screenshot(path=shots / "03-relationship.png", full_page=True)
        quote = page.locator("ul.quotes a").first
        quoted = quote.inner_text().strip("“”")
        quote.click()

        expect(page.locator("mark#quote")).to_have_text(quoted)
        page.screenshot(path=shots / "04-document.png", full_page=True)
        browser.close()
    assert sorted(f.name for f in shots.iterdir()) == [
        "01-login.png", "02-dashboard.png", "03-relationship.png", "04-document.png"
    ]
    assert all(f.stat().st_size > 5000 for f in shots.iterdir())

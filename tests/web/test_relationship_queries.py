"""How many queries a relationship's page makes, on SQLite and PostgreSQL: a fixed number, whatever the
relationship holds. The page is the most viewed in the application (bench/api_load.py drives it), and a
query per case, decision or claim would go unseen in the other tests until a customer had hundreds.

Counted: every statement the page sends through the engine, except the `BEGIN IMMEDIATE` that vigie's
SQLite engine opens each transaction with (vigie.store.engine): PostgreSQL's begins are not statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.web.conftest import Served
from tests.web.test_pages import signed_in
from vigie.access import service as access
from vigie.cases import decisions as dec
from vigie.cases import service as cases
from vigie.evidence.tables import ClaimLink
from vigie.register.tables import Subscription
from vigie.store.engine import session_scope

# Signing in, the subscription with its customer and service, the current assessment, the claims about the
# customer, the cases about it with the user's membership, the decisions on it and their approvals, the orders.
MAX_QUERIES = 8
OTHER = "otto.fictional"  # an investigator of this test's own, in whose cases the demo's investigator is not
PASSWORD = "test-only-password-not-secret"


@contextmanager
def counted(served: Served) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    engine = served.app.state.engines.writer
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page_queries(served: Served, client: TestClient, subscription_id: str) -> tuple[str, list[str]]:
    """The page as the signed-in client sees it, and the statements it took."""
    with counted(served) as statements:
        answer = client.get(f"/relationships/{subscription_id}")
    assert answer.status_code == 200, answer.text[:500]
    return answer.text, statements


def cases_listed(page: str) -> list[str]:
    found = re.search(r'<ul id="relationship-cases">(.*?)</ul>', page, re.S)
    return re.findall(r'<li><a href="/cases/([^"]+)"', found.group(1)) if found else []


def test_the_page_makes_a_fixed_number_of_queries_however_much_the_relationship_holds(demo_on: Served) -> None:
    top = demo_on.story.top_subscription
    client = signed_in(demo_on, demo_on.investigator)
    page, before = page_queries(demo_on, client, top)
    # The demo's top relationship has it all: claims naming its customer, the investigator's case on it, an
    # approved decision with its approvals, and the acknowledged orders it sent.
    assert "No claim in the evidence names" not in page and demo_on.story.decision_id in page
    assert cases_listed(page) == [demo_on.story.case_id] and 'class="state">acknowledged' in page
    assert len(before) <= MAX_QUERIES, "\n".join(before)

    with session_scope(demo_on.app.state.engines.writer) as session:
        admin = access.actor_of(access.get_user(session, demo_on.admin.name))
        access.add_user(session, admin, OTHER, ["investigator"], PASSWORD)
        otto = access.actor_of(access.get_user(session, OTHER))
        sub = session.get(Subscription, top)
        assert sub is not None
        added = [cases.open_case(session, otto, f"Test case {i} (fictional)", org_id=sub.customer_id).id
                 for i in range(3)]  # fmt: skip
        for i in range(3):
            proposed = dec.propose(session, otto, action="restrict", rationale=f"Test {i}.", conditions="test",
                                   review_date=date(2099, 1, 1), subscription_ids=[top])  # fmt: skip
            dec.withdraw(session, otto, proposed.id, "test")
    page, after = page_queries(demo_on, client, top)
    assert cases_listed(page) == [demo_on.story.case_id, *added]
    assert page.count("not a member: need to know") == 3 and "Test case 0" not in page
    assert page.count('<a href="/decisions/dec-') == 4
    assert len(after) == len(before), "\n".join(after)


def test_a_relationship_without_decisions_or_evidence_makes_one_query_fewer(demo_on: Served) -> None:
    with session_scope(demo_on.app.state.engines.writer) as session:
        named = select(ClaimLink.entity_id).where(ClaimLink.kind == "organisation")
        quiet = session.scalars(
            select(Subscription.id).where(Subscription.customer_id.not_in(named)).order_by(Subscription.id)
        ).first()
    assert quiet is not None
    page, statements = page_queries(demo_on, signed_in(demo_on, demo_on.investigator), quiet)
    assert "No claim in the evidence names" in page and "<h3>Decisions on this subscription</h3>\n<p>None.</p>" in page
    assert len(statements) <= MAX_QUERIES - 1, "\n".join(statements)

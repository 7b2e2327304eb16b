"""Lists of cases, decisions and requests cut into pages by the database, in the order the whole list has."""

from __future__ import annotations

from datetime import date, timedelta

from tests.cases.conftest import World
from vigie.cases import decisions, requests, service
from vigie.store.engine import session_scope


def test_cases_are_paged_in_the_query_and_counted_with_their_filter(world: World) -> None:
    with session_scope(world.engine) as session:
        for n in range(5):
            case = service.open_case(session, world["lea"], f"Case {n} (test)")
            if n % 2:
                service.close_case(session, world["lea"], case.id, "done")
    with session_scope(world.engine) as session:
        whole = service.list_cases(session, world["out"])
        pages = [service.list_cases(session, world["out"], None, 2, offset) for offset in (0, 2, 4)]
        assert [c.id for page in pages for c in page] == [c.id for c in whole]
        assert [len(p) for p in pages] == [2, 2, 1]
        assert service.count_cases(session) == 5 and service.count_cases(session, "closed") == 2
        assert [c.id for c in service.list_cases(session, world["lea"], "open", 10, 1)] == [
            c.id for c in whole if c.status == "open"
        ][1:]
        # Paging does not change what a non-member may see.
        assert not any(c.readable or c.title for page in pages for c in page)


def test_decisions_are_paged_in_the_query_and_counted_with_their_filters(world: World) -> None:
    with session_scope(world.engine) as session:
        made = [
            decisions.propose(
                session, world["lea"], action="continue", rationale=f"test {n}",
                review_date=date.today() + timedelta(days=30), org_id="org-shop",
            ).id
            for n in range(3)
        ]  # fmt: skip
        decisions.withdraw(session, world["lea"], made[1])
    with session_scope(world.engine) as session:
        assert [d.id for d in decisions.list_decisions(session, limit=2)] == made[:2]
        assert [d.id for d in decisions.list_decisions(session, limit=2, offset=2)] == made[2:]
        assert decisions.count_decisions(session) == 3
        assert decisions.count_decisions(session, "proposed", "org-shop") == 2
        assert decisions.count_decisions(session, org_id="org-min") == 0


def test_requests_are_sorted_and_paged_by_the_database(world: World) -> None:
    with session_scope(world.engine) as session:
        for urgency in ("routine", "emergency", "urgent", "routine"):
            requests.add_request(
                session, world["lea"], kind="sensitive-use", org_id="org-shop", purpose=f"{urgency} (test)",
                urgency=urgency, service_id="svc-store",
            )  # fmt: skip
    with session_scope(world.engine) as session:
        whole = requests.list_requests(session)
        assert [r.urgency for r in whole] == ["emergency", "urgent", "routine", "routine"]
        assert [r.id for r in requests.list_requests(session, None, 2, 1)] == [r.id for r in whole[1:3]]
        assert requests.count_requests(session) == 4 and requests.count_requests(session, "triaged") == 0

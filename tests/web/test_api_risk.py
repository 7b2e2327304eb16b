"""/api/v1/risk over a register whose assessments tie on priority, on SQLite and PostgreSQL: pages cut by the
database in the list's order, totals that count the whole filtered list, one relationship's current version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.risk import ranking
from tests.web.conftest import app_for
from vigie.access.service import actor_of, add_user, get_user, issue_token
from vigie.store.engine import session_scope

LIST = "/api/v1/risk/assessments"


@pytest.fixture
def client(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    ranking.build(engine, tmp_path)
    ranking.assess(engine, ranking.FIRST)
    ranking.assess(engine, ranking.SECOND)
    with session_scope(engine) as session:
        add_user(session, None, "root", ["admin"])
        token = issue_token(session, actor_of(get_user(session, "root")), "root").token
    app = app_for(database_url)
    yield TestClient(app), {"Authorization": f"Bearer {token}"}
    app.state.engines.dispose()


def expected(engine: Engine, **filters: Any) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return [
            {"subscription": r.subscription_id, "priority": r.priority, "band": r.band, "heightened": r.heightened}
            for r in ranking.every_current(session)
            if all(getattr(r, {"org": "org_id"}.get(k, k)) == v for k, v in filters.items())
        ]


@pytest.mark.parametrize(
    "filters",
    [{}, {"band": "high"}, {"heightened": False}, {"band": "low", "heightened": True}, {"org": "org-il-idf"}],
    ids=["all", "band", "not-heightened", "band-and-heightened", "org"],
)
def test_pages_follow_the_list_order_and_total_counts_the_filtered_list(
    client: tuple[TestClient, dict[str, str]], engine: Engine, filters: dict[str, Any]
) -> None:
    http, headers = client
    want = expected(engine, **filters)
    assert want, "every filter matches something in this register"
    got: list[dict[str, Any]] = []
    for offset in range(0, len(want) + 9, 9):
        answer = http.get(LIST, params={**filters, "limit": 9, "offset": offset}, headers=headers)
        assert answer.status_code == 200
        page = answer.json()
        assert (page["total"], page["limit"], page["offset"]) == (len(want), 9, offset)
        got += [{k: item[k] for k in ("subscription", "priority", "band", "heightened")} for item in page["items"]]
    assert got == want


def test_a_page_past_the_end_is_empty_and_still_counts_the_list(
    client: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    http, headers = client
    past = http.get(LIST, params={"offset": 1000, "band": "critical"}, headers=headers).json()
    assert past["items"] == [] and past["total"] == len(expected(engine, band="critical")) > 0


def test_the_explanation_is_the_current_version_and_an_unknown_relationship_is_404(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, headers = client
    explained = http.get(f"{LIST}/sub-lisiere-ai", headers=headers).json()
    assert explained["version"] == 2 and explained["heightened"] is True
    assert explained["explanation"]["subscription_id"] == "sub-lisiere-ai"
    versions = http.get(f"{LIST}/sub-lisiere-ai/history", headers=headers).json()
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["heightened"] is False

    missing = http.get(f"{LIST}/sub-nobody", headers=headers)
    assert missing.status_code == 404
    assert "sub-nobody" in missing.json()["error"]["detail"]

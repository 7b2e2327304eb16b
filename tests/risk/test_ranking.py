"""The risk list's order, pages and counts, as the database serves them, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select

from tests.risk import ranking
from vigie.risk import service
from vigie.risk.policy import default_policy
from vigie.risk.tables import AssessmentRecord, AssessmentTally
from vigie.store.engine import make_engine, session_scope
from vigie.store.migrate import MIGRATIONS, upgrade

FILTERS: list[dict[str, Any]] = [
    {},
    {"band": "low"},
    {"band": "high"},
    {"heightened": True},
    {"heightened": False},
    {"band": "low", "heightened": True},
    {"org": "org-il-idf"},
    {"org": "org-il-idf", "band": "high", "heightened": True},
    {"band": "no-such-band"},
]


def wanted(rows: list[AssessmentRecord], band: str | None = None, org: str | None = None,
           heightened: bool | None = None) -> list[str]:  # fmt: skip
    return [
        r.subscription_id
        for r in rows
        if (band is None or r.band == band)
        and (org is None or r.org_id == org)
        and (heightened is None or r.heightened == heightened)
    ]


def tallies(engine: Engine) -> dict[tuple[str, bool], int]:
    with session_scope(engine) as session:
        kept = session.execute(select(AssessmentTally.band, AssessmentTally.heightened, AssessmentTally.count)).all()
    return {(band, bool(h)): n for band, h, n in kept if n}


def counted(engine: Engine) -> dict[tuple[str, bool], int]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(AssessmentRecord.band, AssessmentRecord.heightened, func.count())
            .where(AssessmentRecord.current.is_(True))
            .group_by(AssessmentRecord.band, AssessmentRecord.heightened)
        ).all()
    return {(band, bool(h)): n for band, h, n in rows}


@pytest.mark.parametrize(("size", "deep"), [(1, False), (7, False), (50, False), (7, True)])
def test_pages_join_up_into_the_whole_list_in_priority_order_ties_by_subscription(
    engine: Engine, tmp_path: Path, size: int, deep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if deep:  # every page chosen on the ranking index first, as pages far down a long list are
        monkeypatch.setattr(service, "DEEP_OFFSET", -1)
    ranking.build(engine, tmp_path)
    ranking.assess(engine, ranking.FIRST)
    with session_scope(engine) as session:
        everything = ranking.every_current(session)
        priorities = Counter(r.priority for r in everything)
        assert max(priorities.values()) >= 10, "the data must tie, or the tie-break is not tested"
        for filters in FILTERS:
            expected = wanted(everything, **filters)
            pages: list[str] = []
            for offset in range(0, len(expected) + size, size):
                listing = service.listed_assessments(session, size, offset=offset, **filters)
                page = listing.rows
                assert listing.total == len(expected), filters  # on the rows, or past the end on its own
                assert len(page) == min(size, max(0, len(expected) - offset)), filters
                pages += [r.subscription_id for r in page]
                records = service.current_assessments(session, size, offset=offset, **filters)
                assert [r.subscription_id for r in records] == [r.subscription_id for r in page], filters
            assert pages == expected, filters
            assert service.count_current(session, **filters) == len(expected), filters
        assert [r.subscription_id for r in service.current_assessments(session, None)] == wanted(everything)


def test_a_listed_assessment_is_its_record_without_the_explanation(engine: Engine, tmp_path: Path) -> None:
    ranking.build(engine, tmp_path)
    ranking.assess(engine, ranking.FIRST)
    with session_scope(engine) as session:
        listed = service.listed_assessments(session, 3).rows
        full = service.current_assessments(session, 3)
        columns = [c.name for c in service.LISTED]
        assert "body" not in columns and "subscription_id" in columns and "priority" in columns
        assert [{c: row._mapping[c] for c in columns} for row in listed] == [
            {c: getattr(r, c) for c in columns} for r in full
        ]
        assert not hasattr(listed[0], "body")
        assert full[0].body["subscription_id"] == full[0].subscription_id


def test_tallies_follow_every_reassessment_across_bands_and_heightened_flags(engine: Engine, tmp_path: Path) -> None:
    ranking.build(engine, tmp_path)
    assert tallies(engine) == {}
    ranking.assess(engine, ranking.FIRST)
    first = counted(engine)
    assert tallies(engine) == first

    report = ranking.assess(engine, ranking.SECOND)
    second = counted(engine)
    assert report.changed and second != first  # relationships moved between bands and flags
    assert second[("low", False)] < first[("low", False)]  # the French customer alleged in Gaza
    assert tallies(engine) == second

    ranking.assess(engine, ranking.SECOND)  # nothing changed: nothing moves
    assert tallies(engine) == second
    ranking.assess(engine, ranking.FIRST)  # back again
    assert tallies(engine) == counted(engine) == first


def test_the_migration_counts_what_was_assessed_before_it(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        ranking.build(engine, tmp_path)
        ranking.assess(engine, ranking.SECOND)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0007_enforce")  # drops the tallies and the ranking indexes
        upgrade(engine)
        assert tallies(engine) == counted(engine)
        assert sum(counted(engine).values()) == 99
    finally:
        engine.dispose()


def test_one_relationship_reads_its_current_version_or_none(engine: Engine, tmp_path: Path) -> None:
    ranking.build(engine, tmp_path)
    ranking.assess(engine, ranking.FIRST)
    ranking.assess(engine, ranking.SECOND)
    with session_scope(engine) as session:
        record = service.current_assessment(session, "sub-lisiere-ai")
        assert record is not None and record.current and record.version == 2
        assert [r.version for r in service.history(session, "sub-lisiere-ai")] == [1, 2]
        assert service.current_assessment(session, "sub-nobody") is None


def test_two_writers_at_once_leave_one_current_assessment_per_relationship(engine: Engine, tmp_path: Path) -> None:
    """The second re-assessment waits for the first (the audit lock), then finds nothing left to change."""
    ranking.build(engine, tmp_path)
    ranking.assess(engine, ranking.FIRST)
    outcome: list[BaseException | int] = []

    def second() -> None:
        try:
            outcome.append(ranking.assess(engine, ranking.SECOND).changed)
        except BaseException as exc:  # the test reads what happened, whatever it was
            outcome.append(exc)

    def source(_session: Any, org_ids: set[str]) -> list[Any]:
        return [c for c in ranking.SECOND if set(c.org_ids) & org_ids]

    with session_scope(engine) as session:
        first = service.reassess(session, default_policy(), source, "alice", "test", ranking.AS_OF)
        assert first.changed
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second writer should wait for the first transaction"
    thread.join(timeout=60)
    assert outcome == [0]
    with session_scope(engine) as session:
        per_subscription = Counter(
            session.scalars(select(AssessmentRecord.subscription_id).where(AssessmentRecord.current.is_(True)))
        )
        assert per_subscription and set(per_subscription.values()) == {1}
    assert tallies(engine) == counted(engine)

"""A GET runs on the read-only engine unless the audit log records the reading; refusals are still recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from tests.web.conftest import Served
from vigie.access import AccessDenied
from vigie.audit.tables import AuditEntry
from vigie.store.engine import session_scope
from vigie.web.units import Engines, acting, by_user_id


def _entries(engines: Engines) -> int:
    with session_scope(engines.writer) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _user_id(served: Served) -> str:
    from vigie.access.tables import User

    with session_scope(served.app.state.engines.writer) as session:
        return str(session.scalar(select(User.id).where(User.name == served.investigator.name)))


def test_a_get_reads_on_the_reader_and_cannot_write(demo_on: Served) -> None:
    engines: Engines = demo_on.app.state.engines
    assert engines.reader is not engines.writer
    user = by_user_id(_user_id(demo_on))
    before = _entries(engines)
    with acting(engines, user, "GET", "/relationships/x") as (session, actor):
        assert session.get_bind() is engines.reader
        assert actor.name == demo_on.investigator.name
    entry = AuditEntry(
        seq=10**9, at="now", actor="x", action="x", entity_type="x", entity_id="x", prev_hash="", hash="x"
    )
    with pytest.raises(DBAPIError, match=r"read-only|readonly"), acting(engines, user, "GET", "/x") as (session, _):
        session.add(entry)
        session.flush()
    assert _entries(engines) == before


@pytest.mark.parametrize(("method", "records_reading"), [("POST", False), ("GET", True), ("HEAD", True)])
def test_a_write_or_a_recorded_reading_runs_on_the_writer(demo_on: Served, method: str, records_reading: bool) -> None:
    engines: Engines = demo_on.app.state.engines
    with acting(engines, by_user_id(_user_id(demo_on)), method, "/cases/x", records_reading) as (session, _actor):
        assert session.get_bind() is engines.writer


def test_a_refusal_inside_a_get_is_recorded_through_the_writer(demo_on: Served) -> None:
    engines: Engines = demo_on.app.state.engines
    before = _entries(engines)
    user = by_user_id(_user_id(demo_on))
    with pytest.raises(AccessDenied), acting(engines, user, "GET", "/audit") as (_session, _actor):
        raise AccessDenied("not for you")
    with session_scope(engines.writer) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert _entries(engines) == before + 1
    assert (last.action, last.actor) == ("refuse", demo_on.investigator.name)
    assert "GET /audit" in (last.after or "") and "not for you" in (last.after or "")


def test_a_refused_get_through_the_api_is_audited(demo_on: Served) -> None:
    """End to end: the audit log is for auditors; an investigator's GET is refused on the reader and recorded."""
    from fastapi.testclient import TestClient

    engines: Engines = demo_on.app.state.engines
    before = _entries(engines)
    answer = TestClient(demo_on.app).get("/api/v1/audit", headers=demo_on.bearer(demo_on.investigator.name))
    assert answer.status_code == 403
    with session_scope(engines.writer) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert _entries(engines) == before + 1
    assert (last.action, last.actor) == ("refuse", demo_on.investigator.name)
    assert "GET /api/v1/audit" in (last.after or "")

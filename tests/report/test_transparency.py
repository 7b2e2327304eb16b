"""The transparency report: every number against an independent SQL query, nothing confidential in it.

The data is the demo's (run by its own builder, on SQLite and PostgreSQL) plus one refused request,
so that every table of the report has something to count.
"""

from __future__ import annotations

import io
import json
import shutil
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from rich.console import Console
from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.orm import Session

from vigie.access.crypto import load_sealer
from vigie.access.service import actor_of
from vigie.access.tables import User
from vigie.cases import requests
from vigie.cases.tables import Case, Decision
from vigie.commands.report import write_transparency
from vigie.demo import STEPS, DemoContext
from vigie.demo.investigation import APPROVER, INTERVIEW_TEXT, INTERVIEWEE, INVESTIGATOR, Story
from vigie.report.html import transparency_html
from vigie.report.queries import Period, Transparency, transparency
from vigie.risk.policy import default_policy
from vigie.store.engine import session_scope

REQUESTER = "Requester Person (fictional)"
REQUEST_RATIONALE = "Refused in the test: the stated purpose is mass interception."


@dataclass
class Built:
    engine: Engine
    story: Story
    period: Period


def _actor(session: Session, name: str) -> Any:
    user = session.scalars(select(User).where(User.name == name)).one()
    return actor_of(user)


@pytest.fixture
def built(engine: Engine, tmp_path: Path) -> Built:
    """The demo's data, built by its own steps on the test's database, and a refused emergency request."""
    ctx = DemoContext(engine, Console(file=io.StringIO()), tmp_path / "vigie-demo.db")
    for step in STEPS:
        step(ctx)
    assert ctx.story is not None
    sealer = load_sealer(None, ctx.story.companions.key)
    with session_scope(engine) as session:
        investigator = _actor(session, INVESTIGATOR)
        request = requests.add_request(
            session, investigator, kind="emergency", org_id="org-il-unit-8200", urgency="emergency",
            purpose="Intercept and transcribe the phone calls of a whole region", requester=REQUESTER, sealer=sealer,
            subscription_ids=["sub-8200-storage"],
        )  # fmt: skip
        requests.triage_request(session, investigator, request.id, default_policy())
        requests.decide_request(session, _actor(session, APPROVER), request.id, "refused", REQUEST_RATIONALE)
    with session_scope(engine) as session:
        opened = session.scalars(select(Case.opened_at)).one()
    return Built(engine, ctx.story, Period.parse(opened[:4]))


def _rows(session: Session, sql: str, period: Period, **more: Any) -> list[Any]:
    return list(session.execute(text(sql), {"lo": period.lo, "hi": period.hi, **more}))


def _json_list(value: Any) -> list[Any]:
    return list(json.loads(value) if isinstance(value, str) else value or [])


def _hours(a: Any, b: Any) -> float:
    return round((datetime.fromisoformat(str(b)) - datetime.fromisoformat(str(a))).total_seconds() / 3600, 2)


def test_period_parsing() -> None:
    year = Period.parse("2025")
    assert (year.lo, year.hi) == ("2025-01-01", "2026-01-01")
    half = Period.parse("2025-01-01..2025-06-30")
    assert (half.lo, half.hi) == ("2025-01-01", "2025-07-01")
    assert half.contains("2025-06-30T23:59:59+00:00") and not half.contains("2025-07-01T00:00:00+00:00")
    for bad in ("25", "2025-13-01..2025-12-31", "2025-06-30..2025-01-01"):
        with pytest.raises(ValueError, match="period"):
            Period.parse(bad)


def test_every_number_equals_an_independent_query(built: Built) -> None:
    p = built.period
    with session_scope(built.engine) as session:
        report = transparency(session, p)
        latest = _rows(
            session,
            "SELECT a.subscription_id, a.heightened, o.kind, s.use_territories FROM assessments a "
            "JOIN subscriptions s ON s.id = a.subscription_id JOIN organisations o ON o.id = s.customer_id "
            "WHERE a.created_at >= :lo AND a.created_at < :hi AND a.version = (SELECT max(b.version) FROM assessments b "
            "WHERE b.subscription_id = a.subscription_id AND b.created_at >= :lo AND b.created_at < :hi)",
            p,
        )
        documents = dict(
            _rows(
                session,
                "SELECT kind, count(*) FROM documents WHERE ingested_at >= :lo AND ingested_at < :hi GROUP BY kind",
                p,
            )
        )  # type: ignore[arg-type]
        alleging = _rows(
            session,
            "SELECT d.kind, c.harms FROM claims c JOIN documents d ON d.id = c.document_id WHERE d.ingested_at >= :lo "
            "AND d.ingested_at < :hi AND c.stance IN ('alleges', 'finds', 'confirms') AND c.rejected = false",
            p,
        )
        opened = session.scalar(
            text("SELECT count(*) FROM cases WHERE opened_at >= :lo AND opened_at < :hi"), {"lo": p.lo, "hi": p.hi}
        )
        closed = session.scalar(
            text("SELECT count(*) FROM cases WHERE closed_at >= :lo AND closed_at < :hi"), {"lo": p.lo, "hi": p.hi}
        )
        findings = dict(
            _rows(  # type: ignore[arg-type]
                session,
                "SELECT conclusion, count(*) FROM findings f WHERE recorded_at >= :lo AND recorded_at < :hi "
                "AND NOT EXISTS (SELECT 1 FROM findings g WHERE g.supersedes = f.id) GROUP BY conclusion",
                p,
            )
        )
        decided = _rows(
            session,
            "SELECT id, action, status, org_id, subscription_ids, decided_at, proposed_by, approved_by FROM decisions WHERE decided_at >= :lo AND decided_at < :hi ORDER BY decided_at, id",
            p,
        )
        reqs = _rows(
            session,
            "SELECT kind, outcome, count(*) FROM use_requests WHERE decided_at >= :lo AND decided_at < :hi GROUP BY kind, outcome",
            p,
        )
        timing: list[tuple[float | None, float | None]] = []
        for d in [d for d in decided if d.status == "approved"]:
            subs = _json_list(d.subscription_ids)
            orgs = {d.org_id} | {
                r[0]
                for r in session.execute(
                    text("SELECT customer_id FROM subscriptions WHERE id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": subs},
                )
            }
            first = session.execute(
                text(
                    "SELECT min(doc.ingested_at) FROM documents doc JOIN claims c ON c.document_id = doc.id "
                    "JOIN claim_links l ON l.claim_id = c.id WHERE l.kind = 'organisation' AND l.entity_id IN :orgs "
                    "AND c.stance IN ('alleges', 'finds', 'confirms') AND c.rejected = false"
                ).bindparams(bindparam("orgs", expanding=True)),
                {"orgs": sorted(orgs)},
            ).scalar()
            acks = session.execute(
                text("SELECT count(*), sum(CASE WHEN state = 'acknowledged' THEN 1 ELSE 0 END), max(acknowledged_at) "
                     "FROM enforcement_orders WHERE decision_id = :d"), {"d": d.id},
            ).one()  # fmt: skip
            enforced = acks[2] if acks[0] and acks[0] == acks[1] else None
            timing.append(
                (_hours(first, d.decided_at) if first else None, _hours(d.decided_at, enforced) if enforced else None)
            )
        policy = session.execute(
            text("SELECT policy_id, policy_version FROM assessments WHERE created_at >= :lo AND created_at < :hi "
                 "ORDER BY created_at DESC, id DESC"), {"lo": p.lo, "hi": p.hi},
        ).first()  # fmt: skip

    f = {k: v.value for k, v in report.figures.items()}
    assert f["relationships_reviewed"] == len(latest) > 0
    assert f["heightened"] == sum(bool(r.heightened) for r in latest) > 0
    territories: dict[str, list[int]] = {}
    for r in latest:
        for t in sorted(set(_json_list(r.use_territories))) or ["(none declared)"]:
            territories.setdefault(t, [0, 0])
            territories[t][0] += 1
            territories[t][1] += int(bool(r.heightened))
    assert {row[0]: row[1:] for row in report.tables["relationships_by_territory"].rows} == territories
    kinds = Counter(r.kind for r in latest)
    assert {row[0]: row[1] for row in report.tables["relationships_by_customer_kind"].rows} == dict(kinds)
    assert f["documents"] == sum(documents.values()) > 0
    assert {row[0]: row[1] for row in report.tables["sources_by_kind"].rows} == documents
    assert f["allegations"] == len(alleging) > 0
    assert {row[0]: row[2] for row in report.tables["sources_by_kind"].rows} == dict(Counter(k for k, _ in alleging))
    harms = Counter(h for _, hs in alleging for h in set(_json_list(hs)))
    assert {row[0]: row[1] for row in report.tables["allegations_by_harm"].rows} == dict(harms)
    assert (f["cases_opened"], f["cases_closed"]) == (opened, closed) == (1, 0)
    assert {row[0]: row[1] for row in report.tables["findings_by_conclusion"].rows if row[1]} == findings
    approved = [d for d in decided if d.status == "approved"]
    assert f["decisions_approved"] == len(approved) == 1
    by_action = {row[0]: row[1:] for row in report.tables["decisions_by_action"].rows}
    for action, (n_approved, n_refused, n_subs) in by_action.items():
        assert n_approved == sum(d.action == action for d in approved)
        assert n_refused == sum(d.action == action and d.status == "refused" for d in decided)
        assert n_subs == sum(len(_json_list(d.subscription_ids)) for d in approved if d.action == action)
    assert f["suspensions"] == sum(d.action == "suspend" for d in approved) == 1
    assert f["terminations"] == sum(d.action == "terminate" for d in approved)
    assert f["two_person"] == sum(
        d.action in ("suspend", "terminate") and d.proposed_by != d.approved_by for d in approved
    )
    outcomes = {(k, o): n for k, o, n in reqs}
    assert f["requests_refused"] == sum(n for (_, o), n in outcomes.items() if o == "refused") == 1
    assert f["requests_approved"] == sum(
        n for (_, o), n in outcomes.items() if o in ("approved", "approved-with-conditions")
    )
    assert [row[2:] for row in report.tables["decision_timing"].rows] == [list(t) for t in timing]
    to_decision = [a for a, _ in timing if a is not None]
    to_enforcement = [b for _, b in timing if b is not None]
    assert f["median_allegation_to_decision_h"] == round(statistics.median(to_decision), 2)
    assert f["median_decision_to_enforcement_h"] == round(statistics.median(to_enforcement), 2)
    assert policy is not None and f["policy"] == f"{policy[0]} {policy[1]}"
    assert all(fig.how for fig in report.figures.values()) and all(t.how for t in report.tables.values())


def test_an_empty_period_has_zeros_not_errors(built: Built) -> None:
    with session_scope(built.engine) as session:
        report = transparency(session, Period.parse("1999"))
    assert report.figures["relationships_reviewed"].value == 0
    assert report.figures["median_allegation_to_decision_h"].value is None
    assert "none in the period" in transparency_html(report, "Test provider")


def _secrets(built: Built) -> list[str]:
    """What the public report must never contain: personal data, interview content, internal text."""
    with session_scope(built.engine) as session:
        case = session.scalars(select(Case)).one()
        decision = session.scalars(select(Decision)).one()
        users = list(session.scalars(select(User.name)))
    return [INTERVIEWEE, INTERVIEW_TEXT[:60], "account engineer", REQUESTER, REQUEST_RATIONALE, case.title,
            decision.rationale[:50], *users]  # fmt: skip


def _report(built: Built) -> Transparency:
    with session_scope(built.engine) as session:
        return transparency(session, built.period)


def test_confidential_fields_never_appear_and_withholding_is_stated(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)")
    html = written.html.read_text(encoding="utf-8")
    exported = "".join(p.read_text(encoding="utf-8") for p in written.data)
    for secret in _secrets(built):
        assert secret not in html, secret
        assert secret not in exported, secret
    assert "What this report withholds, and why" in html and "Rule N1" in html
    withheld = {row[0]: row[1] for row in _report(built).withheld.rows}
    assert withheld["identity of the people who made requests"] == 1
    assert withheld["interview records"] == 1
    # Unit 8200 is a public body with a cited public source: rule N1 names it.
    assert "Unit 8200" in html


def test_every_table_is_exported_as_csv_and_json(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)")
    report = _report(built)
    data = json.loads((tmp_path / "out" / "data" / "transparency.json").read_text(encoding="utf-8"))
    assert set(data["tables"]) == set(report.tables)
    for key, table in report.tables.items():
        assert data["tables"][key]["rows"] == table.rows
        csv_text = (tmp_path / "out" / "data" / f"{key}.csv").read_text(encoding="utf-8")
        assert csv_text.splitlines()[0] == ",".join(table.columns)
        assert len(csv_text.splitlines()) == len(table.rows) + 1
    assert {k: v["value"] for k, v in data["figures"].items()} == {k: v.value for k, v in report.figures.items()}
    assert written.pdf.exists()


SECTIONS = [
    "1. Summary",
    "2. Policy, scope and the relationships reviewed",
    "3. Allegations received and their sources",
    "5. Decisions, requests and enforcement",
    "Time to decide and to enforce",
    "6. What this report withholds",
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pdf_renders_with_its_pages_and_no_confidential_text(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)")
    pages = [page.extract_text() for page in PdfReader(written.pdf).pages]
    assert len(pages) == len(SECTIONS)
    for page, heading in zip(pages, SECTIONS, strict=True):
        assert heading in " ".join(page.split()), heading
    flat = " ".join(" ".join(pages).split())
    for secret in _secrets(built):
        assert secret not in flat, secret
    assert "Transparency report" in flat and "page 1 of 6" in flat
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian poppler-utils, installed by scripts/setup) is needed"
    subprocess.run([pdftoppm, "-r", "40", "-png", str(written.pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(SECTIONS) and all(i.stat().st_size > 2000 for i in images)

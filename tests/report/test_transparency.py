"""The transparency report: every number against an independent SQL query, on the page as in the data; nothing
confidential in it; the PDF printed with its pages, contents and page numbers."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from tests.report.conftest import Built, secrets
from tests.report.pages import read_page
from vigie.report.durations import duration_text
from vigie.report.html import cell, layout, transparency_html
from vigie.report.publish import write_transparency
from vigie.report.queries import Period, Transparency, transparency
from vigie.store.engine import session_scope


def _rows(session: Session, sql: str, period: Period, **more: Any) -> list[Any]:
    return list(session.execute(text(sql), {"lo": period.lo, "hi": period.hi, **more}))


def _json_list(value: Any) -> list[Any]:
    return list(json.loads(value) if isinstance(value, str) else value or [])


def _seconds(start: Any, end: Any) -> int:
    """Whole seconds between two stored timestamps, half up: the report's stated rule, written again here."""
    delta = datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))
    exact = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_period_parsing() -> None:
    year = Period.parse("2025")
    assert (year.lo, year.hi) == ("2025-01-01", "2026-01-01")
    half = Period.parse("2025-01-01..2025-06-30")
    assert (half.lo, half.hi) == ("2025-01-01", "2025-07-01")
    assert half.contains("2025-06-30T23:59:59+00:00") and not half.contains("2025-07-01T00:00:00+00:00")
    for bad in ("25", "2025-13-01..2025-12-31", "2025-06-30..2025-01-01"):
        with pytest.raises(ValueError, match="period"):
            Period.parse(bad)


def _timing(session: Session, decided: list[Any]) -> list[list[Any]]:
    """For each approved decision: first allegation received by then, approval, enforcement, and the seconds."""
    rows: list[list[Any]] = []
    for n, d in enumerate([d for d in decided if d.status == "approved"], start=1):
        subs = _json_list(d.subscription_ids)
        orgs = {d.org_id}
        for customer, end_user in session.execute(
            text("SELECT customer_id, end_user_id FROM subscriptions WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": subs},
        ):
            orgs |= {customer} | ({end_user} if end_user else set())
        first = session.execute(
            text(
                "SELECT min(doc.ingested_at) FROM documents doc JOIN claims c ON c.document_id = doc.id "
                "JOIN claim_links l ON l.claim_id = c.id WHERE l.kind = 'organisation' AND l.entity_id IN :orgs "
                "AND c.stance IN ('alleges', 'finds', 'confirms') AND c.rejected = false "
                "AND doc.ingested_at <= :decided"
            ).bindparams(bindparam("orgs", expanding=True)),
            {"orgs": sorted(orgs), "decided": d.decided_at},
        ).scalar()
        acks = session.execute(
            text("SELECT count(*), sum(CASE WHEN state = 'acknowledged' THEN 1 ELSE 0 END), max(acknowledged_at) "
                 "FROM enforcement_orders WHERE decision_id = :d"), {"d": d.id},
        ).one()  # fmt: skip
        enforced = acks[2] if acks[0] and acks[0] == acks[1] else None
        rows.append([
            f"D{n}", d.action, first, d.decided_at, enforced,
            _seconds(first, d.decided_at) if first else None, _seconds(d.decided_at, enforced) if enforced else None,
        ])  # fmt: skip
    return rows


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
            "SELECT id, action, status, org_id, subscription_ids, decided_at, proposed_by, approved_by FROM decisions "
            "WHERE decided_at >= :lo AND decided_at < :hi ORDER BY decided_at, id",
            p,
        )
        reqs = _rows(
            session,
            "SELECT kind, outcome, count(*) FROM use_requests WHERE decided_at >= :lo AND decided_at < :hi "
            "GROUP BY kind, outcome",
            p,
        )
        timing = _timing(session, decided)
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
    # Timing: the documents ingested after the decision (the fixture's article and memo) are not its first allegation.
    assert report.tables["decision_timing"].rows == timing
    assert all(row[2] is not None and row[2] <= row[3] for row in timing)
    to_decision = [row[5] for row in timing if row[5] is not None]
    to_enforcement = [row[6] for row in timing if row[6] is not None]
    assert all(isinstance(v, int) and v >= 0 for v in to_decision + to_enforcement)
    assert f["median_allegation_to_decision_s"] == statistics.median(to_decision)
    assert f["median_decision_to_enforcement_s"] == statistics.median(to_enforcement)
    assert report.figures["median_allegation_to_decision_s"].unit == "s"
    assert policy is not None and f["policy"] == f"{policy[0]} {policy[1]}"
    assert all(fig.how for fig in report.figures.values()) and all(t.how for t in report.tables.values())


def _shown(report: Transparency, key: str) -> list[list[str]]:
    """A report table's rows as the page must show them."""
    table = report.tables.get(key, report.withheld)
    shown = [[re.sub(r"<[^>]+>", "", str(cell(v, table.formats.get(i)))) for i, v in enumerate(row)]
             for row in table.rows]  # fmt: skip
    return [[" ".join(v.split()) for v in row] for row in shown]


def test_the_page_shows_the_same_numbers(built: Built) -> None:
    with session_scope(built.engine) as session:
        report = transparency(session, built.period)
    tables, figures = read_page(transparency_html(report, "Test provider (fictional)"))
    for key, table in [*report.tables.items(), ("withheld", report.withheld)]:
        heading = "8. What this report withholds, and why" if key == "withheld" else table.title
        header, *rows = tables[heading]
        assert header == layout(table).headings
        assert rows == _shown(report, key), key
    for f in report.figures.values():
        expected = duration_text(f.value) if f.unit == "s" else str(f.value)  # type: ignore[arg-type]
        assert figures[f.label] == expected, f.label
    # The durations the page shows: the data's whole seconds in a reader's unit, the same rounding everywhere.
    (d1,) = report.tables["decision_timing"].rows
    assert tables[report.tables["decision_timing"].title][1][5:] == [duration_text(d1[5]), duration_text(d1[6])]


def test_every_id_on_the_page_is_unique_and_every_chart_reference_resolves(built: Built) -> None:
    """Three matplotlib charts on one page each number their ids from 1; vigie prefixes them per chart."""
    with session_scope(built.engine) as session:
        page = transparency_html(transparency(session, built.period), "Test provider (fictional)")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) > 100 and len(ids) == len(set(ids))
    references = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', page))
    assert references and references <= set(ids)


def test_an_empty_period_has_zeros_not_errors(built: Built) -> None:
    with session_scope(built.engine) as session:
        report = transparency(session, Period.parse("1999"))
    assert report.figures["relationships_reviewed"].value == 0
    assert report.figures["median_allegation_to_decision_s"].value is None
    html = transparency_html(report, "Test provider")
    assert "none in the period" in html and "no decision approved in the period" in html
    assert read_page(html)[1]["Median time, first allegation to decision"] == "—"


def test_confidential_fields_never_appear_and_withholding_is_stated(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)", "test")
    html = written.html.read_text(encoding="utf-8")
    exported = "".join(p.read_text(encoding="utf-8") for p in written.data)
    for secret in secrets(built):
        assert secret not in html, secret
        assert secret not in exported, secret
    assert "What this report withholds, and why" in html and "Rule N1" in html
    with session_scope(built.engine) as session:
        withheld = {row[0]: row[1] for row in transparency(session, built.period).withheld.rows}
    assert withheld["identity of the people who made requests"] == 1
    assert withheld["interview records"] == 1
    assert withheld["internal documents received"] == 1
    assert withheld["documents about organisations the report does not name"] == 1
    # Unit 8200 is a public body with a cited public source: rule N1 names it.
    assert "Unit 8200" in html


SECTIONS = [  # (page, the headings on it)
    (1, ["Transparency report", "Contents", "What this report covers"]),
    (2, ["1. Summary"]),
    (3, ["2. Policy, scope and the relationships reviewed", "Risk heat map"]),
    (4, ["3. Allegations received and their sources", "4. Investigations and findings"]),
    (5, ["5. Decisions, requests and enforcement", "Decisions over time"]),
    (6, ["6. Time to decide and to enforce", "7. Grievances and stakeholder engagement"]),
    (7, ["8. What this report withholds, and why"]),
    (8, ["9. The data published with this report"]),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_pdf_renders_with_its_pages_contents_and_no_confidential_text(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)", "test")
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(written.pdf).pages]
    assert len(pages) == len(SECTIONS)
    for number, headings in SECTIONS:
        for heading in headings:
            assert heading in pages[number - 1], (number, heading)
        assert f"Page {number} of {len(SECTIONS)}" in pages[number - 1]
    # The contents list gives each section the page it starts on.
    for number, headings in SECTIONS[1:]:
        section = next(h for h in headings if re.match(r"\d\. ", h))
        listed = re.search(re.escape(section) + r"\s*\.*\s*(\d+)", pages[0])
        assert listed and int(listed.group(1)) == number, section
    # Every page after the first carries the running header: the report and the section it is in.
    assert all("Test provider (fictional) · Transparency report" in page for page in pages[1:])
    flat = " ".join(pages)
    for secret in secrets(built):
        assert secret not in flat, secret
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian poppler-utils, installed by scripts/setup) is needed"
    subprocess.run([pdftoppm, "-r", "40", "-png", str(written.pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(SECTIONS) and all(i.stat().st_size > 2000 for i in images)

"""`vigie report dossier`: the whole record of one relationship, as far as the acting user may read it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from rich.console import Console
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tests.report.test_exports import assert_valid_ftm
from vigie.audit.tables import AuditEntry
from vigie.cases.tables import Case
from vigie.cli import app
from vigie.demo import STEPS, DemoContext
from vigie.demo.investigation import INTERVIEW_TEXT, INTERVIEWEE, Story
from vigie.store.engine import session_scope

runner = CliRunner()


@pytest.fixture
def story(engine: Engine, tmp_path: Path) -> Story:
    ctx = DemoContext(engine, Console(file=io.StringIO()), tmp_path / "vigie-demo.db")
    for step in STEPS:
        step(ctx)
    assert ctx.story is not None
    return ctx.story


def _dossier(
    database_url: str, story: Story, user: str, out: Path, subject: str = "sub-8200-storage"
) -> dict[str, object]:
    token = next(u.token for u in story.users if u.name == user)
    result = runner.invoke(
        app, ["report", "dossier", subject, "--output", str(out)],
        env={"VIGIE_DATABASE_URL": database_url, "VIGIE_TOKEN": token, "VIGIE_SECRET_KEY": ""},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (found,) = [p for p in out.glob("dossier-*.json") if not p.name.endswith(".ftm.json")]
    data: dict[str, object] = json.loads(found.read_text(encoding="utf-8"))
    return data


def test_a_member_reads_the_whole_record(database_url: str, engine: Engine, story: Story, tmp_path: Path) -> None:
    data = _dossier(database_url, story, "iris.fictional", tmp_path / "iris")
    with session_scope(engine) as session:
        case = session.scalars(select(Case)).one()
        viewed = session.scalars(select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.entity_id == case.id))
        assert [e.actor for e in viewed] == ["iris.fictional"]
    assert data["organisation"]["id"] == "org-il-unit-8200"  # type: ignore[index]
    assert [c["title"] for c in data["cases"]] == [case.title]  # type: ignore[attr-defined, index]
    (decision,) = data["decisions"]  # type: ignore[misc]
    assert decision["action"] == "suspend" and [a["verdict"] for a in decision["approvals"]] == ["approve"]
    assert {o["state"] for o in data["orders"]} == {"acknowledged"}  # type: ignore[attr-defined]
    assert data["evidence"] and all(e["quote"] for e in data["evidence"])  # type: ignore[attr-defined]
    assert {e["entity_id"] for e in data["audit"]} >= {"sub-8200-storage", decision["id"]}  # type: ignore[attr-defined]
    html = (tmp_path / "iris" / "dossier-sub-8200-storage.html").read_text(encoding="utf-8")
    assert case.title in html and INTERVIEWEE not in html and INTERVIEW_TEXT[:60] not in html
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "iris" / "dossier-sub-8200-storage.pdf").pages)
    flat = " ".join(text.split())
    assert "Relationship dossier" in flat and INTERVIEWEE not in flat and "Page 1 of" in flat
    for heading in ("Contents", "1. Register", "3. Evidence", "7. Audit entries", "8. Files of this dossier"):
        assert heading in flat, heading


def test_the_register_and_evidence_go_with_the_dossier_in_full(
    database_url: str, engine: Engine, story: Story, tmp_path: Path
) -> None:
    data = _dossier(database_url, story, "iris.fictional", tmp_path / "iris")
    folder = tmp_path / "iris"
    register = [json.loads(x) for x in (folder / "dossier-sub-8200-storage.register.ftm.json").read_text().splitlines()]
    evidence = [json.loads(x) for x in (folder / "dossier-sub-8200-storage.evidence.ftm.json").read_text().splitlines()]
    assert_valid_ftm(register + evidence)
    (contract,) = [e for e in register if e["schema"] == "Contract"]
    assert contract["id"] == "sub-8200-storage" and contract["properties"]["amount"] == ["2400000.00"]
    assert contract["properties"]["authority"] == ["org-il-unit-8200"]
    # The unit, and the bodies above it, travel with it.
    assert {"org-il-unit-8200", "org-il-aman", "org-il-idf", "org-il-mod"} <= {e["id"] for e in register}
    documents = {e["id"]: e for e in evidence if e["schema"] in ("Document", "Article")}
    events = [e for e in evidence if e["schema"] == "Event"]
    assert documents and all(d["properties"]["bodyText"] for d in documents.values())
    assert {
        kw.split("=", 1)[1] for e in events for kw in e["properties"]["keywords"] if kw.startswith("vigie:claim=")
    } == {e["claim_id"] for e in data["evidence"]}  # type: ignore[attr-defined]
    for event in events:
        quote = event["properties"]["summary"][0]
        (doc_id,) = event["properties"]["proof"]
        (offsets,) = [k.split("=", 1)[1] for k in event["properties"]["keywords"] if k.startswith("vigie:quote=")]
        start, end = (int(x) for x in offsets.rsplit(":", 1)[1].split("-"))
        assert documents[doc_id]["properties"]["bodyText"][0][start:end] == quote


def test_a_non_member_sees_that_the_case_exists_and_nothing_more(
    database_url: str, engine: Engine, story: Story, tmp_path: Path
) -> None:
    data = _dossier(database_url, story, "admin.fictional", tmp_path / "admin", subject="Unité 8200")
    with session_scope(engine) as session:
        case = session.scalars(select(Case)).one()
    assert data["cases"] == [] and [c["id"] for c in data["cases_not_readable"]] == [case.id]  # type: ignore[index]
    html = (tmp_path / "admin" / "dossier-org-il-unit-8200.html").read_text(encoding="utf-8")
    assert case.title not in html and "is not a member" in html

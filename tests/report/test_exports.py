"""What a transparency report publishes beside itself: every table as CSV and JSON, the register and evidence as
FollowTheMoney entities (valid, self-contained, holding only what may be disclosed), and an audit entry with the
SHA-256 of every file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from followthemoney import model
from sqlalchemy import select, text

from tests.report.conftest import MEMO_TITLE, Built
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.register.vocabulary import PUBLIC_BODY_KINDS
from vigie.report.publish import write_transparency
from vigie.report.queries import transparency
from vigie.store.engine import session_scope


def _entities(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def assert_valid_ftm(entities: list[dict[str, Any]]) -> None:
    """Each entity goes through FtM's own model unchanged, and every reference points at an entity in the set."""
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities), "entity ids are unique"
    for e in entities:
        proxy = model.get_proxy(e)
        again = proxy.to_dict()
        assert again["schema"] == e["schema"] and again["id"] == e["id"]
        assert {k: sorted(v) for k, v in again["properties"].items()} == e["properties"], e["id"]
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in ids, f"{e['id']}.{prop.name} → {value} is not exported"


def test_every_table_is_exported_as_csv_and_json(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)", "test")
    with session_scope(built.engine) as session:
        report = transparency(session, built.period)
    data = json.loads((tmp_path / "out" / "data" / "transparency.json").read_text(encoding="utf-8"))
    assert set(data["tables"]) == set(report.tables)
    for key, table in [*report.tables.items(), ("withheld", report.withheld)]:
        if key != "withheld":
            assert data["tables"][key]["rows"] == table.rows
            assert data["tables"][key]["how"] == table.how
        rows = list(csv.reader(io.StringIO((tmp_path / "out" / "data" / f"{key}.csv").read_text(encoding="utf-8"))))
        assert rows[0] == table.columns
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in table.rows]
    assert data["withheld"]["rows"] == report.withheld.rows
    assert {k: v["value"] for k, v in data["figures"].items()} == {k: v.value for k, v in report.figures.items()}
    assert data["figures"]["median_allegation_to_decision_s"]["unit"] == "s"
    # Durations in the data are whole seconds with the timestamps they come from beside them.
    timing = report.tables["decision_timing"]
    assert timing.columns[5:] == ["allegation to decision (s)", "decision to enforcement (s)"]
    assert all(isinstance(v, int) for row in timing.rows for v in row[5:] if v is not None)
    names = {p.name for p in written.data}
    assert names == {f"{k}.csv" for k in [*report.tables, "withheld"]} | {
        "transparency.json", "register.ftm.json", "evidence.ftm.json"
    }  # fmt: skip


def test_register_and_evidence_are_valid_ftm_and_hold_only_what_may_be_disclosed(built: Built, tmp_path: Path) -> None:
    write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)", "test")
    register = _entities(tmp_path / "out" / "data" / "register.ftm.json")
    evidence = _entities(tmp_path / "out" / "data" / "evidence.ftm.json")
    assert_valid_ftm(register + evidence)
    p = built.period
    with session_scope(built.engine) as session:
        nameable = {
            r.id
            for r in session.execute(text("SELECT id, kind, source FROM organisations"))
            if r.kind in PUBLIC_BODY_KINDS and (r.source or "").strip()
        }
        reviewed = {
            r.subscription_id: r.customer_id
            for r in session.execute(
                text("SELECT DISTINCT a.subscription_id, s.customer_id FROM assessments a JOIN subscriptions s "
                     "ON s.id = a.subscription_id WHERE a.created_at >= :lo AND a.created_at < :hi"),
                {"lo": p.lo, "hi": p.hi},
            )
        }  # fmt: skip
        docs = {
            r.id: r.kind
            for r in session.execute(
                text("SELECT id, kind FROM documents WHERE ingested_at >= :lo AND ingested_at < :hi"),
                {"lo": p.lo, "hi": p.hi},
            )
        }
        concerns: dict[str, set[str]] = {}
        for doc, org in session.execute(
            text("SELECT c.document_id, l.entity_id FROM claims c JOIN claim_links l ON l.claim_id = c.id "
                 "WHERE l.kind = 'organisation' UNION SELECT document_id, entity_id FROM mentions "
                 "WHERE kind = 'organisation' AND entity_id IS NOT NULL")
        ):  # fmt: skip
            concerns.setdefault(doc, set()).add(org)
        published = {d for d, kind in docs.items() if kind != "internal" and concerns.get(d, set()) <= nameable}
        claims = {
            r.id
            for r in session.execute(text("SELECT id, document_id FROM claims WHERE rejected = false"))
            if r.document_id in published
        }

    by_schema: dict[str, list[dict[str, Any]]] = {}
    for e in register + evidence:
        by_schema.setdefault(e["schema"], []).append(e)
    # The register: the organisations rule N1 names, their reviewed contracts stripped of what is confidential.
    orgs = [e for e in register if e["schema"] in ("PublicBody", "Company", "Organization")]
    assert orgs and {e["id"] for e in orgs} <= nameable
    assert all(e["schema"] == "PublicBody" for e in orgs)
    contracts = by_schema["Contract"]
    assert {c["id"] for c in contracts} == {s for s, customer in reviewed.items() if customer in nameable}
    for c in contracts:
        assert not {"amount", "currency", "description", "notes"} & set(c["properties"]), c["id"]
        assert all(kw.startswith(("vigie:service=", "vigie:territory=", "vigie:fictional", "vigie:end_user_id="))
                   for kw in c["properties"].get("keywords", []))  # fmt: skip
    # The evidence: outside documents about named organisations only, without their text, and their claims.
    documents = [e for e in evidence if e["schema"] in ("Document", "Article")]
    assert {d["id"] for d in documents} == published
    assert len(published) < len(docs), "the fixture's article and memo are held back"
    assert all("bodyText" not in d["properties"] for d in documents)
    assert {kw.split("=", 1)[1] for e in by_schema["Event"] for kw in e["properties"]["keywords"]
            if kw.startswith("vigie:claim=")} == claims  # fmt: skip
    for event in by_schema["Event"]:
        assert event["properties"]["summary"] and set(event["properties"]["proof"]) <= published
        assert set(event["properties"].get("involved", [])) <= nameable
    mentions = by_schema["Mention"]
    assert mentions and all(set(m["properties"]["resolved"]) <= nameable for m in mentions)
    flat = json.dumps(register + evidence, ensure_ascii=False)
    assert MEMO_TITLE not in flat and "Ardent" not in flat


def test_each_report_written_is_audited_with_the_hash_of_every_file(built: Built, tmp_path: Path) -> None:
    written = write_transparency(built.engine, built.period, tmp_path / "out", "Test provider (fictional)", "tester")
    with session_scope(built.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "publish")).one()
        assert verify(session).ok
    assert (entry.actor, entry.entity_type, entry.entity_id) == (
        "tester",
        "report",
        f"transparency-{built.period.label}",
    )
    files = json.loads(entry.after or "{}")["files"]
    on_disk = {str(p.relative_to(tmp_path / "out")): hashlib.sha256(p.read_bytes()).hexdigest() for p in written.all}
    assert files == on_disk
    assert not list((tmp_path / "out").rglob("*.partial"))

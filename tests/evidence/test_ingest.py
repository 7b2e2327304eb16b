"""Ingesting into the database (SQLite and PostgreSQL): dedup, unreadable files, URL lists, corrections."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from vigie.audit.verify import verify
from vigie.demo import DATA, TERRITORIES
from vigie.evidence import service
from vigie.evidence.tables import ClaimRecord, MentionRecord
from vigie.register.service import import_files
from vigie.store.engine import session_scope

DOCS = DATA / "documents"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "site"
    root.mkdir()
    (root / "letter.html").write_text(
        "<html><head><title>Letter</title></head><body><article><p>Human Rights Watch urged Cumulo Cloud to "
        "suspend the subscriptions of Unit 8200 that contribute to mass surveillance in Gaza.</p></article></body></html>",
        encoding="utf-8",
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_ingest_dedups_skips_unreadable_and_fetches_urls(engine: Engine, tmp_path: Path, web: str) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    (tmp_path / "garbage.pdf").write_bytes(b"\x00\x01not a pdf")
    urls = tmp_path / "sources.urls"
    urls.write_text(f"# sources\n{web}/letter.html\n{web}/missing.html\n", encoding="utf-8")
    report = service.ingest(engine, [DOCS, tmp_path / "garbage.pdf", urls], "alice", use_ner=False)
    assert len(report.added) == 4
    assert {o for o, _ in report.failed} == {str(tmp_path / "garbage.pdf"), f"{web}/missing.html"}
    assert any("404" in reason for _, reason in report.failed)
    assert "org-il-unit-8200" in report.organisations
    again = service.ingest(engine, [DOCS], "alice", use_ner=False)
    assert not again.added and len(again.duplicates) == 3
    with session_scope(engine) as session:
        assert verify(session).ok


def test_corrections_survive_reextraction(engine: Engine) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    service.ingest(engine, [DOCS / "2025-09-26-lettre-ong.md"], "alice", use_ner=False)
    with session_scope(engine) as session:
        claim = session.scalars(select(ClaimRecord).where(ClaimRecord.stance == "finds")).first()
        assert claim is not None
        mention = session.scalars(select(MentionRecord).where(MentionRecord.entity_id.is_(None))).first()
        assert mention is not None
        span = (mention.start, mention.end)
        service.reject_claim(session, claim.id, "bob", "not about this provider")
        service.link_mention(session, claim.document_id, span[0], span[1], "org-il-idf", "bob")
        doc_id = claim.document_id
    service.ingest(engine, [DOCS / "2025-09-26-lettre-ong.md"], "carol", reextract=True, use_ner=False)
    with session_scope(engine) as session:
        again = session.get(ClaimRecord, claim.id)
        assert again is not None and again.rejected
        linked = session.scalars(
            select(MentionRecord).where(MentionRecord.document_id == doc_id, MentionRecord.start == span[0])
        ).one()
        assert linked.entity_id == "org-il-idf" and linked.via == "reviewer"
        with pytest.raises(service.CorrectionError):
            service.link_mention(session, doc_id, span[0], span[1], "org-nowhere", "bob")
        assert verify(session).ok


def test_allegations_keep_denials_beside(engine: Engine) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    service.ingest(engine, [DOCS], "alice", use_ner=False)
    with session_scope(engine) as session:
        found = service.allegations(session, ["org-il-unit-8200"])
    privacy = [a for a in found if a.org_id == "org-il-unit-8200" and a.harm == "privacy"]
    assert privacy and max(len(a.sources) for a in privacy) == 2
    assert any(a.first_seen == "2025-08-06" for a in privacy)

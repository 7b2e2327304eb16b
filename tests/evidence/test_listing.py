"""Documents and mentions listed a page at a time, uploads ingested as bytes, and what a file says made storable."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from vigie.demo import DATA, TERRITORIES
from vigie.evidence import read, service
from vigie.evidence.service import DocumentFilter, Upload
from vigie.register.service import import_files
from vigie.store.engine import session_scope

DOCS = DATA / "documents"


@pytest.fixture
def ingested(engine: Engine) -> Engine:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    service.ingest(engine, [DOCS], "alice", use_ner=False)
    return engine


def test_documents_are_filtered_paged_and_counted_in_the_query(ingested: Engine) -> None:
    with session_scope(ingested) as session:
        whole = service.list_documents(session)
        assert [d.published for d in whole] == ["2025-09-26", "2025-09-25", "2025-08-06"]
        assert [d.id for d in service.list_documents(session, limit=1, offset=1)] == [whole[1].id]
        for where, expected in (
            (DocumentFilter(publisher="demo ledger"), ["2025-08-06"]),
            (DocumentFilter(kind="company-statement"), ["2025-09-25"]),
            (DocumentFilter(language="fr"), ["2025-09-26"]),
            (DocumentFilter(published_from="2025-09-26"), ["2025-09-26"]),
            (DocumentFilter(published_until="2025-09-25"), ["2025-09-25", "2025-08-06"]),
            (DocumentFilter(published_from="2025", published_until="2025-08"), ["2025-08-06"]),
            (DocumentFilter(publisher="_"), []),  # LIKE's wildcards are ordinary characters
        ):
            assert [d.published for d in service.list_documents(session, where)] == expected, where
            assert service.count_documents(session, where) == len(expected)


def test_mentions_waiting_for_a_reviewer_are_listed_and_counted(ingested: Engine) -> None:
    with session_scope(ingested) as session:
        unlinked = service.list_mentions(session, unlinked=True)
        assert unlinked and all(m.kind == "organisation" and m.entity_id is None for m in unlinked)
        assert service.count_mentions(session, unlinked=True) == len(unlinked)
        one = unlinked[0].document_id
        assert {m.document_id for m in service.list_mentions(session, document_id=one, limit=3)} == {one}
        assert service.count_mentions(session) > service.count_mentions(session, unlinked=True)


def test_uploads_are_read_as_their_names_say_never_as_url_lists(engine: Engine) -> None:
    uploads = [
        Upload("../../etc/notes.md", b"---\ntitle: Notes (fictional)\n---\nA note about storage contracts."),
        Upload("sources.urls", b"http://127.0.0.1:9/never-fetched\n"),
        Upload("empty.txt", b" \n"),
    ]
    report = service.ingest(engine, [], "alice", use_ner=False, uploads=uploads)
    assert sorted(d.origin for d in report.added) == ["upload:notes.md", "upload:sources.urls"]
    assert report.failed == [("upload:empty.txt", "no readable text")]


def test_what_a_file_says_about_itself_is_made_storable() -> None:
    source = read.read_bytes(
        b"---\ntitle: \"Ti\\0tle\"\npublisher: " + b"P" * 400 + b"\nlanguage: klingon-dialect\n---\n"
        + b"x" * 70_000 + b"\x00 and the rest",
        "long.md",
        ".md",
    )
    assert "\x00" not in source.text and source.text.endswith(" and the rest")
    assert source.title == "Title"
    assert source.publisher is not None and len(source.publisher) == read.MAX_PUBLISHER
    assert source.language is None  # not a language code: detected from the text instead
    assert read.read_bytes(b"---\nlanguage: pt-BR\n---\nTexto.", "a.md", ".md").language == "pt-BR"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"---\ndate: 2025-13-45\n---\nText.", "front matter: month must be in 1..12"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n", "PDF"),
        (b"%PDF-1.4\n" + b"(" * 5000, "PDF"),
    ],
)
def test_a_malformed_file_is_unreadable_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(read.Unreadable, match=reason.replace(".", r"\.")):
        read.read_bytes(data, "bad", ".pdf" if data.startswith(b"%PDF") else ".md")

"""Extraction from documents written for these tests, in French and English, and hostile input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigie.cli import app
from vigie.evidence.extract import Extractor
from vigie.evidence.read import Unreadable, read_bytes, read_path

ENGLISH = """---
title: Transit ministry's contractor accused over protest surveillance
publisher: Rights Monitor (test)
kind: ngo
date: 2025-03-14
---
Amnesty International said on 10 March that Unit 8200 used Cumulo Speech to transcribe intercepted calls of protesters.
The provider denied that its speech recognition was used for surveillance.
On March 12, Cumulo Cloud suspended two subscriptions.
The organisation urged Cumulo Cloud to review all its contracts with the Israel Ministry of Defense.
"""

FRENCH = """Selon des sources anonymes, l'Unité 8200 a utilisé le stockage cloud de Cumulo Cloud pour surveiller des journalistes en Cisjordanie.
Le 3 février 2025, Cumulo Cloud a confirmé sa relation commerciale avec le ministère israélien de la Défense.
"""


def test_english_claims_with_stance_dates_harms_and_attribution(tmp_path: Path, rules_only: Extractor) -> None:
    path = tmp_path / "monitor.md"
    path.write_text(ENGLISH, encoding="utf-8")
    result = rules_only.extract(read_path(path))
    assert result.document.kind == "ngo" and result.document.date == "2025-03-14"
    assert result.document.language == "en"
    by_stance = {c.stance: c for c in result.claims}
    alleged = next(c for c in result.claims if "transcribe" in c.quote)
    assert "privacy" in alleged.harms and "expression-assembly" in alleged.harms
    assert alleged.date == "2025-03-10" and alleged.attributed_to == "Amnesty International"
    assert {a.entity_id for a in alleged.actors} >= {"org-il-unit-8200"}
    assert any(s.entity_id == "svc-cumulo-speech" for s in alleged.services)
    assert by_stance["denies"].harms == ("privacy",)
    assert by_stance["acts"].actions == ("suspends",) and by_stance["acts"].date == "2025-03-12"
    assert "org-il-mod" in {a.entity_id for a in by_stance["demands"].actors}


def test_french_claims(tmp_path: Path, rules_only: Extractor) -> None:
    path = tmp_path / "note.txt"
    path.write_text(FRENCH, encoding="utf-8")
    result = rules_only.extract(read_path(path))
    assert result.document.language == "fr"
    first, second = result.claims[0], result.claims[-1]
    assert first.attributed_to == "anonymous sources" and "privacy" in first.harms
    assert [p.entity_id for p in first.places] == ["west-bank"]
    assert "storage" in first.capabilities
    assert second.stance == "confirms" and second.date == "2025-02-03"
    assert second.attributed_to == "Cumulo Cloud"


def test_mixed_languages_are_read_by_the_main_language(tmp_path: Path, rules_only: Extractor) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(FRENCH * 3 + "Cumulo Cloud denied the claims.\n", encoding="utf-8")
    result = rules_only.extract(read_path(path))
    assert result.document.language == "fr"
    assert any(c.stance == "confirms" for c in result.claims)


def test_unknown_french_organisations_are_kept_unlinked(extractor: Extractor, tmp_path: Path) -> None:
    path = tmp_path / "ong.txt"
    path.write_text(
        "La Fédération internationale pour les droits humains a dénoncé la détention de militants par la police.\n",
        encoding="utf-8",
    )
    result = extractor.extract(read_path(path))
    unlinked = [m for m in result.mentions if m.kind == "organisation" and m.entity_id is None]
    assert any("Fédération internationale" in m.text for m in unlinked)


def test_broken_html_still_gives_its_text(rules_only: Extractor) -> None:
    html = b"<html><head><title>Broken page</title><body><p>Cumulo Cloud confirmed the contract<p>with no closing tags"
    source = read_bytes(html, "broken.html", ".html")
    assert "Cumulo Cloud confirmed the contract" in source.text
    assert source.title == "Broken page"
    assert rules_only.extract(source).claims[0].stance == "confirms"


def test_html_metadata_gives_title_publisher_and_date(rules_only: Extractor) -> None:
    html = """<html><head><title>Letter</title><meta property="og:site_name" content="Human Rights Watch">
    <meta name="date" content="2025-10-10"></head><body><article><h1>Letter to a provider</h1>
    <p>Human Rights Watch urged Cumulo Cloud to suspend the contracts of Unit 8200 that contribute to abuses.</p>
    <p>The organisations said mass surveillance of the population is well documented.</p></article></body></html>"""
    result = rules_only.extract(read_bytes(html.encode(), "letter.html", ".html"))
    assert result.document.publisher == "Human Rights Watch" and result.document.kind == "ngo"
    assert result.document.date == "2025-10-10"


def test_empty_and_binary_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    garbage = tmp_path / "report.pdf"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(Unreadable, match="no readable text"):
        read_path(empty)
    with pytest.raises(Unreadable, match=r"PDF|binary"):
        read_path(garbage)


def test_a_real_pdf_is_read(tmp_path: Path) -> None:
    pdf = _tiny_pdf("Cumulo Cloud suspended Unit 8200")
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    assert "Cumulo Cloud suspended Unit 8200" in read_path(path).text


def test_fifty_megabytes_of_text_are_processed(tmp_path: Path, rules_only: Extractor) -> None:
    filler = "The weather report for the harbour was calm and the ferries ran on time all week long.\n"
    claim = "Cumulo Cloud confirmed the relationship with the Israel Ministry of Defense on 3 February 2025.\n"
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(filler * ((50 * 1024 * 1024) // len(filler) + 1))
        fh.write(claim)
    assert path.stat().st_size >= 50 * 1024 * 1024
    result = rules_only.extract(read_path(path))
    assert result.claims[-1].quote == claim.strip() and result.claims[-1].stance == "confirms"


def test_extract_json_contract_needs_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    path = tmp_path / "monitor.md"
    path.write_text(ENGLISH, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(path), "--json", "--no-ner"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["document"]) >= {"title", "publisher", "kind", "date", "language", "sha256"}
    assert {"text", "start", "end", "kind", "entity_id"} <= set(data["mentions"][0])
    assert {"start", "end", "quote", "actors", "services", "harms", "places", "date", "stance", "attributed_to"} <= set(
        data["claims"][0]
    )
    assert not (tmp_path / "vigie.db").exists(), "extract must not create a database"
    # With no register, organisations are found but not linked.
    assert all(m["entity_id"] is None for m in data["mentions"] if m["kind"] == "organisation")


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF written by hand, so the test needs no PDF writer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

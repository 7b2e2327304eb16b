"""From a read document to its mentions and claims: the pure core of the evidence stage.

`vigie extract FILE --json` prints exactly what this returns; ingestion stores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlparse

from vigie.evidence import ner
from vigie.evidence.claims import Claim, extract_claims
from vigie.evidence.dates import find_dates, parse_document_date
from vigie.evidence.language import detect
from vigie.evidence.lexicon import language, languages, publisher_table
from vigie.evidence.matcher import PhraseMatcher
from vigie.evidence.mentions import Mention, RegisterNames, find_mentions
from vigie.evidence.read import Source
from vigie.evidence.text import fold

KINDS = ("un-body", "court", "ngo", "media", "company-statement", "internal", "other")
NER_LANGUAGES = ("fr",)


@dataclass(frozen=True)
class DocumentInfo:
    title: str | None
    publisher: str | None
    kind: str
    date: str | None
    language: str | None
    sha256: str
    origin: str
    url: str | None
    media_type: str

    def as_json(self) -> dict[str, object]:
        return {
            "title": self.title, "publisher": self.publisher, "kind": self.kind, "date": self.date,
            "language": self.language, "sha256": self.sha256, "origin": self.origin, "url": self.url,
        }  # fmt: skip


@dataclass
class Extraction:
    document: DocumentInfo
    text: str
    mentions: list[Mention]
    claims: list[Claim]
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "document": self.document.as_json(),
            "mentions": [m.as_json() for m in self.mentions],
            "claims": [c.as_json() for c in self.claims],
            "notes": self.notes,
        }


class Extractor:
    """Holds what every document is matched against: the register's names and the options."""

    def __init__(self, register: RegisterNames | None = None, use_ner: bool | None = None) -> None:
        names = register or RegisterNames()
        self.register: PhraseMatcher[tuple[str, str]] = names.matcher()
        self.lookup = names.lookup()
        self.use_ner = ner.enabled() if use_ner is None else use_ner

    def info(self, source: Source, kind: str | None = None) -> tuple[DocumentInfo, date | None, list[str]]:
        notes: list[str] = []
        lang = source.language or detect(source.text)
        published = parse_document_date(source.published, [lang] if lang else None) if source.published else None
        if published is None:
            # A dateline near the top, e.g. "(New York, 10 octobre 2025)".
            head = source.text[:400]
            if lang in languages():
                dated = [
                    d for d in find_dates(head, 0, len(head), language(lang), None) if d.value and len(d.value) == 10
                ]
                if dated and dated[0].value:
                    published = date.fromisoformat(dated[0].value)
                    notes.append(f"publication date taken from the dateline {dated[0].text!r}")
        table = publisher_table()
        known = table.identify(source.publisher, source.url, source.title, source.text[:600])
        publisher = source.publisher or (known[0] if known else None)
        if publisher is None and source.url:
            publisher = urlparse(source.url).hostname
        resolved_kind = kind or source.kind or (known[1] if known else "other")
        if resolved_kind not in KINDS:
            notes.append(f"unknown source kind {resolved_kind!r}; using 'other'")
            resolved_kind = "other"
        document = DocumentInfo(
            title=source.title,
            publisher=publisher,
            kind=resolved_kind,
            date=published.isoformat() if published else None,
            language=lang,
            sha256=source.sha256,
            origin=source.origin,
            url=source.url,
            media_type=source.media_type,
        )
        return document, published, notes

    def extract(self, source: Source, kind: str | None = None) -> Extraction:
        return self.extract_many([source], kind)[0]

    def extract_many(self, sources: Sequence[Source], kind: str | None = None) -> list[Extraction]:
        """Many documents at once, so the NER model runs over them in batches."""
        prepared = [self.info(s, kind) for s in sources]
        ner_spans: dict[int, list[tuple[int, int, str]]] = {}
        if self.use_ner:
            wanted = [i for i, (doc, _, _) in enumerate(prepared) if doc.language in NER_LANGUAGES]
            if wanted:
                found = ner.entities([sources[i].text for i in wanted])
                ner_spans = dict(zip(wanted, found, strict=True))
        out: list[Extraction] = []
        for i, (source, (document, published, notes)) in enumerate(zip(sources, prepared, strict=True)):
            text = source.text
            folded = fold(text)
            lang = language(document.language) if document.language in languages() else None
            if lang is None:
                notes.append(f"no extraction rules for language {document.language!r}: mentions only, no claims")
            if self.use_ner and document.language in NER_LANGUAGES and len(text) > ner.MAX_CHARS:
                notes.append(f"named entities looked for in the first {ner.MAX_CHARS:,} characters only")
            spans = ner_spans.get(i, [])
            mentions = find_mentions(text, folded, self.register, self.lookup, lang, spans)
            persons = [(s, e) for s, e, label in spans if label == "PER"]
            claims = extract_claims(text, folded, lang, mentions, published, persons) if lang else []
            out.append(Extraction(document, text, mentions, claims, notes))
        return out

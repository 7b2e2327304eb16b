"""Reading documents into text with provenance: HTML, PDF, plain text and Markdown.

A reader returns the text every offset will point into, and what the file says about itself
(title, publisher, date). Anything unreadable raises `Unreadable` with the reason, so a batch
can report it and go on.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 200 * 1024 * 1024
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES | {".pdf"}


class Unreadable(Exception):
    """The document cannot be read; the message says why."""


@dataclass(frozen=True)
class Source:
    origin: str
    media_type: str
    text: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    kind: str | None = None
    language: str | None = None

    @property
    def sha256(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    """Of the extracted text with white space folded, so a re-saved copy is the same document."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def read_path(path: Path) -> Source:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from exc
    if size > MAX_BYTES:
        raise Unreadable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    return read_bytes(data, str(path), path.suffix.lower())


def read_bytes(data: bytes, origin: str, suffix: str, content_type: str | None = None) -> Source:
    kind = _kind(data, suffix, content_type)
    if kind == "pdf":
        source = _read_pdf(data, origin)
    elif kind == "html":
        source = _read_html(_decode(data), origin)
    else:
        source = _read_text(_decode(data), origin, "text/markdown" if suffix in (".md", ".markdown") else "text/plain")
    source = storable(source)
    if not source.text.strip():
        raise Unreadable("no readable text")
    return source


MAX_PUBLISHER = 300  # the column's width
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?")


def storable(source: Source) -> Source:
    """What a file says about itself, as the database can keep it: no NUL character anywhere (PostgreSQL
    refuses them; PDFs and odd encodings leave them behind), a publisher cut to its column, and a language
    kept only when it is a language code (otherwise it is detected from the text)."""

    def clean(value: str | None) -> str | None:
        return value.replace("\x00", "") if value is not None and "\x00" in value else value

    publisher = clean(source.publisher)
    if publisher is not None and len(publisher) > MAX_PUBLISHER:
        publisher = publisher[: MAX_PUBLISHER - 1] + "…"
    language = clean(source.language)
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        language = None
    return replace(
        source, text=clean(source.text) or "", title=clean(source.title), publisher=publisher,
        published=clean(source.published), url=clean(source.url), kind=clean(source.kind), language=language,
    )  # fmt: skip


def _kind(data: bytes, suffix: str, content_type: str | None) -> str:
    ctype = (content_type or "").lower()
    if suffix == ".pdf" or "pdf" in ctype or data[:5] == b"%PDF-":
        return "pdf"
    head = data[:2048].lstrip().lower()
    if suffix in HTML_SUFFIXES or "html" in ctype or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def _decode(data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise Unreadable("binary data, not text")
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100:
        raise Unreadable("not text in a known encoding")
    return text


def _read_pdf(data: bytes, origin: str) -> Source:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except Unreadable:
        raise
    # Any of pypdf's own errors (a limit reached, a broken stream) and what a malformed file makes it raise.
    except (PyPdfError, DependencyError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError,
            AssertionError, RecursionError, ZeroDivisionError) as exc:  # fmt: skip
        raise Unreadable(f"not a readable PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    title = publisher = published = None
    if meta is not None:
        title = meta.title or None
        publisher = meta.author or None
        created = meta.get("/CreationDate")
        if isinstance(created, str) and created.startswith("D:") and len(created) >= 10:
            published = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
    return Source(origin, "application/pdf", text, title, publisher, published)


def _read_html(html: str, origin: str) -> Source:
    import trafilatura

    doc: Any = None
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_recall=True)
    except (ValueError, TypeError, AttributeError):
        doc = None
    if doc is not None and (doc.text or "").strip():
        return Source(origin, "text/html", doc.text, doc.title, doc.sitename or doc.hostname, doc.date, doc.url)
    # Broken or tiny pages: fall back to the text between tags.
    title_match = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", body)
    text = re.sub(r"[ \t]+", " ", text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return Source(origin, "text/html", text, title_match.group(1).strip() if title_match else None)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _read_text(text: str, origin: str, media_type: str) -> Source:
    """Plain text and Markdown; a YAML front matter block gives title, publisher, date, kind, url."""
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            # libyaml's loader when present: the pure-Python one costs a millisecond a document.
            loaded = yaml.load(match.group(1), Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            raise Unreadable(f"front matter is not valid YAML: {exc}") from exc
        except ValueError as exc:  # a value YAML reads as a date, but is none (`date: 2025-13-45`)
            raise Unreadable(f"front matter: {exc}") from exc
        if isinstance(loaded, dict):
            meta = loaded
            text = text[match.end() :]
    title = meta.get("title")
    if not title:
        for line in text.splitlines():
            if line.strip():
                title = _first_sentence(line.strip().lstrip("#").strip())
                break
    published = meta.get("date") or meta.get("published")
    source = Source(
        origin,
        media_type,
        text,
        str(title) if title else None,
        str(meta["publisher"]) if meta.get("publisher") else None,
        str(published) if published else None,
        str(meta["url"]) if meta.get("url") else None,
        str(meta["kind"]) if meta.get("kind") else None,
        str(meta["language"]) if meta.get("language") else None,
    )
    return source


def _first_sentence(line: str, limit: int = 200) -> str:
    match = re.search(r"[.!?](\s|$)", line)
    cut = line[: match.start() + 1] if match else line
    return cut if len(cut) <= limit else cut[:limit].rsplit(" ", 1)[0] + " …"


def with_overrides(source: Source, **values: str | None) -> Source:
    given = {k: v for k, v in values.items() if v}
    return replace(source, **given) if given else source

"""The evidence stage's service functions: ingest documents, correct what was extracted, read it back.

Every write appends to the audit log in the same transaction. Reviewers' corrections are stored
against the document's content hash and re-applied whenever the document is extracted again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Select, Table, bindparam, delete, func, select
from sqlalchemy.orm import Session, defer

from vigie import __version__
from vigie.access import Actor, require
from vigie.audit.trail import AuditTrail, Change, now_iso
from vigie.evidence import fetch
from vigie.evidence.allegations import Allegation, ClaimView, group
from vigie.evidence.claims import Claim
from vigie.evidence.extract import Extraction, Extractor
from vigie.evidence.lexicon import DATA
from vigie.evidence.mentions import Mention, RegisterNames
from vigie.evidence.read import MAX_BYTES, SUFFIXES, Source, Unreadable, read_bytes, read_path
from vigie.evidence.tables import ClaimLink, ClaimRecord, Correction, Document, MentionRecord
from vigie.register.tables import Alias, Organisation, Service
from vigie.store.bulk import insert_rows, row_maker
from vigie.store.engine import session_scope

Progress = Callable[[str, int, int], None]
BATCH = 32


@cache
def extractor_version() -> str:
    """Fingerprint of the rules: the data files and vigie's version. Stored with each document."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(DATA.rglob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def register_names(session: Session) -> RegisterNames:
    names = RegisterNames()
    for org_id, name in session.execute(select(Organisation.id, Organisation.name)):
        names.add_organisation(org_id, [name])
    for org_id, name in session.execute(select(Alias.org_id, Alias.name)):
        names.add_organisation(org_id, [name])
    for service_id, name in session.execute(select(Service.id, Service.name)):
        names.add_service(service_id, name)
    return names


# -------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Input:
    origin: str
    path: Path | None = None
    url: str | None = None
    data: bytes | None = None  # an upload's bytes (its origin is `upload:<file name>`)


@dataclass(frozen=True)
class Upload:
    """A document sent as bytes (through the API) rather than named by a path.

    It is read as the file its name says (HTML, PDF, text), never as a list of URLs to fetch: a
    client of the server must not make the server fetch arbitrary addresses.
    """

    name: str
    data: bytes

    def as_input(self) -> Input:
        return Input(f"upload:{Path(self.name).name}", data=self.data)


def collect(paths: Sequence[Path]) -> tuple[list[Input], list[tuple[str, str]]]:
    """Files, folders (recursively) and URL lists, in a stable order; missing paths are failures."""
    inputs: list[Input] = []
    failed: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.startswith("."):
                    inputs.extend(_expand(child))
        elif path.is_file():
            inputs.extend(_expand(path))
        else:
            failed.append((str(path), "no such file or folder"))
    return inputs, failed


def _expand(path: Path) -> list[Input]:
    if fetch.is_url_list(path):
        return [Input(url, url=url) for url in fetch.urls_in(path)]
    return [Input(str(path), path=path)]


def _read(item: Input) -> Source:
    if item.data is not None:
        if len(item.data) > MAX_BYTES:
            raise Unreadable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        return read_bytes(item.data, item.origin, Path(item.origin).suffix.lower())
    if item.url is not None:
        return fetch.fetch(item.url)
    assert item.path is not None
    return read_path(item.path)


# ------------------------------------------------------------------------------------------ storing


def document_id(sha256: str) -> str:
    return f"doc-{sha256[:32]}"


def claim_id(doc_id: str, start: int, end: int, stance: str) -> str:
    return f"{doc_id}:{start}-{end}:{stance}"


def _mention_json(m: Mention) -> dict[str, Any]:
    return {"text": m.text, "start": m.start, "end": m.end, "kind": m.kind, "entity_id": m.entity_id}


def _claim_values(doc_id: str, claim: Claim) -> dict[str, Any]:
    return {
        "id": claim_id(doc_id, claim.start, claim.end, claim.stance),
        "document_id": doc_id,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "stance": claim.stance,
        "actions": list(claim.actions),
        "actors": [_mention_json(a) for a in claim.actors],
        "services": [{**_mention_json(s), "capabilities": list(s.capabilities)} for s in claim.services],
        "harms": list(claim.harms),
        "places": [_mention_json(p) for p in claim.places],
        "date": claim.date,
        "attributed_to": claim.attributed_to,
        "cues": [c.__dict__ for c in claim.cues],
        "origin": "extracted",
        "rejected": False,
    }


def _link_values(
    claim: str, actors: list[dict[str, Any]], services: list[dict[str, Any]], places: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """One lookup row per organisation, service and territory a claim is about."""
    links: set[tuple[str, str]] = set()
    for actor in actors:
        if actor.get("entity_id") and actor.get("kind") == "organisation":
            links.add(("organisation", actor["entity_id"]))
    for service in services:
        if service.get("entity_id"):
            links.add(("service", service["entity_id"]))
    for place in places:
        if place.get("entity_id"):
            links.add(("territory", place["entity_id"]))
    return [{"claim_id": claim, "kind": k, "entity_id": e} for k, e in sorted(links)]


def _links(record: ClaimRecord) -> list[ClaimLink]:
    return [ClaimLink(**v) for v in _link_values(record.id, record.actors, record.services, record.places)]


def _document_values(extraction: Extraction, actor: str) -> dict[str, Any]:
    info = extraction.document
    return {
        "id": document_id(info.sha256), "sha256": info.sha256, "origin": info.origin, "url": info.url,
        "title": info.title, "publisher": info.publisher, "kind": info.kind, "published": info.date,
        "language": info.language, "media_type": info.media_type, "text": extraction.text,
        "ingested_at": now_iso(), "ingested_by": actor, "extractor": extractor_version(), "notes": extraction.notes,
    }  # fmt: skip


def _mention_values(doc_id: str, m: Mention) -> dict[str, Any]:
    return {
        "document_id": doc_id, "start": m.start, "end": m.end, "text": m.text, "kind": m.kind,
        "entity_id": m.entity_id, "via": m.via, "capabilities": list(m.capabilities),
    }  # fmt: skip


def _claim_rows(doc_id: str, extraction: Extraction) -> list[dict[str, Any]]:
    """The document's claims, one per (span, stance): the id is built from both."""
    rows: dict[str, dict[str, Any]] = {}
    for claim in extraction.claims:
        values = _claim_values(doc_id, claim)
        rows.setdefault(values["id"], values)
    return list(rows.values())


def store_extraction(session: Session, extraction: Extraction, actor: str) -> Document:
    """Store one document, replacing an earlier extraction of the same content."""
    return store_extractions(session, [extraction], actor)[0][0]


def store_extractions(session: Session, extractions: Sequence[Extraction], actor: str) -> list[tuple[Document, bool]]:
    """Store a batch of extractions; each comes back with whether it replaced an earlier one.

    New documents, the common case, go in with one multi-row insert per table, which is what lets
    ingest keep pace with the extractors; a document extracted again is replaced row by row.
    """
    ids = [document_id(e.document.sha256) for e in extractions]
    existing = set(session.scalars(select(Document.id).where(Document.id.in_(ids))))
    corrected = set(
        session.scalars(
            select(Correction.document_sha256)
            .where(Correction.document_sha256.in_([e.document.sha256 for e in extractions]))
            .distinct()
        )
    )
    before: dict[str, dict[str, Any]] = {}
    for doc_id in existing:
        replaced = session.get(Document, doc_id)
        assert replaced is not None
        before[doc_id] = _document_summary(session, replaced)
        session.execute(delete(ClaimRecord).where(ClaimRecord.document_id == doc_id))
        session.execute(delete(MentionRecord).where(MentionRecord.document_id == doc_id))
        session.delete(replaced)
    session.flush()
    documents: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    stored: list[Document] = []
    counts: dict[str, tuple[int, int]] = {}
    for extraction, doc_id in zip(extractions, ids, strict=True):
        values = _document_values(extraction, actor)
        documents.append(values)
        stored.append(Document(**values))
        mentions.extend(_mention_values(doc_id, m) for m in extraction.mentions)
        rows = _claim_rows(doc_id, extraction)
        claims.extend(rows)
        links.extend(v for r in rows for v in _link_values(r["id"], r["actors"], r["services"], r["places"]))
        counts[doc_id] = (len(extraction.mentions), len(rows))
    connection = session.connection()
    for model, rows in ((Document, documents), (MentionRecord, mentions), (ClaimRecord, claims), (ClaimLink, links)):
        if rows:
            # Straight to the driver: SQLAlchemy's per-parameter processing cost more than the inserts.
            table = cast(Table, model.__table__)
            columns = tuple(rows[0])
            make = row_maker(table, columns)
            insert_rows(connection, table, columns, [make(row) for row in rows])
    changes: list[Change] = []
    for doc, values in zip(stored, documents, strict=True):
        if doc.sha256 in corrected:
            persistent = session.get(Document, doc.id)
            assert persistent is not None
            apply_corrections(session, persistent)
            after = _document_summary(session, persistent)
        else:
            n_mentions, n_claims = counts[doc.id]
            after = _summary(values, n_mentions, n_claims)
        previous = before.get(doc.id)
        changes.append(Change("reextract" if previous else "ingest", "document", doc.id, previous, after))
    AuditTrail(session, actor).record_many(changes)
    return [(doc, doc.id in existing) for doc in stored]


_SUMMARY_KEYS = ("sha256", "origin", "title", "publisher", "kind", "published", "language", "extractor")


def _summary(values: dict[str, Any], mentions: int, claims: int) -> dict[str, Any]:
    """What the audit log keeps of a document: provenance and counts, not the text."""
    return {**{k: values[k] for k in _SUMMARY_KEYS}, "mentions": mentions, "claims": claims}


def _document_summary(session: Session, doc: Document) -> dict[str, Any]:
    claims = session.scalars(select(ClaimRecord.id).where(ClaimRecord.document_id == doc.id)).all()
    mentions = session.scalars(select(MentionRecord.id).where(MentionRecord.document_id == doc.id)).all()
    return _summary({k: getattr(doc, k) for k in _SUMMARY_KEYS}, len(mentions), len(claims))


@dataclass
class IngestReport:
    added: list[Document] = field(default_factory=list)
    reextracted: list[Document] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # origin, document id
    failed: list[tuple[str, str]] = field(default_factory=list)  # origin, reason
    # Register organisations the new evidence names, or the evidence it replaced named: their relationships may change.
    organisations: set[str] = field(default_factory=set)


def ingest(
    engine: Engine,
    paths: Sequence[Path],
    actor: str,
    kind: str | None = None,
    reextract: bool = False,
    use_ner: bool | None = None,
    progress: Progress | None = None,
    uploads: Sequence[Upload] = (),
) -> IngestReport:
    """Read, extract and store; an unreadable document is reported and the rest goes on.

    Each batch of documents is one transaction, so a crash loses at most the batch being written.
    `uploads` come after the paths, each read as the file its name says.
    """
    inputs, failed = collect(paths)
    inputs.extend(u.as_input() for u in uploads)
    report = IngestReport(failed=failed)
    with session_scope(engine) as session:
        extractor = Extractor(register_names(session), use_ner)
    seen: set[str] = set()
    for start in range(0, len(inputs), BATCH):
        batch = inputs[start : start + BATCH]
        sources: list[Source] = []
        for item in batch:
            try:
                sources.append(_read(item))
            except Unreadable as exc:
                report.failed.append((item.origin, str(exc)))
            except OSError as exc:
                report.failed.append((item.origin, f"cannot read: {exc}"))
        with session_scope(engine) as session:
            fresh: list[Source] = []
            stored = set(
                session.scalars(select(Document.id).where(Document.id.in_([document_id(s.sha256) for s in sources])))
            )
            for source in sources:
                doc_id = document_id(source.sha256)
                if doc_id in seen or (not reextract and doc_id in stored):
                    report.duplicates.append((source.origin, doc_id))
                    continue
                seen.add(doc_id)
                fresh.append(source)
            extractions = extractor.extract_many(fresh, kind)
            # A document extracted again may stop naming an organisation: its evidence changed too.
            report.organisations.update(_claimed_organisations(session, [document_id(s.sha256) for s in fresh]))
            for doc, existed in store_extractions(session, extractions, actor):
                (report.reextracted if existed else report.added).append(doc)
            for extraction in extractions:
                report.organisations.update(
                    m.entity_id for m in extraction.mentions if m.kind == "organisation" and m.entity_id
                )
        if progress:
            progress("ingesting", min(start + BATCH, len(inputs)), len(inputs))
    return report


def _claimed_organisations(session: Session, doc_ids: Sequence[str]) -> set[str]:
    """Register organisations named by the stored claims of these documents."""
    found: set[str] = set()
    for start in range(0, len(doc_ids), 1000):
        found.update(
            session.scalars(
                select(ClaimLink.entity_id)
                .join(ClaimRecord, ClaimRecord.id == ClaimLink.claim_id)
                .where(ClaimLink.kind == "organisation", ClaimRecord.document_id.in_(doc_ids[start : start + 1000]))
            )
        )
    return found


# -------------------------------------------------------------------------------------- corrections


# Who may correct what the extraction found, when a front end acts for a signed-in user (the pages, the
# API): the people who review evidence. An auditor reads and never changes; an approver decides on what
# the reviewers established. (`vigie evidence link|reject|add-claim` act as the local operator.)
REVIEWERS = ("analyst", "investigator")


def require_reviewer(actor: Actor, what: str = "correct the evidence") -> None:
    require(actor, *REVIEWERS, action=what)


class CorrectionError(Exception):
    """A correction that cannot apply: unknown document, mention, claim or organisation."""


@dataclass(frozen=True)
class Corrected:
    """A reviewer's correction, with the register organisations whose evidence it changed.

    `organisations` are those named by the claims that the correction added, rejected or changed,
    as they were before it and as they are after (a claim moved from one organisation to another
    names both): the evidence stage says what changed, as `IngestReport.organisations` does for an
    ingest, and the risk stage re-assesses their relationships (vigie/risk/incremental.py).
    """

    correction: Correction
    document_id: str
    organisations: frozenset[str]


def _named_organisations(actors: Iterable[dict[str, Any]]) -> frozenset[str]:
    return frozenset(a["entity_id"] for a in actors if a.get("entity_id") and a.get("kind") == "organisation")


def _standing(session: Session, doc_id: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Each claim of a document that counts (not rejected): what it says, and the organisations it names.

    What it says is compared as canonical JSON, so that any correction, of any field, shows as a change.
    """
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for record in session.scalars(select(ClaimRecord).where(ClaimRecord.document_id == doc_id)):
        if record.rejected:
            continue
        said = [record.stance, record.actions, record.actors, record.services, record.harms, record.places,
                record.date, record.attributed_to, record.start, record.end]  # fmt: skip
        out[record.id] = (json.dumps(said, sort_keys=True, default=str), _named_organisations(record.actors))
    return out


def _record_correction(
    session: Session, doc: Document, action: str, start: int, end: int, payload: dict[str, Any], actor: str,
    note: str | None,
) -> Corrected:  # fmt: skip
    before = _standing(session, doc.id)
    correction = Correction(
        document_sha256=doc.sha256, action=action, start=start, end=end, payload=payload, actor=actor, at=now_iso(),
        note=note,
    )  # fmt: skip
    session.add(correction)
    session.flush()
    AuditTrail(session, actor).record(
        action, "correction", str(correction.id), None,
        {"document": doc.id, "start": start, "end": end, **payload, "note": note},
    )  # fmt: skip
    apply_corrections(session, doc)
    after = _standing(session, doc.id)
    organisations: set[str] = set()
    for claim in before.keys() | after.keys():
        was, now = before.get(claim), after.get(claim)
        if was != now:
            organisations.update(was[1] if was else (), now[1] if now else ())
    return Corrected(correction, doc.id, frozenset(organisations))


def link_mention(
    session: Session, doc_id: str, start: int, end: int, org_id: str, actor: str, note: str | None = None
) -> Corrected:
    doc = _document(session, doc_id)
    if session.get(Organisation, org_id) is None:
        raise CorrectionError(f"no organisation {org_id!r} in the register")
    found = session.scalars(
        select(MentionRecord).where(
            MentionRecord.document_id == doc_id, MentionRecord.start == start, MentionRecord.end == end
        )
    ).first()
    if found is None:
        raise CorrectionError(f"{doc_id} has no mention at {start}-{end}")
    return _record_correction(session, doc, "link-mention", start, end, {"org_id": org_id}, actor, note)


def reject_claim(session: Session, claim: str, actor: str, note: str | None = None) -> Corrected:
    record = session.get(ClaimRecord, claim)
    if record is None:
        raise CorrectionError(f"no claim {claim!r}")
    doc = _document(session, record.document_id)
    payload = {"stance": record.stance}
    return _record_correction(session, doc, "reject-claim", record.start, record.end, payload, actor, note)


def add_claim(
    session: Session,
    doc_id: str,
    start: int,
    end: int,
    stance: str,
    actor: str,
    harms: Sequence[str] = (),
    org_ids: Sequence[str] = (),
    service_ids: Sequence[str] = (),
    territory_ids: Sequence[str] = (),
    date: str | None = None,
    attributed_to: str | None = None,
    note: str | None = None,
) -> Corrected:
    from vigie.evidence.lexicon import STANCES, harm_taxonomy

    doc = _document(session, doc_id)
    if not 0 <= start < end <= len(doc.text):
        raise CorrectionError(f"offsets {start}-{end} are outside the document (0-{len(doc.text)})")
    if stance not in STANCES:
        raise CorrectionError(f"stance must be one of {', '.join(STANCES)}")
    unknown = [h for h in harms if h not in harm_taxonomy()]
    if unknown:
        raise CorrectionError(f"unknown harms {unknown}; known: {', '.join(harm_taxonomy())}")
    for org in org_ids:
        if session.get(Organisation, org) is None:
            raise CorrectionError(f"no organisation {org!r} in the register")
    payload = {
        "stance": stance, "harms": list(harms), "org_ids": list(org_ids), "service_ids": list(service_ids),
        "territory_ids": list(territory_ids), "date": date, "attributed_to": attributed_to,
    }  # fmt: skip
    return _record_correction(session, doc, "add-claim", start, end, payload, actor, note)


def apply_corrections(session: Session, doc: Document) -> None:
    """Re-apply, in order, every correction made to this document's content."""
    corrections = session.scalars(
        select(Correction).where(Correction.document_sha256 == doc.sha256).order_by(Correction.id)
    ).all()
    for correction in corrections:
        if correction.action == "link-mention":
            _apply_link(session, doc, correction)
        elif correction.action == "reject-claim":
            for record in session.scalars(
                select(ClaimRecord).where(
                    ClaimRecord.document_id == doc.id,
                    ClaimRecord.start == correction.start,
                    ClaimRecord.end == correction.end,
                    ClaimRecord.stance == correction.payload.get("stance"),
                )
            ):
                record.rejected = True
        elif correction.action == "add-claim":
            _apply_added_claim(session, doc, correction)
    session.flush()


def _apply_link(session: Session, doc: Document, correction: Correction) -> None:
    org_id = correction.payload["org_id"]
    for mention in session.scalars(
        select(MentionRecord).where(
            MentionRecord.document_id == doc.id,
            MentionRecord.start == correction.start,
            MentionRecord.end == correction.end,
        )
    ):
        mention.kind, mention.entity_id, mention.via = "organisation", org_id, "reviewer"
    for record in session.scalars(
        select(ClaimRecord).where(
            ClaimRecord.document_id == doc.id,
            ClaimRecord.start <= correction.start,
            ClaimRecord.end >= correction.end,
        )
    ):
        changed = False
        actors = []
        for actor in record.actors:
            if actor.get("start") == correction.start and actor.get("end") == correction.end:
                actor = {**actor, "entity_id": org_id, "kind": "organisation"}
                changed = True
            actors.append(actor)
        if changed:
            record.actors = actors
            session.execute(delete(ClaimLink).where(ClaimLink.claim_id == record.id))
            session.add_all(_links(record))


def _apply_added_claim(session: Session, doc: Document, correction: Correction) -> None:
    p = correction.payload
    cid = claim_id(doc.id, correction.start, correction.end, p["stance"]) + ":reviewer"
    if session.get(ClaimRecord, cid) is not None:
        return
    record = ClaimRecord(
        id=cid,
        document_id=doc.id,
        start=correction.start,
        end=correction.end,
        quote=doc.text[correction.start : correction.end],
        stance=p["stance"],
        actions=[],
        actors=[{"text": o, "entity_id": o, "kind": "organisation"} for o in p.get("org_ids", [])],
        services=[{"text": s, "entity_id": s, "capabilities": []} for s in p.get("service_ids", [])],
        harms=list(p.get("harms", [])),
        places=[{"text": t, "entity_id": t} for t in p.get("territory_ids", [])],
        date=p.get("date"),
        attributed_to=p.get("attributed_to"),
        cues=[
            {"kind": "reviewer", "value": correction.actor, "text": correction.note or "", "start": correction.start}
        ],
        origin="reviewer",
        rejected=False,
    )
    session.add(record)
    session.flush()
    session.add_all(_links(record))


def _document(session: Session, doc_id: str) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        doc = session.scalars(select(Document).where(Document.id.startswith(doc_id))).first()
    if doc is None:
        raise CorrectionError(f"no document {doc_id!r}")
    return doc


# ------------------------------------------------------------------------------------------ reading


def find_document(session: Session, doc_id: str) -> Document | None:
    try:
        return _document(session, doc_id)
    except CorrectionError:
        return None


def claim_views(
    session: Session, org_ids: Iterable[str] | None = None, include_rejected: bool = False
) -> Iterator[tuple[ClaimRecord, Document]]:
    query = select(ClaimRecord, Document).join(Document, Document.id == ClaimRecord.document_id)
    if org_ids is not None:
        wanted = list(org_ids)
        linked = select(ClaimLink.claim_id).where(ClaimLink.kind == "organisation", ClaimLink.entity_id.in_(wanted))
        query = query.where(ClaimRecord.id.in_(linked))
    if not include_rejected:
        query = query.where(ClaimRecord.rejected.is_(False))
    yield from session.execute(query.order_by(ClaimRecord.document_id, ClaimRecord.start))


def view_of(record: ClaimRecord, doc: Document) -> ClaimView:
    services = [s["entity_id"] for s in record.services if s.get("entity_id")]
    services += [f"capability:{c}" for s in record.services for c in s.get("capabilities", [])]
    return ClaimView(
        claim_id=record.id,
        document_id=doc.id,
        publisher=doc.publisher,
        kind=doc.kind,
        when=record.date or doc.published,
        stance=record.stance,
        quote=record.quote,
        org_ids=tuple(
            sorted({a["entity_id"] for a in record.actors if a.get("entity_id") and a.get("kind") == "organisation"})
        ),
        services=tuple(sorted(set(services))),
        harms=tuple(record.harms),
    )


def allegations(session: Session, org_ids: Iterable[str] | None = None) -> list[Allegation]:
    return group(view_of(r, d) for r, d in claim_views(session, org_ids))


@dataclass(frozen=True)
class EvidenceAbout:
    """The claims naming an organisation with their documents (by document, then position), and the
    allegations grouped from those same claims."""

    claims: list[tuple[ClaimRecord, Document]]
    allegations: list[Allegation]


# Built once (composing a select costs about as much as running a small one). The documents' texts are left
# out: they are most of a document's row and a list of claims shows none; touching one raises rather than
# loading it row by row.
_CLAIMS_ABOUT = (
    select(ClaimRecord, Document)
    .join(Document, Document.id == ClaimRecord.document_id)
    .where(
        ClaimRecord.id.in_(
            select(ClaimLink.claim_id).where(
                ClaimLink.kind == "organisation", ClaimLink.entity_id == bindparam("org_id")
            )
        ),
        ClaimRecord.rejected.is_(False),
    )
    .options(defer(Document.text, raiseload=True))
    .order_by(ClaimRecord.document_id, ClaimRecord.start)
)


def evidence_about(session: Session, org_id: str) -> EvidenceAbout:
    """What `claim_views` and `allegations` give for one organisation, from one read of its claims."""
    claims = [(record, doc) for record, doc in session.execute(_CLAIMS_ABOUT, {"org_id": org_id})]
    return EvidenceAbout(claims, group(view_of(r, d) for r, d in claims))


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents a list shows: publisher (part of its name, any case), kind, language, and dates
    of publication from and until (ISO dates compared as text, so `2025-09` starts September)."""

    publisher: str | None = None
    kind: str | None = None
    language: str | None = None
    published_from: str | None = None
    published_until: str | None = None

    def apply(self, query: Select[Document]) -> Select[Document]:
        if self.publisher:
            query = query.where(Document.publisher.ilike(f"%{_like_escaped(self.publisher)}%", escape="\\"))
        if self.kind:
            query = query.where(Document.kind == self.kind)
        if self.language:
            query = query.where(Document.language == self.language)
        if self.published_from:
            query = query.where(Document.published >= self.published_from)
        if self.published_until:
            query = query.where(Document.published <= _period_end(self.published_until))
        return query


def _period_end(value: str) -> str:
    """The last day of a year or month as text (`2025` → `2025-12-31`, `2025-09` → `2025-09-31`): a bound that
    keeps every date of the period, whatever precision a document's date has."""
    return value + "-12-31"[len(value) - 4 :] if len(value) < 10 else value


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_documents(
    session: Session, where: DocumentFilter = DocumentFilter(), limit: int | None = None, offset: int = 0
) -> list[Document]:
    """Newest first (undated last), without their text: a page is cut in the query."""
    query = (
        where.apply(select(Document))
        .options(defer(Document.text))
        .order_by(Document.published.desc().nulls_last(), Document.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_documents(session: Session, where: DocumentFilter = DocumentFilter()) -> int:
    return int(session.scalar(select(func.count()).select_from(where.apply(select(Document)).subquery())) or 0)


def document_mentions(session: Session, doc_id: str) -> list[MentionRecord]:
    return list(
        session.scalars(
            select(MentionRecord)
            .where(MentionRecord.document_id == doc_id)
            .order_by(MentionRecord.start, MentionRecord.end, MentionRecord.id)
        )
    )


def document_claims(session: Session, doc_id: str) -> list[ClaimRecord]:
    """Every claim of a document, rejected ones included (they stay visible, struck out)."""
    return list(
        session.scalars(
            select(ClaimRecord).where(ClaimRecord.document_id == doc_id).order_by(ClaimRecord.start, ClaimRecord.id)
        )
    )


def _mentions_query(unlinked: bool, document_id: str | None) -> Select[MentionRecord]:
    query = select(MentionRecord)
    if unlinked:
        query = query.where(MentionRecord.kind == "organisation", MentionRecord.entity_id.is_(None))
    if document_id is not None:
        query = query.where(MentionRecord.document_id == document_id)
    return query


def list_mentions(
    session: Session, unlinked: bool = False, document_id: str | None = None, limit: int | None = None, offset: int = 0
) -> list[MentionRecord]:
    """Mentions across documents; `unlinked` keeps the organisations no register entry is linked to yet."""
    query = (
        _mentions_query(unlinked, document_id)
        .order_by(MentionRecord.document_id, MentionRecord.start, MentionRecord.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_mentions(session: Session, unlinked: bool = False, document_id: str | None = None) -> int:
    return int(session.scalar(select(func.count()).select_from(_mentions_query(unlinked, document_id).subquery())) or 0)

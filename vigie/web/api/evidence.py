"""/api/v1/documents, /claims, /mentions and /allegations: the evidence stage, read and corrected.

Corrections and uploads go through the same operations as `vigie evidence link|reject|add-claim` and
`vigie ingest` (vigie.risk.incremental), so the relationships they touch are re-assessed with them.
They need a reviewer (analyst or investigator: `vigie.evidence.service.require_reviewer`); anyone
signed in reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from vigie.evidence import service
from vigie.evidence.allegations import Allegation
from vigie.evidence.extract import KINDS
from vigie.evidence.lexicon import publisher_table
from vigie.evidence.read import MAX_BYTES
from vigie.evidence.service import Corrected, DocumentFilter, Upload, require_reviewer
from vigie.evidence.tables import ClaimRecord, Document
from vigie.risk import incremental
from vigie.risk.service import ReassessReport
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import (
    PARTIAL_DATE,
    AddClaimIn,
    AllegationOut,
    ClaimOut,
    CorrectedOut,
    CorrectionOut,
    DenialOut,
    DocumentOut,
    DocumentSummary,
    IngestedOut,
    LinkMentionIn,
    MentionOut,
    ReassessedOut,
    RejectClaimIn,
)

router = APIRouter(tags=["evidence"], responses=ERRORS)

MAX_UPLOADS = 100  # documents in one request; more is a batch for `vigie ingest`


def reassessed(report: ReassessReport | None) -> ReassessedOut | None:
    return ReassessedOut(**asdict(report)) if report is not None else None


@router.get("/documents", response_model=Page[DocumentSummary])
def list_documents(
    caller: CallerDep,
    paging: PagingDep,
    publisher: Annotated[str | None, Query(max_length=300, description="Part of the publisher's name")] = None,
    kind: Annotated[str | None, Query(max_length=30, description=", ".join(KINDS))] = None,
    language: Annotated[str | None, Query(max_length=8, description="e.g. fr, en")] = None,
    published_from: Annotated[
        str | None, Query(pattern=PARTIAL_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD: published then or later")
    ] = None,
    published_until: Annotated[
        str | None, Query(pattern=PARTIAL_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD: published then or before")
    ] = None,
) -> Page[DocumentSummary]:
    """Ingested documents with their provenance, newest first (`vigie evidence documents`)."""
    where = DocumentFilter(publisher, kind, language, published_from, published_until)
    with caller.unit() as (session, _actor):
        rows = service.list_documents(session, where, paging.limit, paging.offset)
        total = service.count_documents(session, where)
        return page_of([DocumentSummary.model_validate(d) for d in rows], paging, total)


def _document(session: Session, doc_id: str) -> Document:
    """By its whole id (the CLI also takes a prefix; an API client has the id from a list)."""
    doc = session.get(Document, doc_id)
    if doc is None:
        raise LookupError(f"doc_id: no document {doc_id!r}")
    return doc


@router.get("/documents/{doc_id}", response_model=DocumentOut)
def get_document(caller: CallerDep, doc_id: str) -> DocumentOut:
    """A document with its text, its mentions and its claims (rejected ones too, marked), offsets into the text."""
    with caller.unit() as (session, _actor):
        doc = _document(session, doc_id)
        return DocumentOut(
            **DocumentSummary.model_validate(doc).model_dump(),
            text=doc.text,
            notes=list(doc.notes or []),
            extractor=doc.extractor,
            mentions=[MentionOut.model_validate(m) for m in service.document_mentions(session, doc.id)],
            claims=[ClaimOut.model_validate(c) for c in service.document_claims(session, doc.id)],
        )


@router.post("/documents", response_model=IngestedOut, status_code=201)
def ingest(
    caller: CallerDep,
    files: Annotated[list[UploadFile], File(description="HTML, PDF, text or Markdown documents")],
    kind: Annotated[str | None, Form(description=f"Source kind for all of them: {', '.join(KINDS)}")] = None,
    reextract: Annotated[bool, Form(description="Extract again documents already ingested")] = False,
    ner: Annotated[bool, Form(description="Use spaCy's French model for organisations the register lacks")] = True,
    assess: Annotated[bool, Form(description="Re-assess the relationships the new evidence touches")] = True,
) -> IngestedOut:
    """Ingest uploaded documents (`vigie ingest`): each is read as its file name says, never as a URL list.

    An unreadable document is listed under `failed` and the others go on; a document already there
    (the same text) is listed under `duplicates`.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    if len(files) > MAX_UPLOADS:
        raise ValueError(f"files: at most {MAX_UPLOADS} documents in one request, got {len(files)}")
    with caller.unit() as (_session, actor):
        require_reviewer(actor, "ingest documents")
    uploads = [Upload(_upload_name(f), _read_upload(f)) for f in files]
    report, again = incremental.ingest(
        caller.engine, [], actor.name, caller.reassessor(actor) if assess else None, kind, reextract, ner,
        uploads=uploads,
    )  # fmt: skip
    return IngestedOut(
        added=[DocumentSummary.model_validate(d) for d in report.added],
        reextracted=[DocumentSummary.model_validate(d) for d in report.reextracted],
        duplicates=[{"origin": o, "document": d} for o, d in report.duplicates],
        failed=[{"origin": o, "reason": r} for o, r in report.failed],
        reassessed=reassessed(again),
    )


def _upload_name(upload: UploadFile) -> str:
    name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    return name[:200] or "upload"


def _read_upload(upload: UploadFile) -> bytes:
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"files: {_upload_name(upload)} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


@router.get("/mentions", response_model=Page[MentionOut])
def list_mentions(
    caller: CallerDep,
    paging: PagingDep,
    unlinked: Annotated[bool, Query(description="Only organisations not linked to the register")] = False,
    document: Annotated[str | None, Query(max_length=40, description="Only in this document")] = None,
) -> Page[MentionOut]:
    """Mentions across documents; `unlinked=true` is the reviewers' queue (`vigie evidence mentions --unlinked`)."""
    with caller.unit() as (session, _actor):
        rows = service.list_mentions(session, unlinked, document, paging.limit, paging.offset)
        total = service.count_mentions(session, unlinked, document)
        return page_of([MentionOut.model_validate(m) for m in rows], paging, total)


@router.get("/allegations", response_model=Page[AllegationOut])
def list_allegations(
    caller: CallerDep,
    paging: PagingDep,
    org: Annotated[str | None, Query(max_length=200, description="Only this organisation id")] = None,
    service_id: Annotated[
        str | None, Query(alias="service", max_length=200, description="Only this service id or `capability:<tag>`")
    ] = None,
    harm: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[AllegationOut]:
    """Claims grouped per relationship — organisation × service × harm — with their sources and the denials
    beside them (`vigie evidence allegations`). They are grouped as they are read, so the page is cut after."""
    with caller.unit() as (session, _actor):
        found = [
            a
            for a in service.allegations(session, [org] if org else None)
            if (service_id is None or a.service == service_id) and (harm is None or a.harm == harm)
        ]
        page = [_allegation_out(a) for a in found[paging.offset : paging.offset + paging.limit]]
        return page_of(page, paging, len(found))


def _allegation_out(a: Allegation) -> AllegationOut:
    return AllegationOut(
        key=f"{a.org_id}/{a.service}/{a.harm}", organisation=a.org_id, service=a.service, harm=a.harm,
        independent_sources=len(a.sources), sources=a.sources,
        strongest_source_kind=a.strongest_kind(publisher_table().strength), first_seen=a.first_seen,
        last_seen=a.last_seen, claims=[c.claim_id for c in a.claims],
        denials=[DenialOut(claim=d.claim_id, quote=d.quote, publisher=d.publisher) for d in a.denials],
    )  # fmt: skip


def _correct(caller: CallerDep, what: str, change: Callable[[Session, str], Corrected]) -> CorrectedOut:
    """A reviewer's correction and the re-assessment of what it changed, in one transaction."""
    with caller.unit() as (session, actor):
        require_reviewer(actor, what)
        done, again = incremental.correct(session, caller.reassessor(actor), lambda s: change(s, actor.name))
        return CorrectedOut(
            correction=CorrectionOut.model_validate(done.correction),
            document_id=done.document_id,
            organisations=sorted(done.organisations),
            reassessed=reassessed(again),
        )


@router.post("/documents/{doc_id}/links", response_model=CorrectedOut, status_code=201)
def link_mention(caller: CallerDep, doc_id: str, body: LinkMentionIn) -> CorrectedOut:
    """Link the mention at `start`-`end` to a register organisation; it is applied again on every re-extraction."""

    def change(session: Session, who: str) -> Corrected:
        doc = _document(session, doc_id)
        return service.link_mention(session, doc.id, body.start, body.end, body.org_id, who, body.note)

    return _correct(caller, "link a mention", change)


@router.post("/documents/{doc_id}/claims", response_model=CorrectedOut, status_code=201)
def add_claim(caller: CallerDep, doc_id: str, body: AddClaimIn) -> CorrectedOut:
    """Add a claim by hand, quoting the document by offsets."""

    def change(session: Session, who: str) -> Corrected:
        doc = _document(session, doc_id)
        return service.add_claim(
            session, doc.id, body.start, body.end, body.stance, who, body.harms, body.org_ids, body.service_ids,
            body.territory_ids, body.date, body.attributed_to, body.note,
        )  # fmt: skip

    return _correct(caller, "add a claim", change)


@router.post("/claims/{claim_id}/reject", response_model=CorrectedOut, status_code=201)
def reject_claim(caller: CallerDep, claim_id: str, body: RejectClaimIn | None = None) -> CorrectedOut:
    """Reject a wrong claim: it stays visible, marked rejected, and stops counting."""

    def change(session: Session, who: str) -> Corrected:
        if session.get(ClaimRecord, claim_id) is None:
            raise LookupError(f"claim_id: no claim {claim_id!r}")
        return service.reject_claim(session, claim_id, who, body.note if body else None)

    return _correct(caller, "reject a claim", change)

"""/api/v1/cases: investigations, on a need-to-know basis (vigie.cases.service enforces membership).

Anyone signed in sees that a case exists, its status and when it was opened; members (and auditors)
read what is in it; members with the investigator role add evidence, interviews and findings; leads
and admins manage members. Interviews, file names and notes are sealed with the server's secret key,
as the CLI seals them; a route that needs the key answers 503 when the server has none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.cases import service
from vigie.cases.membership import require_read
from vigie.cases.tables import Case, EvidenceItem
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import (
    CaseListingOut,
    CaseOpen,
    CaseOut,
    CaseRecordOut,
    CloseIn,
    CustodyEventOut,
    CustodyOut,
    DocumentItemIn,
    FindingIn,
    FindingOut,
    InterviewIn,
    InterviewRecordOut,
    ItemOpenedOut,
    ItemOut,
    MemberIn,
    MemberOut,
)

router = APIRouter(prefix="/cases", tags=["cases"], responses=ERRORS)


@router.get("", response_model=Page[CaseListingOut])
def list_cases(
    caller: CallerDep, paging: PagingDep, status: Annotated[str | None, Query(max_length=20)] = None
) -> Page[CaseListingOut]:
    """Every case's existence and status; title and organisation only where the caller may read the case."""
    with caller.unit() as (session, actor):
        found = service.list_cases(session, actor, status, paging.limit, paging.offset)
        total = service.count_cases(session, status)
        return page_of([CaseListingOut.model_validate(c) for c in found], paging, total)


@router.post("", response_model=CaseRecordOut, status_code=201)
def open_case(caller: CallerDep, body: CaseOpen) -> CaseRecordOut:
    """Open a case on an allegation, on a relationship's current assessment, or by hand; the caller is its lead
    (analyst or investigator role)."""
    if body.allegation and body.assessment:
        raise ValueError("allegation, assessment: give one of them, not both")
    with caller.unit() as (session, actor):
        if body.allegation:
            case = service.open_from_allegation(session, actor, body.allegation, body.title)
        elif body.assessment:
            case = service.open_from_assessment(session, actor, body.assessment, body.title)
        else:
            if not body.title:
                raise ValueError("title: a case opened by hand needs a title")
            case = service.open_case(
                session, actor, body.title, org_id=body.org_id, subscription_ids=body.subscription_ids,
                summary=body.summary,
            )  # fmt: skip
        return CaseRecordOut.model_validate(case)


@router.get("/{case_id}", response_model=CaseOut)
def show_case(caller: CallerDep, case_id: str) -> CaseOut:
    """A case's members, evidence items, findings and decisions: for its members and auditors (403 otherwise,
    saying that the case exists). Reading it is recorded in the audit log."""
    with caller.unit(records_reading=True) as (session, actor):
        keys = caller.sealer(required=False)
        try:
            view = service.show_case(session, actor, case_id, keys)
        except AccessDenied as exc:
            stub = service.case_stub(session, case_id)
            raise AccessDenied(f"case {stub.id} exists ({stub.status}, opened {stub.opened_on}); {exc}") from None
        return CaseOut.model_validate(view)


@router.post("/{case_id}/close", response_model=CaseRecordOut)
def close_case(caller: CallerDep, case_id: str, body: CloseIn) -> CaseRecordOut:
    """Close a case (its leads or an admin); it stays readable by its members and auditors."""
    with caller.unit() as (session, actor):
        return CaseRecordOut.model_validate(service.close_case(session, actor, case_id, body.note))


# ------------------------------------------------------------------------------------------ members


@router.post("/{case_id}/members", response_model=MemberOut, status_code=201)
def add_member(caller: CallerDep, case_id: str, body: MemberIn) -> MemberOut:
    """Give a user need-to-know access to the case (its leads or an admin)."""
    with caller.unit() as (session, actor):
        member = service.add_member(session, actor, case_id, body.user, body.role)
        return MemberOut(name=body.user, role=member.role, added_at=member.added_at, added_by=member.added_by)


@router.delete("/{case_id}/members/{user}", status_code=204)
def remove_member(caller: CallerDep, case_id: str, user: str) -> Response:
    """Take a user off the case (its leads or an admin); what they did stays in the record."""
    with caller.unit() as (session, actor):
        service.remove_member(session, actor, case_id, user)
    return Response(status_code=204)


# ------------------------------------------------------------------------------------------ evidence


@router.post("/{case_id}/documents", response_model=ItemOut, status_code=201)
def add_document(caller: CallerDep, case_id: str, body: DocumentItemIn) -> ItemOut:
    """An evidence-stage document as evidence in the case; its SHA-256 is the document's content hash."""
    with caller.unit() as (session, actor):
        keys = caller.sealer(required=body.note is not None)
        item = service.add_document(session, actor, case_id, body.document_id, body.note, keys)
        return _item_out(item)


@router.post("/{case_id}/files", response_model=ItemOut, status_code=201)
def add_file(
    caller: CallerDep,
    case_id: str,
    file: Annotated[UploadFile, File(description="Stored sealed, named by the SHA-256 of its content")],
    note: Annotated[str | None, Form(max_length=4000, description="A description (sealed)")] = None,
) -> ItemOut:
    """Upload a file as evidence: sealed into the content-addressed store; its name and note are sealed too."""
    data = file.file.read(service.MAX_FILE + 1)
    name = (file.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    with caller.unit() as (session, actor):
        keys = caller.required_sealer()
        item = service.add_file(session, actor, case_id, name, data, caller.files(), keys, note)
        return _item_out(item)


@router.post("/{case_id}/interviews", response_model=ItemOut, status_code=201)
def add_interview(caller: CallerDep, case_id: str, body: InterviewIn) -> ItemOut:
    """Record an interview (members with the investigator role). Who was interviewed and what they said are
    sealed with the server's key; the database keeps the date, the interviewer and a SHA-256 of the record."""
    with caller.unit() as (session, actor):
        keys = caller.required_sealer()
        item = service.add_interview(
            session, actor, case_id, keys, interviewee=body.interviewee, text=body.text,
            conducted_on=body.conducted_on, affiliation=body.affiliation, consent=body.consent,
        )  # fmt: skip
        return _item_out(item)


def _item_out(item: EvidenceItem) -> ItemOut:
    return ItemOut(
        id=item.id, kind=item.kind, sha256=item.sha256, size=item.size, document_id=item.document_id,
        sealed=item.label_sealed is not None, added_at=item.added_at, added_by=item.added_by, label=None,
    )  # fmt: skip


def _in_case(session: Session, actor: Actor, case_id: str, item_id: str) -> EvidenceItem:
    """An item is addressed through its case, which the caller must be allowed to read before anything is said
    about the item; another case's item is not found here."""
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"case_id: no case with id {case_id!r}")
    require_read(session, actor, case)
    item = session.get(EvidenceItem, item_id)
    if item is None or item.case_id != case_id:
        raise LookupError(f"item_id: case {case_id} has no evidence item {item_id!r}")
    return item


@router.get("/{case_id}/items/{item_id}", response_model=ItemOpenedOut)
def open_item(caller: CallerDep, case_id: str, item_id: str) -> ItemOpenedOut:
    """Open an evidence item (members and auditors): a document's text, or an interview record decrypted with
    the server's key; a file's bytes are at `.../download`. Recorded in the item's chain of custody."""
    with caller.unit(records_reading=True) as (session, actor):
        keys = caller.sealer(required=False)
        if _in_case(session, actor, case_id, item_id).kind == "file":
            # Its bytes only leave through the download, which custody records as an export.
            view, _events = service.custody_history(session, actor, item_id)
            return ItemOpenedOut(
                item=ItemOut.model_validate(view), media_type="application/octet-stream", text=None, interview=None,
                download=f"/api/v1/cases/{case_id}/items/{item_id}/download",
            )  # fmt: skip
        content = service.view_item(session, actor, item_id, keys, caller.files())
        return ItemOpenedOut(
            item=ItemOut.model_validate(content.item),
            media_type=content.media_type,
            text=content.content.decode("utf-8", "replace") if content.interview is None else None,
            interview=InterviewRecordOut.model_validate(content.interview) if content.interview else None,
            download=None,
        )


@router.get(
    "/{case_id}/items/{item_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The item's bytes, decrypted"}},
)
def download_item(caller: CallerDep, case_id: str, item_id: str) -> Response:
    """Take an evidence item out of vigie, decrypted (members and auditors); custody records it as an export."""
    with caller.unit(records_reading=True) as (session, actor):
        keys = caller.sealer(required=False)
        _in_case(session, actor, case_id, item_id)
        content = service.export_item(session, actor, item_id, f"API download by {actor.name}", keys, caller.files())
        return Response(
            content.content,
            media_type=content.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{item_id}"',
                "X-Content-SHA256": content.item.sha256,
            },
        )


@router.get("/{case_id}/items/{item_id}/custody", response_model=CustodyOut)
def custody(caller: CallerDep, case_id: str, item_id: str) -> CustodyOut:
    """The chain of custody of an evidence item: who added, viewed and exported it, when, and its hash then."""
    with caller.unit() as (session, actor):
        _in_case(session, actor, case_id, item_id)
        item, events = service.custody_history(session, actor, item_id)
        return CustodyOut(item=ItemOut.model_validate(item), events=[CustodyEventOut.model_validate(e) for e in events])


# ------------------------------------------------------------------------------------------ findings


@router.post("/{case_id}/findings", response_model=FindingOut, status_code=201)
def record_finding(caller: CallerDep, case_id: str, body: FindingIn) -> FindingOut:
    """A finding on one allegation; a later finding on the same allegation supersedes it (both stay)."""
    with caller.unit() as (session, actor):
        found = service.record_finding(
            session, actor, case_id, body.allegation, body.conclusion, body.rationale, body.evidence_item_ids
        )
        return FindingOut.model_validate(found)

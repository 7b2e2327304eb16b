"""Cases: open one (from a relationship's assessment, an allegation, or by hand), and work inside it.

Need to know is the cases stage's (vigie.cases.membership): anyone signed in sees that a case
exists, its status and when it was opened; its members and auditors read it; members with the
investigator role add evidence, interviews and findings; leads (and admins) manage members and
close it. A page never decides this itself: it calls the service, and shows a refusal as the
service words it. Interviews are sealed with the configured key, as `vigie case add-interview` seals them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.access.service import list_users
from vigie.cases import service as cases
from vigie.cases.membership import MEMBER_ROLES, Standing, may_manage, may_read, may_write
from vigie.cases.tables import Case, EvidenceItem
from vigie.evidence import service as evidence
from vigie.evidence.tables import Document
from vigie.web.pages.render import (
    form_checked,
    many,
    redirect,
    render,
    signed_in,
    status_of,
    upload_checked,
)
from vigie.web.pages.resources import file_store, required_sealer, sealer

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

# The largest file a browser may upload: the whole file is sealed in memory. Larger evidence is added
# with `vigie case add-evidence --file`, which takes up to vigie.cases.service.MAX_FILE.
MAX_UPLOAD = 64 * 1024 * 1024


# ------------------------------------------------------------------------------------------ listing


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, status: str = "") -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "cases.html", _list_context(session, actor, status), actor)


def _list_context(session: Session, actor: Actor, status: str, error: str | None = None,
                  values: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    found = cases.list_cases(session, actor, status or None)
    return {"cases": found[::-1], "status": status, "error": error, "values": values or {},
            "may_open": actor.has("analyst") or actor.has("investigator")}  # fmt: skip


async def _open(request: Request, how: Callable[[Session, Actor, dict[str, str]], Case]) -> Response:
    values = await form_checked(request)
    try:
        with signed_in(request) as (session, actor):
            case = how(session, actor, values)
            case_id = case.id
    except (ValueError, LookupError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            context = _list_context(session, actor, "", str(exc), values)
            return render(request, "cases.html", context, actor, status=status_of(exc))
    return redirect(request, f"/cases/{case_id}", f"Case {case_id} opened; you are its lead.")


@router.post("/cases", response_class=HTMLResponse)
async def open_by_hand(request: Request) -> Response:
    def how(session: Session, actor: Actor, values: dict[str, str]) -> Case:
        return cases.open_case(
            session, actor, values.get("title", ""), org_id=values.get("org", "").strip() or None,
            subscription_ids=many(values.get("subscriptions")), summary=values.get("summary") or None,
        )  # fmt: skip

    return await _open(request, how)


@router.post("/cases/from-assessment", response_class=HTMLResponse)
async def open_from_assessment(request: Request) -> Response:
    def how(session: Session, actor: Actor, values: dict[str, str]) -> Case:
        return cases.open_from_assessment(
            session, actor, values.get("subscription", "").strip(), values.get("title", "").strip() or None
        )

    return await _open(request, how)


@router.post("/cases/from-allegation", response_class=HTMLResponse)
async def open_from_allegation(request: Request) -> Response:
    def how(session: Session, actor: Actor, values: dict[str, str]) -> Case:
        return cases.open_from_allegation(
            session, actor, values.get("allegation", "").strip(), values.get("title", "").strip() or None
        )

    return await _open(request, how)


# ------------------------------------------------------------------------------------------ one case


def _case_context(request: Request, session: Session, actor: Actor, case_id: str) -> dict[str, Any]:
    """Everything on a case's page; AccessDenied (from the service) when the actor may not read it."""
    view = cases.show_case(session, actor, case_id, sealer(request, required=False))
    standing = Standing.of(session, case_id, actor)
    open_ = view.status == "open"
    allegations: list[str] = []
    documents: list[tuple[str, str]] = []
    if view.org_id:
        about = evidence.evidence_about(session, view.org_id)
        allegations = sorted({cases.allegation_key(a.org_id, a.service, a.harm) for a in about.allegations})
        seen: dict[str, str] = {}
        for _claim, doc in about.claims:
            seen.setdefault(doc.id, doc.title or doc.id)
        documents = sorted(seen.items(), key=lambda pair: pair[1])
    if view.origin == "allegation" and view.origin_ref and view.origin_ref not in allegations:
        allegations.insert(0, view.origin_ref)
    item_documents = {i.document_id for i in view.items if i.document_id}
    titles = {d.id: d.title or d.id for d in session.scalars(select(Document).where(Document.id.in_(item_documents)))}
    by_allegation: dict[str, list[cases.FindingView]] = {}
    for finding in view.findings:
        by_allegation.setdefault(finding.allegation, []).append(finding)
    return {
        "case": view,
        "findings": {k: v[::-1] for k, v in by_allegation.items()},  # the current finding first
        "interviews": [i for i in view.items if i.kind == "interview"],
        "evidence": [i for i in view.items if i.kind != "interview"],
        "may_write": may_write(actor, standing) and open_,
        "may_manage": may_manage(actor, standing),
        "member": standing.member,
        "users": list_users(session, actor) if may_manage(actor, standing) else [],
        "roles": MEMBER_ROLES,
        "conclusions": cases.CONCLUSIONS,
        "consents": cases.CONSENT,
        "allegations": allegations,
        "documents": documents,
        "titles": titles,
        "today": date.today().isoformat(),
        "propose": "/decisions/new?case=" + quote(view.id) + "&subscription=" + quote(",".join(view.subscription_ids))
        + "&org=" + quote(view.org_id or ""),
        "error": None,
        "values": {},
        "max_upload_mb": MAX_UPLOAD // (1024 * 1024),
    }


def _stub_context(session: Session, actor: Actor, case_id: str) -> dict[str, Any]:
    """What anyone may know of a case they may not read, and the member form for an admin (who manages, not reads)."""
    standing = Standing.of(session, case_id, actor)
    manage = may_manage(actor, standing)
    return {"stub": cases.case_stub(session, case_id), "may_manage": manage,
            "users": list_users(session, actor) if manage else [], "roles": MEMBER_ROLES, "error": None}  # fmt: skip


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    try:
        with signed_in(request, records_reading=True) as (session, actor):
            return render(request, "case.html", _case_context(request, session, actor, case_id), actor)
    except AccessDenied as exc:  # recorded in the audit log by `acting`, as a refused `vigie case show` is
        with signed_in(request) as (session, actor):
            context = {**_stub_context(session, actor, case_id), "refusal": str(exc)}
            return render(request, "case_stub.html", context, actor, status=403)


async def _in_case(
    request: Request, case_id: str, values: dict[str, str], act: Callable[[Session, Actor], str], anchor: str
) -> Response:
    """Do one thing in a case as the signed-in user; on failure show the case again with the reason."""
    try:
        with signed_in(request) as (session, actor):
            done = act(session, actor)
    except (ValueError, LookupError, AccessDenied) as exc:
        with signed_in(request) as (session, actor):
            standing = Standing.of(session, case_id, actor)
            if may_read(actor, standing):
                context = {**_case_context(request, session, actor, case_id), "error": str(exc), "values": values}
                return render(request, "case.html", context, actor, status=status_of(exc))
            context = {**_stub_context(session, actor, case_id), "refusal": None, "error": str(exc)}
            return render(request, "case_stub.html", context, actor, status=status_of(exc))
    return redirect(request, f"/cases/{case_id}#{anchor}", done)


@router.post("/cases/{case_id}/members", response_class=HTMLResponse)
async def add_member(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        user, role = values.get("user", ""), values.get("role", "member")
        cases.add_member(session, actor, case_id, user, role)
        return f"{user} is now a {role} of the case."

    return await _in_case(request, case_id, values, act, "members")


@router.post("/cases/{case_id}/members/remove", response_class=HTMLResponse)
async def remove_member(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        cases.remove_member(session, actor, case_id, values.get("user", ""))
        return f"{values.get('user')} is no longer a member of the case."

    return await _in_case(request, case_id, values, act, "members")


@router.post("/cases/{case_id}/documents", response_class=HTMLResponse)
async def add_document(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        note = values.get("note", "").strip() or None
        keys = sealer(request, required=note is not None)
        item = cases.add_document(session, actor, case_id, values.get("document", "").strip(), note, keys)
        return f"Document added as evidence item {item.id}."

    return await _in_case(request, case_id, values, act, "evidence")


@router.post("/cases/{case_id}/files", response_class=HTMLResponse)
async def add_file(request: Request, case_id: str) -> Response:
    values, upload = await upload_checked(request, "file")
    data = b""
    name = ""
    if upload is not None:
        name = upload.filename or "upload"
        data = await upload.read(MAX_UPLOAD + 1)
        await upload.close()

    def act(session: Session, actor: Actor) -> str:
        if upload is None:
            raise ValueError("file: choose a file to add")
        if len(data) > MAX_UPLOAD:
            raise ValueError(
                f"file: {name} is larger than {MAX_UPLOAD // (1024 * 1024)} MB, the most a browser may upload; "
                "add it with `vigie case add-evidence --file`"
            )
        note = values.get("note", "").strip() or None
        item = cases.add_file(session, actor, case_id, name, data, file_store(request), required_sealer(request), note)
        return f"File added as evidence item {item.id}, sealed (SHA-256 {item.sha256[:12]}…)."

    return await _in_case(request, case_id, values, act, "evidence")


@router.post("/cases/{case_id}/interviews", response_class=HTMLResponse)
async def add_interview(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        try:
            conducted = date.fromisoformat(values.get("conducted_on", ""))
        except ValueError:
            raise ValueError("conducted_on: give the date of the interview (YYYY-MM-DD)") from None
        item = cases.add_interview(
            session, actor, case_id, required_sealer(request), interviewee=values.get("interviewee", ""),
            text=values.get("text", ""), conducted_on=conducted, affiliation=values.get("affiliation", "").strip()
            or None, consent=values.get("consent", "given"),
        )  # fmt: skip
        return f"Interview recorded as item {item.id}; who and what are sealed."

    return await _in_case(request, case_id, values, act, "interviews")


@router.post("/cases/{case_id}/findings", response_class=HTMLResponse)
async def record_finding(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        finding = cases.record_finding(
            session, actor, case_id, values.get("allegation", ""), values.get("conclusion", ""),
            values.get("rationale", ""), many(values.get("items")),
        )  # fmt: skip
        replaced = f"; it supersedes {finding.supersedes}" if finding.supersedes else ""
        return f"Finding {finding.id} recorded: {finding.conclusion}{replaced}."

    return await _in_case(request, case_id, values, act, "findings")


@router.post("/cases/{case_id}/close", response_class=HTMLResponse)
async def close(request: Request, case_id: str) -> Response:
    values = await form_checked(request)

    def act(session: Session, actor: Actor) -> str:
        cases.close_case(session, actor, case_id, values.get("note", ""))
        return "Case closed."

    return await _in_case(request, case_id, values, act, "top")


# ------------------------------------------------------------------------------------------ items


@router.get("/cases/{case_id}/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, case_id: str, item_id: str) -> Response:
    """An item's chain of custody; an interview's record, opened with the key (and the opening recorded)."""
    with signed_in(request, records_reading=True) as (session, actor):
        item, events = cases.custody_history(session, actor, item_id)
        row = session.get(EvidenceItem, item_id)
        if row is None or row.case_id != case_id:
            raise LookupError(f"no evidence item {item_id!r} in case {case_id!r}")
        record = None
        if item.kind == "interview":
            record = cases.view_item(session, actor, item_id, required_sealer(request)).interview
            item, events = cases.custody_history(session, actor, item_id)
        context = {"case_id": case_id, "item": item, "events": events, "record": record}
        return render(request, "case_item.html", context, actor)


@router.post("/cases/{case_id}/items/{item_id}/download")
async def download(request: Request, case_id: str, item_id: str) -> Response:
    """A file or document taken out of vigie: custody records that it was exported, by whom, when."""
    await form_checked(request)
    with signed_in(request) as (session, actor):
        content = cases.export_item(
            session, actor, item_id, "downloaded through the web application", sealer(request, required=False),
            file_store(request),
        )  # fmt: skip
        row = session.get(EvidenceItem, item_id)
        if row is None or row.case_id != case_id:  # raised inside the transaction: the export is not recorded
            raise LookupError(f"no evidence item {item_id!r} in case {case_id!r}")
    label = content.item.label or {}
    name = str(label.get("file_name") or f"{item_id}.{'txt' if content.item.kind == 'document' else 'bin'}")
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:120] or item_id
    headers = {"Content-Disposition": f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name)}",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}  # fmt: skip
    return Response(content.content, media_type=content.media_type, headers=headers)

"""A document: its text with mentions and claims highlighted, and the reviewer's corrections.

The corrections are the evidence stage's own (`link_mention`, `reject_claim`, `add_claim`), run
through `vigie.risk.incremental.correct` exactly as `vigie evidence link|reject|add-claim` run them,
so the relationships a correction touches are re-assessed in the same transaction. On a page the
corrector is the signed-in user, who must be a reviewer (analyst or investigator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.cases import service as cases
from vigie.evidence import service as evidence
from vigie.evidence.lexicon import STANCES, harm_taxonomy
from vigie.evidence.tables import ClaimRecord, Document, MentionRecord
from vigie.register.service import find_organisations
from vigie.register.tables import Organisation
from vigie.risk import incremental
from vigie.risk.service import ReassessReport
from vigie.web.pages.highlight import Span, disjoint, highlight
from vigie.web.pages.render import form_checked, many, redirect, render, signed_in, status_of
from vigie.web.pages.resources import reassessor, sealer

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

LINKABLE = ("organisation", "unknown")  # mentions a reviewer may link to a register organisation
MENTION_CLASS = {"organisation": "m-org", "service": "m-service", "territory": "m-place", "provider": "m-provider"}


@dataclass(frozen=True)
class ClaimRow:
    number: int
    record: ClaimRecord
    anchor: str  # the id of the highlighted passage that holds it


@dataclass(frozen=True)
class MentionRow:
    record: MentionRecord
    linkable: bool
    suggestions: tuple[Organisation, ...]


def _document(session: Session, doc_id: str) -> Document:
    doc = evidence.find_document(session, doc_id)
    if doc is None:
        raise LookupError(f"no document {doc_id!r}")
    return doc


def _claim_layer(claims: list[ClaimRecord]) -> tuple[list[Span], list[ClaimRow]]:
    """Overlapping claims share one highlighted passage, labelled with their numbers."""
    groups: list[tuple[int, int, list[int]]] = []
    for number, claim in enumerate(claims, start=1):
        if groups and claim.start < groups[-1][1]:
            start, end, members = groups[-1]
            groups[-1] = (start, max(end, claim.end), [*members, number])
        else:
            groups.append((claim.start, claim.end, [number]))
    rows: list[ClaimRow] = []
    spans: list[Span] = []
    for start, end, members in groups:
        anchor = f"claim-{members[0]}"
        rejected = all(claims[n - 1].rejected for n in members)
        label = ", ".join(str(n) for n in members)
        stances = ", ".join(sorted({claims[n - 1].stance for n in members}))
        spans.append(
            Span(start, end, "span", (
                ("id", anchor), ("class", "claim rejected" if rejected else "claim"), ("data-claims", label),
                ("title", f"claim {label}: {stances}" + (" (rejected)" if rejected else "")),
            ))
        )  # fmt: skip
        rows.extend(ClaimRow(n, claims[n - 1], anchor) for n in members)
    return spans, rows


def _mention_span(m: MentionRecord) -> Span:
    css = MENTION_CLASS.get(m.kind, "m-unlinked")
    if m.kind == "organisation" and not m.entity_id:
        css = "m-unlinked"
    what = f"{m.kind}: {m.entity_id}" if m.entity_id else f"{m.kind}, not linked to the register"
    return Span(m.start, m.end, "mark", (("class", f"mention {css}"), ("title", f"{what} (found by {m.via})")))


def _writable_cases(session: Session, actor: Actor) -> list[cases.CaseListing]:
    """Open cases the actor reads; adding evidence also needs the investigator role, which the service checks."""
    if not actor.has("investigator"):
        return []
    return [c for c in cases.list_cases(session, actor, "open") if c.readable]


def page_context(
    session: Session, actor: Actor, doc_id: str, start: int | None = None, end: int | None = None
) -> dict[str, Any]:
    doc = _document(session, doc_id)
    text = doc.text
    claims = list(
        session.scalars(
            select(ClaimRecord).where(ClaimRecord.document_id == doc.id).order_by(ClaimRecord.start, ClaimRecord.id)
        )
    )
    mentions = list(
        session.scalars(
            select(MentionRecord)
            .where(MentionRecord.document_id == doc.id)
            .order_by(MentionRecord.start, MentionRecord.end)
        )
    )
    unique: dict[tuple[int, int, str, str | None], MentionRecord] = {}
    for m in mentions:
        unique.setdefault((m.start, m.end, m.kind, m.entity_id), m)
    quote: list[Span] = []
    if start is not None and end is not None and 0 <= start < end <= len(text):
        quote = [Span(start, end, "mark", (("id", "quote"), ("tabindex", "-1"), ("class", "quote")))]
    claim_spans, claim_rows = _claim_layer(claims)
    mention_spans = disjoint([_mention_span(m) for m in unique.values()])
    rows = []
    for m in unique.values():
        linkable = m.kind in LINKABLE
        suggestions = tuple(find_organisations(session, m.text, limit=5)) if linkable and not m.entity_id else ()
        rows.append(MentionRow(m, linkable, suggestions))
    return {
        "doc": doc,
        "article": highlight(text, [quote, claim_spans, mention_spans]),
        "quoted": quote[0] if quote else None,
        "claims": claim_rows,
        "mentions": rows,
        "stances": STANCES,
        "harms": sorted(harm_taxonomy()),
        "reviewer": actor.has("analyst") or actor.has("investigator"),
        "cases": _writable_cases(session, actor),
        "error": None,
        "values": {},
    }


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(request: Request, doc_id: str, start: int | None = None, end: int | None = None) -> Response:
    with signed_in(request) as (session, actor):
        return render(request, "document.html", page_context(session, actor, doc_id, start, end), actor)


def _reassessed(report: ReassessReport | None) -> str:
    if report is None:
        return ""
    return f" Re-assessed {report.assessed} relationship(s): {report.changed} changed, {report.unchanged} unchanged."


def _failed(request: Request, doc_id: str, exc: Exception, values: dict[str, str]) -> Response:
    with signed_in(request) as (session, actor):
        context = {**page_context(session, actor, doc_id), "error": str(exc), "values": values}
        status = 422 if isinstance(exc, evidence.CorrectionError) else status_of(exc)
        return render(request, "document.html", context, actor, status=status)


def _offsets(values: dict[str, str]) -> tuple[int, int]:
    try:
        return int(values.get("start", "")), int(values.get("end", ""))
    except ValueError:
        raise ValueError("start, end: give the offsets of the span as whole numbers") from None


async def _correct(
    request: Request,
    doc_id: str,
    what: str,
    change: Callable[[Session, str, dict[str, str]], evidence.Corrected],
    done: str,
) -> Response:
    """Check the form, apply one correction as the signed-in reviewer and re-assess, or show why not."""
    values = await form_checked(request)
    try:
        with signed_in(request) as (session, actor):
            evidence.require_reviewer(actor, what)
            corrected, report = incremental.correct(
                session, reassessor(request, actor.name), lambda s: change(s, actor.name, values)
            )
            target = corrected.document_id
    except (ValueError, LookupError, AccessDenied, evidence.CorrectionError) as exc:
        return _failed(request, doc_id, exc, values)
    return redirect(request, f"/documents/{target}#corrections", done + _reassessed(report))


def _note(values: dict[str, str]) -> str | None:
    return values.get("note", "").strip() or None


@router.post("/documents/{doc_id}/mentions/link", response_class=HTMLResponse)
async def link(request: Request, doc_id: str) -> Response:
    def change(session: Session, who: str, values: dict[str, str]) -> evidence.Corrected:
        start, end = _offsets(values)
        org = (values.get("org_typed", "").strip() or values.get("org", "").strip())
        if not org:
            raise ValueError("org: choose or type the register organisation the mention names")
        return evidence.link_mention(session, doc_id, start, end, org, who, _note(values))

    return await _correct(request, doc_id, "link a mention to an organisation", change, "Mention linked.")


@router.post("/documents/{doc_id}/claims/reject", response_class=HTMLResponse)
async def reject(request: Request, doc_id: str) -> Response:
    def change(session: Session, who: str, values: dict[str, str]) -> evidence.Corrected:
        claim = values.get("claim", "")
        record = session.get(ClaimRecord, claim)
        document = _document(session, doc_id)
        if record is None or record.document_id != document.id:
            raise evidence.CorrectionError(f"claim: {claim!r} is not a claim of document {document.id}")
        if record.rejected:
            raise ValueError(f"claim: {claim} was already rejected")
        return evidence.reject_claim(session, claim, who, _note(values))

    return await _correct(request, doc_id, "reject a claim", change, "Claim rejected: it stays visible, struck out.")


@router.post("/documents/{doc_id}/claims", response_class=HTMLResponse)
async def add(request: Request, doc_id: str) -> Response:
    def change(session: Session, who: str, values: dict[str, str]) -> evidence.Corrected:
        start, end = _offsets(values)
        return evidence.add_claim(
            session, doc_id, start, end, values.get("stance", ""), who,
            harms=many(values.get("harms")), org_ids=many(values.get("orgs")),
            service_ids=many(values.get("services")), territory_ids=many(values.get("places")),
            date=values.get("date", "").strip() or None, attributed_to=values.get("attributed_to", "").strip() or None,
            note=_note(values),
        )  # fmt: skip

    return await _correct(request, doc_id, "add a claim", change, "Claim added.")


@router.post("/documents/{doc_id}/to-case", response_class=HTMLResponse)
async def to_case(request: Request, doc_id: str) -> Response:
    """Add this document to a case as evidence (`vigie case add-document`)."""
    values = await form_checked(request)
    case_id = values.get("case", "")
    try:
        with signed_in(request) as (session, actor):
            doc = _document(session, doc_id)
            keys = sealer(request, required=bool(_note(values)))
            item = cases.add_document(session, actor, case_id, doc.id, _note(values), keys)
    except (ValueError, LookupError, AccessDenied) as exc:
        return _failed(request, doc_id, exc, values)
    return redirect(request, f"/cases/{case_id}#evidence", f"Document added to the case as evidence item {item.id}.")

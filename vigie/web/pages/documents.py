"""A document: its text, the quote a link pointed to highlighted, and its claims listed with their offsets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from vigie.evidence.service import find_document
from vigie.evidence.tables import ClaimRecord
from vigie.web.pages.render import render, signed_in

router = APIRouter()


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(request: Request, doc_id: str, start: int | None = None, end: int | None = None) -> Response:
    with signed_in(request) as (session, actor):
        doc = find_document(session, doc_id)
        if doc is None:
            raise LookupError(f"no document {doc_id!r}")
        text = doc.text
        if start is not None and end is not None and 0 <= start < end <= len(text):
            parts = (text[:start], text[start:end], text[end:])
        else:
            parts = (text, "", "")
        claims = list(
            session.scalars(select(ClaimRecord).where(ClaimRecord.document_id == doc.id).order_by(ClaimRecord.start))
        )
        return render(request, "document.html", {"doc": doc, "parts": parts, "claims": claims}, actor)

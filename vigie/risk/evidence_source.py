"""The evidence stage's claims, as the risk stage reads them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from vigie.evidence.service import claim_views
from vigie.evidence.tables import ClaimLink, ClaimRecord
from vigie.risk.gather import load_territories
from vigie.risk.inputs import Claim, Territory


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value if len(value) == 10 else f"{value}-01" if len(value) == 7 else f"{value}-01-01")
    except ValueError:
        return None


# Past this many organisations (a full re-assessment asks for all of them), every claim is read and
# filtered here: one bound parameter per organisation would exceed the drivers' limits (PostgreSQL
# takes at most 65,535 per statement, SQLite 32,766 in its default build).
MAX_ORGS_IN_QUERY = 5_000


def claims_from_evidence(session: Session, org_ids: set[str]) -> list[Claim]:
    """Every claim, not rejected, that names one of these organisations."""
    known = load_territories(session)  # not the whole register index: this runs on every ingest
    out: list[Claim] = []
    wide = len(org_ids) > MAX_ORGS_IN_QUERY
    for record, doc in claim_views(session, None if wide else org_ids):
        orgs = tuple(
            sorted({a["entity_id"] for a in record.actors if a.get("entity_id") and a.get("kind") == "organisation"})
        )
        if wide and not org_ids.intersection(orgs):
            continue
        services = tuple(sorted({s["entity_id"] for s in record.services if s.get("entity_id")}))
        capabilities = tuple(sorted({c for s in record.services for c in s.get("capabilities", [])}))
        territories = tuple(
            known.get(p["entity_id"], Territory(p["entity_id"], p.get("text") or p["entity_id"]))
            for p in record.places
            if p.get("entity_id")
        )
        out.append(
            Claim(
                claim_id=record.id,
                document_id=doc.id,
                document_title=doc.title or doc.origin,
                publisher=doc.publisher or doc.origin,
                source_kind=doc.kind,
                published=_date(doc.published) or _date(record.date),
                quote=record.quote,
                start=record.start,
                end=record.end,
                stance=record.stance,
                harms=tuple(record.harms),
                org_ids=orgs,
                service_ids=services,
                capabilities=capabilities,
                territories=territories,
                attributed_to=record.attributed_to,
            )
        )
    return out


def organisations_placed_in(session: Session, territory_ids: set[str]) -> set[str]:
    """Organisations named by claims (not rejected) that place something in one of these territories.

    Such a claim carries the territory's name and flags into the assessments of those
    organisations' relationships, so a change to the territory touches them.
    """
    if not territory_ids:
        return set()
    place, actor = aliased(ClaimLink), aliased(ClaimLink)
    query = (
        select(actor.entity_id)
        .join(place, place.claim_id == actor.claim_id)
        .join(ClaimRecord, ClaimRecord.id == actor.claim_id)
        .where(
            actor.kind == "organisation",
            place.kind == "territory",
            place.entity_id.in_(sorted(territory_ids)),
            ClaimRecord.rejected.is_(False),
        )
        .distinct()
    )
    return set(session.scalars(query))

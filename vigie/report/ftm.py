"""The register and the evidence behind a report, as FollowTheMoney entities.

So that a journalist, an NGO or a regulator can load what a report rests on into the tools of the
investigations field (Aleph, OpenSanctions' tooling) without a converter:

- the register: the entities `vigie register export --format ftm` writes (`vigie.register.ftm`),
  kept to the relationships the report covers;
- documents become `Document` (`Article` for the media), with their provenance;
- claims become `Event`: the quote as `summary`, the document as `proof`, the organisations it
  names as `involved`, and what FtM has no property for (stance, harms, services, the quote's
  offsets) as `vigie:<field>=<value>` keywords, as the register export does;
- mentions of register organisations become `Mention`: the name as the document spells it and the
  register entity it was resolved to.

The public report's folder gets the `public_*` variants, which hold only what
`vigie.report.disclosure` lets out: organisations rule N1 names, their contracts without value,
currency, declared end use or hosting region, outside documents that concern no withheld
organisation, without their text, and no rejected claim.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.evidence.tables import ClaimLink, ClaimRecord, Document, MentionRecord
from vigie.register.ftm import entity, export_ftm
from vigie.register.tables import Organisation, Subscription, Territory
from vigie.report.disclosure import PublicEvidence, may_name

PREFIX = "vigie:"
# What a public Contract keeps of the register's keywords; everything else (region, data centre, end
# user unless named) and the value, currency, declared end use and internal source notes are dropped.
PUBLIC_CONTRACT_KEYWORDS = ("vigie:service=", "vigie:territory=", "vigie:fictional")
PUBLIC_CONTRACT_DROP = frozenset({"amount", "currency", "description", "notes"})
PUBLIC_ORG_DROP = frozenset({"description"})  # free text an analyst may have written; the source stays


def jsonl(entities: Iterable[dict[str, Any]]) -> str:
    """One entity per line, the format `vigie register import` and FtM's tools read."""
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entities)


def safe_id(prefix: str, raw: str) -> str:
    """An FtM entity id (letters, digits, dots and hyphens) derived from a vigie id, stable across runs."""
    cleaned = re.sub(r"[^0-9A-Za-z.-]+", "-", raw).strip(".-")
    if len(cleaned) > 100:
        cleaned = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
    return f"{prefix}-{cleaned}"


def _kw(field: str, value: str) -> str:
    return f"{PREFIX}{field}={value}"


# --- the register ---------------------------------------------------------------------------------


def _ancestors(orgs: dict[str, Organisation], ids: set[str]) -> set[str]:
    found = set(ids)
    stack = list(ids)
    while stack:
        org = orgs.get(stack.pop())
        parent = org.parent_id if org else None
        if parent and parent not in found:
            found.add(parent)
            stack.append(parent)
    return found


def register_entities(session: Session, org_ids: set[str], sub_ids: set[str], public: bool) -> list[dict[str, Any]]:
    """The register's FtM entities for these organisations and subscriptions, and the services they use.

    `public` drops what the public report withholds (see the module's docstring); a reference to an
    organisation that is not exported (a parent, an end user) is dropped rather than left dangling.
    """
    kept_orgs: list[dict[str, Any]] = []
    assets: dict[str, dict[str, Any]] = {}
    contracts: list[dict[str, Any]] = []
    for e in export_ftm(session):
        if e["id"] in org_ids and e["schema"] in ("PublicBody", "Company", "Organization"):
            kept_orgs.append(e)
        elif e["schema"] == "Asset":
            assets[e["id"]] = e
        elif e["id"] in sub_ids and e["schema"] == "Contract":
            contracts.append(e)
    services = {
        kw.partition("=")[2]
        for c in contracts
        for kw in c["properties"].get("keywords", [])
        if kw.startswith(_kw("service", ""))
    }
    out: list[dict[str, Any]] = []
    for org in kept_orgs:
        props = dict(org["properties"])
        if public:
            props = {k: v for k, v in props.items() if k not in PUBLIC_ORG_DROP}
        if props.get("parent") and props["parent"][0] not in org_ids:
            props.pop("parent")
        out.append(entity(org["schema"], org["id"], props))
    out += [assets[s] for s in sorted(services) if s in assets]
    for contract in contracts:
        props = dict(contract["properties"])
        if public:
            keywords = [
                kw
                for kw in props.get("keywords", [])
                if kw.startswith(PUBLIC_CONTRACT_KEYWORDS)
                or (kw.startswith(_kw("end_user_id", "")) and kw.partition("=")[2] in org_ids)
            ]
            props = {k: v for k, v in props.items() if k not in PUBLIC_CONTRACT_DROP} | {"keywords": keywords}
        out.append(entity("Contract", contract["id"], props))
    return out


def public_register(session: Session, reviewed: list[str], evidence: PublicEvidence) -> list[dict[str, Any]]:
    """The register behind the public report: the relationships reviewed whose customer rule N1 names."""
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    subs = list(session.scalars(select(Subscription).where(Subscription.id.in_(reviewed)))) if reviewed else []
    contracts = {s.id for s in subs if may_name(orgs.get(s.customer_id))}
    named = {s.customer_id for s in subs if s.id in contracts}
    named |= {s.end_user_id for s in subs if s.id in contracts and s.end_user_id and may_name(orgs[s.end_user_id])}
    named |= evidence.organisations
    org_ids = {o for o in _ancestors(orgs, named) if may_name(orgs.get(o))}
    return register_entities(session, org_ids, contracts, public=True)


# --- the evidence ---------------------------------------------------------------------------------


def _language(code: str | None) -> str | None:
    if not code:
        return None
    from followthemoney.types import registry

    cleaned: str | None = registry.language.clean(code)
    return cleaned


def document_entity(doc: Document, public: bool) -> dict[str, Any]:
    props: dict[str, list[str | None]] = {
        "title": [doc.title],
        "publisher": [doc.publisher],
        "sourceUrl": [doc.url],
        "publishedAt": [doc.published],
        "retrievedAt": [doc.ingested_at[:19]],
        "language": [_language(doc.language)],
        "mimeType": [doc.media_type],
        "keywords": [_kw("kind", doc.kind), _kw("sha256", doc.sha256)],
    }
    if not public:
        props |= {"bodyText": [doc.text], "notes": list(doc.notes or [])}
    return entity("Article" if doc.kind == "media" else "Document", doc.id, props)


def claim_entity(
    claim: ClaimRecord, links: list[tuple[str, str]], countries: dict[str, str], public: bool
) -> dict[str, Any]:
    """One claim as an FtM `Event`; `links` are its (kind, entity id) rows in claim_links."""
    organisations = sorted(e for k, e in links if k == "organisation")
    services = sorted(e for k, e in links if k == "service")
    territories = sorted(e for k, e in links if k == "territory")
    harms = sorted(set(claim.harms or []))
    keywords = [
        _kw("claim", claim.id),
        _kw("stance", claim.stance),
        _kw("quote", f"{claim.document_id}:{claim.start}-{claim.end}"),
        _kw("origin", claim.origin),
        *(_kw("harm", h) for h in harms),
        *(_kw("action", a) for a in sorted(set(claim.actions or []))),
        *(_kw("service", s) for s in services),
        *(_kw("territory", t) for t in territories),
    ]
    if claim.rejected and not public:
        keywords.append(_kw("rejected", "true"))
    return entity(
        "Event",
        safe_id("claim", claim.id),
        {
            "name": [f"{claim.stance}: {', '.join(harms)}" if harms else claim.stance],
            "summary": [claim.quote],
            "proof": [claim.document_id],
            "involved": organisations,
            "date": [claim.date],
            "country": sorted({countries[t] for t in territories if t in countries}),
            "description": [f"attributed to {claim.attributed_to}" if claim.attributed_to else None],
            "keywords": keywords,
        },
    )


def mention_entity(mention: MentionRecord, schema: str) -> dict[str, Any]:
    key = f"{mention.document_id}:{mention.start}-{mention.end}:{mention.entity_id}"
    return entity(
        "Mention",
        f"mention-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}",
        {
            "document": [mention.document_id],
            "name": [mention.text],
            "resolved": [mention.entity_id],
            "detectedSchema": [schema],
        },
    )


def _countries(session: Session) -> dict[str, str]:
    """Territory id → its country code in lower case, as FtM spells countries."""
    return {t.id: t.country.lower() for t in session.scalars(select(Territory)) if t.country}


def _schemata(register: list[dict[str, Any]]) -> dict[str, str]:
    return {e["id"]: e["schema"] for e in register}


def public_evidence_entities(
    session: Session, evidence: PublicEvidence, register: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The public report's evidence: what `disclosure.public_evidence` let out, as FtM entities."""
    countries = _countries(session)
    schemata = _schemata(register)
    out = [document_entity(d, public=True) for d in evidence.documents]
    out += [claim_entity(c, evidence.links.get(c.id, []), countries, public=True) for c in evidence.claims]
    out += [mention_entity(m, schemata[m.entity_id]) for m in evidence.mentions if m.entity_id in schemata]
    return out


def internal_evidence_entities(
    session: Session, claim_ids: list[str], register: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A dossier's evidence in full: its claims (rejected ones marked), their documents with their text, and
    the documents' mentions of the organisations in the dossier's register."""
    if not claim_ids:
        return []
    claims = list(session.scalars(select(ClaimRecord).where(ClaimRecord.id.in_(claim_ids)).order_by(ClaimRecord.id)))
    doc_ids = sorted({c.document_id for c in claims})
    documents = list(session.scalars(select(Document).where(Document.id.in_(doc_ids)).order_by(Document.id)))
    links: dict[str, list[tuple[str, str]]] = {}
    for claim_id, kind, entity_id in session.execute(
        select(ClaimLink.claim_id, ClaimLink.kind, ClaimLink.entity_id)
        .where(ClaimLink.claim_id.in_(claim_ids))
        .order_by(ClaimLink.claim_id, ClaimLink.kind, ClaimLink.entity_id)
    ):
        links.setdefault(claim_id, []).append((kind, entity_id))
    schemata = _schemata(register)
    mentions = session.scalars(
        select(MentionRecord)
        .where(MentionRecord.document_id.in_(doc_ids), MentionRecord.kind == "organisation")
        .order_by(MentionRecord.document_id, MentionRecord.start, MentionRecord.id)
    )
    countries = _countries(session)
    out = [document_entity(d, public=False) for d in documents]
    out += [claim_entity(c, links.get(c.id, []), countries, public=False) for c in claims]
    out += [mention_entity(m, schemata[m.entity_id]) for m in mentions if m.entity_id in schemata]
    return out

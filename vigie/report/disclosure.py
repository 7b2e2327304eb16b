"""What the public report may disclose: the naming rule, and which evidence and register entries may be published.

One module decides it, so that the report's pages, its tables and its FollowTheMoney exports
withhold exactly the same things, and the report's last section counts exactly what was held back.

**Naming rule (rule N1).** A customer is named in the public report only when it is a public body
(a ministry, armed forces, a military unit, an intelligence agency, police, a prison service, another
public body or an international organisation) and the register cites a public source for it: a
state body's use of a provider's services is a matter of public interest. Companies, NGOs,
academic and healthcare bodies, and any organisation without a source, are withheld: naming them
could harm people who are not the subject of the diligence, and contracts with them are
commercially confidential.

**Evidence.** The public export holds the documents received in the period from sources outside
the provider (every kind but `internal`) that concern no organisation rule N1 withholds, without
their full text (the report links to the source instead; the text may be under copyright), their
claims that no reviewer rejected, and their mentions of register organisations. Internal
documents, documents about an organisation the report may not name and rejected claims stay out,
and the documents are counted in the report's withheld section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.evidence.tables import ClaimLink, ClaimRecord, Document, MentionRecord
from vigie.register.tables import Organisation
from vigie.register.vocabulary import PUBLIC_BODY_KINDS

NAMING_RULE = (
    "Rule N1: a customer is named only if it is a public body and the register cites a public source for it; "
    "companies, NGOs, academic and healthcare bodies and unsourced organisations are withheld."
)
INTERNAL_KINDS = frozenset({"internal"})


def may_name(org: Organisation | None) -> bool:
    """Rule N1 for one organisation."""
    return org is not None and org.kind in PUBLIC_BODY_KINDS and bool((org.source or "").strip())


@dataclass
class PublicEvidence:
    """The evidence of a period that may be published, and how much was held back."""

    documents: list[Document] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)
    links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # claim id → (kind, entity id)
    mentions: list[MentionRecord] = field(default_factory=list)
    organisations: set[str] = field(default_factory=set)  # the named organisations the evidence refers to
    internal_documents: int = 0
    documents_withheld: int = 0  # from outside, but naming an organisation rule N1 withholds


def public_evidence(session: Session, lo: str, hi: str) -> PublicEvidence:
    """The publishable evidence among the documents ingested in [lo, hi).

    A document from outside the provider is published only if none of its claims or resolved mentions
    concerns an organisation rule N1 withholds: its title alone, beside the report, could say who the
    customer is.
    """
    found = PublicEvidence()
    in_period = (Document.ingested_at >= lo) & (Document.ingested_at < hi)
    outside = in_period & Document.kind.not_in(sorted(INTERNAL_KINDS))
    documents = list(session.scalars(select(Document).where(in_period).order_by(Document.id)))
    candidates = [d for d in documents if d.kind not in INTERNAL_KINDS]
    found.internal_documents = len(documents) - len(candidates)
    if not candidates:
        return found
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    links: dict[str, list[tuple[str, str]]] = {}
    concerns: dict[str, set[str]] = {}  # document id → the register organisations it concerns
    for document_id, claim_id, kind, entity_id in session.execute(
        select(ClaimRecord.document_id, ClaimLink.claim_id, ClaimLink.kind, ClaimLink.entity_id)
        .join(ClaimRecord, ClaimRecord.id == ClaimLink.claim_id)
        .join(Document, Document.id == ClaimRecord.document_id)
        .where(outside)
        .order_by(ClaimLink.claim_id, ClaimLink.kind, ClaimLink.entity_id)
    ):
        links.setdefault(claim_id, []).append((kind, entity_id))
        if kind == "organisation":
            concerns.setdefault(document_id, set()).add(entity_id)
    mentions = list(
        session.scalars(
            select(MentionRecord)
            .join(Document, Document.id == MentionRecord.document_id)
            .where(outside, MentionRecord.kind == "organisation", MentionRecord.entity_id.is_not(None))
            .order_by(MentionRecord.document_id, MentionRecord.start, MentionRecord.id)
        )
    )
    for mention in mentions:
        concerns.setdefault(mention.document_id, set()).add(mention.entity_id or "")
    published: set[str] = set()
    for doc in candidates:
        if all(may_name(orgs.get(o)) for o in concerns.get(doc.id, set())):
            found.documents.append(doc)
            published.add(doc.id)
            found.organisations |= concerns.get(doc.id, set())
        else:
            found.documents_withheld += 1
    found.claims = [
        c
        for c in session.scalars(
            select(ClaimRecord)
            .join(Document, Document.id == ClaimRecord.document_id)
            .where(outside, ClaimRecord.rejected.is_(False))
            .order_by(ClaimRecord.document_id, ClaimRecord.start, ClaimRecord.id)
        )
        if c.document_id in published
    ]
    found.links = {c.id: links.get(c.id, []) for c in found.claims}
    found.mentions = [m for m in mentions if m.document_id in published]
    return found

"""The internal dossier of one relationship: what an external reviewer would ask for, in one place.

A relationship is an organisation with its subscriptions (as customer or as end user), or one
subscription. The dossier gathers the register facts, every assessment version, the evidence with
its quotes and sources, the cases (only those the acting user may read: need to know holds here as
everywhere, and reading a case through a dossier is recorded like `vigie case show`), the
decisions with their approvals, the enforcement orders with their acknowledgements, and the audit
entries of all of these. Sealed values (interviews, requesters, file names) stay sealed: the
dossier names the items and their hashes; `vigie case view` opens them, under custody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.audit.tables import AuditEntry
from vigie.cases.decisions import DecisionView, get_decision
from vigie.cases.service import CaseView, show_case
from vigie.cases.tables import Case, Decision
from vigie.enforce.tables import Order
from vigie.evidence.tables import ClaimLink, ClaimRecord, Document
from vigie.register.tables import Alias, Organisation, Service, Subscription
from vigie.risk.tables import AssessmentRecord


@dataclass(frozen=True)
class EvidenceRow:
    claim_id: str
    stance: str
    harms: tuple[str, ...]
    quote: str
    start: int
    end: int
    document_id: str
    title: str | None
    publisher: str | None
    kind: str
    published: str | None
    url: str | None
    rejected: bool


@dataclass
class Dossier:
    subject: str
    generated_at: str
    actor: str
    organisation: Organisation
    aliases: list[Alias]
    subscriptions: list[tuple[Subscription, Service]]
    assessments: list[AssessmentRecord]
    evidence: list[EvidenceRow]
    cases: list[CaseView]
    cases_not_readable: list[tuple[str, str, str]]  # (id, status, opened_at): exists, not readable by the actor
    decisions: list[DecisionView]
    orders: list[Order]
    audit: list[AuditEntry]
    notes: list[str] = field(default_factory=list)


def resolve(session: Session, ref: str) -> tuple[Organisation, list[str] | None]:
    """An organisation id, name or alias (all its subscriptions), or a subscription id (that one)."""
    sub = session.get(Subscription, ref)
    if sub is not None:
        org = session.get(Organisation, sub.customer_id)
        assert org is not None
        return org, [sub.id]
    org = session.get(Organisation, ref)
    if org is None:
        found = list(session.scalars(select(Organisation).where(Organisation.name == ref)))
        found += [
            o
            for o in session.scalars(
                select(Organisation).join(Alias, Alias.org_id == Organisation.id).where(Alias.name == ref)
            )
            if o not in found
        ]
        if len(found) > 1:
            raise LookupError(
                f"{ref!r} names {len(found)} organisations: give an id ({', '.join(o.id for o in found)})"
            )
        org = found[0] if found else None
    if org is None:
        raise LookupError(f"no organisation or subscription {ref!r} in the register")
    return org, None


def build(session: Session, actor: Actor, ref: str) -> Dossier:
    """Gather the dossier of `ref` as `actor` may read it."""
    org, only = resolve(session, ref)
    sub_query = select(Subscription, Service).join(Service, Service.id == Subscription.service_id)
    if only is not None:
        sub_query = sub_query.where(Subscription.id.in_(only))
    else:
        sub_query = sub_query.where(or_(Subscription.customer_id == org.id, Subscription.end_user_id == org.id))
    subscriptions = [(s, v) for s, v in session.execute(sub_query.order_by(Subscription.id))]
    sub_ids = [s.id for s, _ in subscriptions]
    assessments = list(
        session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.subscription_id.in_(sub_ids))
            .order_by(AssessmentRecord.subscription_id, AssessmentRecord.version)
        )
    )
    evidence = [
        EvidenceRow(
            c.id,
            c.stance,
            tuple(c.harms or ()),
            c.quote,
            c.start,
            c.end,
            d.id,
            d.title,
            d.publisher,
            d.kind,
            d.published,
            d.url,
            c.rejected,
        )
        for c, d in session.execute(
            select(ClaimRecord, Document)
            .join(Document, Document.id == ClaimRecord.document_id)
            .where(
                ClaimRecord.id.in_(
                    select(ClaimLink.claim_id).where(ClaimLink.kind == "organisation", ClaimLink.entity_id == org.id)
                )
            )
            .order_by(Document.published, Document.id, ClaimRecord.start)
        )
    ]
    case_rows = [
        c
        for c in session.scalars(select(Case).order_by(Case.opened_at, Case.id))
        if c.org_id == org.id or set(c.subscription_ids or []) & set(sub_ids)
    ]
    cases: list[CaseView] = []
    hidden: list[tuple[str, str, str]] = []
    for case in case_rows:
        try:
            cases.append(show_case(session, actor, case.id, None))
        except AccessDenied:
            hidden.append((case.id, case.status, case.opened_at))
    decision_rows = [
        d
        for d in session.scalars(select(Decision).order_by(Decision.proposed_at, Decision.id))
        if (only is None and d.org_id == org.id) or set(d.subscription_ids or []) & set(sub_ids)
    ]
    decisions = [get_decision(session, d.id) for d in decision_rows]
    orders = list(
        session.scalars(select(Order).where(Order.subscription_id.in_(sub_ids)).order_by(Order.issued_at, Order.id))
    )
    entities = {org.id, *sub_ids, *(c.id for c in cases), *(d.id for d in decisions), *(o.id for o in orders)}
    audit = list(
        session.scalars(select(AuditEntry).where(AuditEntry.entity_id.in_(sorted(entities))).order_by(AuditEntry.seq))
    )
    aliases = list(session.scalars(select(Alias).where(Alias.org_id == org.id).order_by(Alias.name)))
    return Dossier(
        subject=ref, generated_at=datetime.now(UTC).isoformat(timespec="seconds"), actor=actor.name,
        organisation=org, aliases=aliases, subscriptions=subscriptions, assessments=assessments, evidence=evidence,
        cases=cases, cases_not_readable=hidden, decisions=decisions, orders=orders, audit=audit,
    )  # fmt: skip


def organisation_ids(session: Session, d: Dossier) -> set[str]:
    """The organisations a dossier's register export holds: the subject and the bodies above it, the other party
    of each subscription (customer or end user), and every organisation its evidence names."""
    ids = {d.organisation.id}
    for sub, _ in d.subscriptions:
        ids.add(sub.customer_id)
        if sub.end_user_id:
            ids.add(sub.end_user_id)
    claim_ids = [e.claim_id for e in d.evidence]
    if claim_ids:
        ids.update(
            session.scalars(
                select(ClaimLink.entity_id).where(ClaimLink.claim_id.in_(claim_ids), ClaimLink.kind == "organisation")
            )
        )
    parents = {o.id: o.parent_id for o in session.scalars(select(Organisation))}
    stack = list(ids)
    while stack:
        parent = parents.get(stack.pop())
        if parent and parent not in ids:
            ids.add(parent)
            stack.append(parent)
    return {i for i in ids if i in parents}


def as_json(d: Dossier) -> dict[str, Any]:
    """The dossier as plain data, for its JSON export."""
    o = d.organisation
    return {
        "subject": d.subject,
        "generated_at": d.generated_at,
        "read_as": d.actor,
        "organisation": {"id": o.id, "name": o.name, "kind": o.kind, "country": o.country, "parent": o.parent_id,
                         "source": o.source, "fictional": o.fictional, "aliases": [a.name for a in d.aliases]},
        "subscriptions": [
            {"id": s.id, "service": v.name, "capabilities": v.capabilities, "status": s.status,
             "territories": s.use_territories, "region": s.region, "declared_end_use": s.declared_end_use,
             "start": s.start_date.isoformat() if s.start_date else None, "source": s.source}
            for s, v in d.subscriptions
        ],
        "assessments": [
            {"subscription": a.subscription_id, "version": a.version, "created_at": a.created_at, "reason": a.reason,
             "policy": f"{a.policy_id} {a.policy_version}", "severity": a.severity, "likelihood": a.likelihood,
             "involvement": a.involvement, "heightened": a.heightened, "priority": a.priority, "band": a.band,
             "action": a.action, "worst_harm": a.worst_harm}
            for a in d.assessments
        ],
        "evidence": [e.__dict__ | {"harms": list(e.harms)} for e in d.evidence],
        "cases": [
            {"id": c.id, "title": c.title, "status": c.status, "opened_at": c.opened_at, "opened_by": c.opened_by,
             "closed_at": c.closed_at, "members": [m.name for m in c.members],
             "items": [{"id": i.id, "kind": i.kind, "sha256": i.sha256, "document": i.document_id} for i in c.items],
             "findings": [{"allegation": f.allegation, "conclusion": f.conclusion, "rationale": f.rationale,
                           "current": f.current, "recorded_at": f.recorded_at} for f in c.findings]}
            for c in d.cases
        ],
        "cases_not_readable": [{"id": i, "status": s, "opened_at": t} for i, s, t in d.cases_not_readable],
        "decisions": [
            {"id": x.id, "action": x.action, "status": x.status, "subscriptions": list(x.subscription_ids),
             "rationale": x.rationale, "conditions": x.conditions, "proposed_by": x.proposed_by,
             "proposed_at": x.proposed_at, "approved_by": x.approved_by, "decided_at": x.decided_at,
             "review_date": x.review_date.isoformat(),
             "approvals": [{"user": a.user, "verdict": a.verdict, "at": a.at, "note": a.note} for a in x.approvals]}
            for x in d.decisions
        ],
        "orders": [
            {"id": r.id, "subscription": r.subscription_id, "action": r.action, "decision": r.decision_id,
             "state": r.state, "issued_at": r.issued_at, "issued_by": r.issued_by, "due_by": r.due_by,
             "sent_at": r.sent_at, "acknowledged_at": r.acknowledged_at, "acknowledged_by": r.acknowledged_by,
             "attempts": r.attempts}
            for r in d.orders
        ],
        "audit": [
            {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "entity_type": e.entity_type,
             "entity_id": e.entity_id, "hash": e.hash}
            for e in d.audit
        ],
    }  # fmt: skip

"""Cases: opening them, their members, evidence items with chain of custody, interviews and findings.

Every function takes the acting user, checks need-to-know (vigie.cases.membership) before touching
anything, and appends to the audit log in the caller's transaction. Reading what is inside a case
is recorded too: opening an evidence item adds a custody event, and showing a case adds an audit
entry, so "who looked at this interview" always has an answer. Audit entries carry ids, kinds and
hashes, never the sealed content (interviewee, interview text, file names).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, require
from vigie.access.crypto import KEY_ENV, KEY_FILE_ENV, KeyMissing, Sealer
from vigie.access.tables import User
from vigie.audit.trail import AuditTrail, now_iso
from vigie.cases.files import FileStore, sha256_of
from vigie.cases.membership import (
    MEMBER_ROLES,
    Standing,
    may_read,
    require_manage,
    require_read,
    require_write,
)
from vigie.cases.tables import Case, CaseMember, CustodyEvent, Decision, EvidenceItem, Finding, Interview, UseRequest
from vigie.evidence.tables import Document
from vigie.register.tables import Organisation, Service, Subscription
from vigie.risk.tables import AssessmentRecord

CONCLUSIONS = ("substantiated", "partly-substantiated", "not-substantiated", "inconclusive")
CONSENT = ("given", "given-anonymous", "not-recorded")
ORIGINS = ("allegation", "assessment", "manual")
MAX_TITLE = 300
MAX_FILE = 1 << 30  # a file is sealed in memory in one piece; larger evidence belongs in a document system
KEY_HINT = f"set {KEY_ENV} (base64 of 32 bytes) or {KEY_FILE_ENV} to the key the case was written with"


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def _text(field: str, value: str | None, limit: int | None = None) -> str:
    """A required free-text field: not blank, not longer than its column."""
    if value is None or not value.strip():
        raise ValueError(f"{field}: must not be empty")
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise ValueError(f"{field}: at most {limit} characters, got {len(value)}")
    return value


def get_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"no case with id {case_id!r}")
    return case


def _case_state(case: Case) -> dict[str, Any]:
    return {
        "title": case.title,
        "status": case.status,
        "origin": case.origin,
        "origin_ref": case.origin_ref,
        "org_id": case.org_id,
        "subscription_ids": list(case.subscription_ids),
        "summary": case.summary,
        "closed_at": case.closed_at,
        "closing_note": case.closing_note,
    }


# ------------------------------------------------------------------------------------------ opening


def _check_subscriptions(session: Session, ids: Sequence[str]) -> list[str]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Subscription.id).where(Subscription.id.in_(wanted))))
    missing = [s for s in wanted if s not in found]
    if missing:
        raise ValueError(f"subscription: no subscription with id {', '.join(repr(m) for m in missing)}")
    return wanted


def open_case(
    session: Session,
    actor: Actor,
    title: str,
    *,
    org_id: str | None = None,
    subscription_ids: Sequence[str] = (),
    summary: str | None = None,
    origin: str = "manual",
    origin_ref: str | None = None,
) -> Case:
    """Open a case; the person who opens it is its first lead."""
    require(actor, "analyst", "investigator", action="open a case")
    title = _text("title", title, MAX_TITLE)
    if origin not in ORIGINS:
        raise ValueError(f"origin: must be one of {', '.join(ORIGINS)}, got {origin!r}")
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise ValueError(f"org: no organisation with id {org_id!r}")
    subs = _check_subscriptions(session, subscription_ids)
    case = Case(
        id=new_id("case"),
        title=title,
        status="open",
        origin=origin,
        origin_ref=origin_ref,
        org_id=org_id,
        subscription_ids=subs,
        summary=summary.strip() if summary and summary.strip() else None,
        opened_at=now_iso(),
        opened_by=actor.name,
        closed_at=None,
        closed_by=None,
        closing_note=None,
    )
    session.add(case)
    session.flush()
    trail = AuditTrail(session, actor.name)
    trail.record("open", "case", case.id, None, _case_state(case))
    _add_member_row(session, trail, case, actor.id, actor.name, "lead", actor.name)
    return case


def allegation_key(org_id: str, service: str, harm: str) -> str:
    """How an allegation is named on the command line and in findings: `org/service/harm`."""
    return f"{org_id}/{service}/{harm}"


def parse_allegation_key(key: str) -> tuple[str, str, str]:
    head, sep, harm = key.rpartition("/")
    org, sep2, service = head.partition("/")
    if not (sep and sep2 and org and service and harm):
        raise ValueError(
            f"allegation: {key!r} is not ORGANISATION/SERVICE/HARM (as listed by `vigie evidence allegations`)"
        )
    return org, service, harm


def _subscriptions_of(session: Session, org_id: str, service: str | None = None) -> list[str]:
    """The organisation's subscriptions (as customer or end user) that concern this service, capability or all."""
    query = select(Subscription.id, Service.id, Service.capabilities).join(
        Service, Service.id == Subscription.service_id
    )
    rows = session.execute(
        query.where(or_(Subscription.customer_id == org_id, Subscription.end_user_id == org_id))
    ).all()
    out = []
    for sub_id, service_id, capabilities in rows:
        by_capability = service is not None and service.startswith("capability:")
        if service in (None, "*", service_id) or (by_capability and service.split(":", 1)[1] in (capabilities or [])):
            out.append(sub_id)
    return sorted(out)


def open_from_allegation(session: Session, actor: Actor, key: str, title: str | None = None) -> Case:
    """A case on one allegation of the evidence stage; its subscriptions are those the allegation concerns."""
    # Imported here: the evidence service loads the extraction machinery, which most commands never need.
    from vigie.evidence.service import allegations

    org_id, service, harm = parse_allegation_key(key)
    found = [a for a in allegations(session, [org_id]) if (a.org_id, a.service, a.harm) == (org_id, service, harm)]
    if not found:
        raise LookupError(f"allegation: no allegation {key!r} (see `vigie evidence allegations --org {org_id}`)")
    allegation = found[0]
    org = session.get(Organisation, org_id)
    default_title = f"Allegation of {harm} harm: {org.name if org else org_id} × {service}"
    claims = ", ".join(c.claim_id for c in allegation.claims)
    summary = f"{len(allegation.sources)} independent source(s); claims: {claims}"
    return open_case(
        session,
        actor,
        title or default_title[:MAX_TITLE],
        org_id=org_id,
        subscription_ids=_subscriptions_of(session, org_id, service),
        summary=summary,
        origin="allegation",
        origin_ref=key,
    )


def open_from_assessment(session: Session, actor: Actor, subscription_id: str, title: str | None = None) -> Case:
    """A case on the current risk assessment of one relationship."""
    record = session.scalar(
        select(AssessmentRecord).where(
            AssessmentRecord.subscription_id == subscription_id, AssessmentRecord.current.is_(True)
        )
    )
    if record is None:
        raise LookupError(
            f"assessment: no current assessment of subscription {subscription_id!r} (run `vigie risk assess`)"
        )
    org = session.get(Organisation, record.org_id)
    default_title = (
        f"Assessment of {subscription_id} ({org.name if org else record.org_id}): {record.band}, "
        f"priority {record.priority:.2f}, recommended {record.action}"
    )
    return open_case(
        session,
        actor,
        title or default_title[:MAX_TITLE],
        org_id=record.org_id,
        subscription_ids=[subscription_id],
        summary=f"Opened from assessment {record.id} (version {record.version}, policy {record.policy_id} "
        f"{record.policy_version}); worst harm: {record.worst_harm or 'none'}.",
        origin="assessment",
        origin_ref=str(record.id),
    )


# ------------------------------------------------------------------------------------------ members


def _member_state(member: CaseMember, user_name: str) -> dict[str, Any]:
    return {
        "case": member.case_id,
        "user": user_name,
        "role": member.role,
        "removed_at": member.removed_at,
    }


def _add_member_row(
    session: Session, trail: AuditTrail, case: Case, user_id: str, user_name: str, role: str, by: str
) -> CaseMember:
    existing = session.scalar(
        select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.user_id == user_id)
    )
    if existing is not None:
        if existing.removed_at is None and existing.role == role:
            raise ValueError(f"user: {user_name} is already a {role} of case {case.id}")
        before = _member_state(existing, user_name)
        existing.role, existing.removed_at, existing.removed_by = role, None, None
        existing.added_at, existing.added_by = now_iso(), by
        session.flush()
        trail.record("update", "case_member", f"{case.id}:{user_name}", before, _member_state(existing, user_name))
        return existing
    member = CaseMember(
        case_id=case.id,
        user_id=user_id,
        role=role,
        added_at=now_iso(),
        added_by=by,
        removed_at=None,
        removed_by=None,
    )
    session.add(member)
    session.flush()
    trail.record("add", "case_member", f"{case.id}:{user_name}", None, _member_state(member, user_name))
    return member


def add_member(session: Session, actor: Actor, case_id: str, user_name: str, role: str = "member") -> CaseMember:
    case = get_case(session, case_id)
    require_manage(session, actor, case, "change the members")
    if role not in MEMBER_ROLES:
        raise ValueError(f"role: must be one of {', '.join(MEMBER_ROLES)}, got {role!r}")
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise LookupError(f"user: no user named {user_name!r}")
    if not user.active:
        raise ValueError(f"user: {user_name} is disabled")
    return _add_member_row(session, AuditTrail(session, actor.name), case, user.id, user.name, role, actor.name)


def remove_member(session: Session, actor: Actor, case_id: str, user_name: str) -> None:
    case = get_case(session, case_id)
    require_manage(session, actor, case, "change the members")
    row = session.execute(
        select(CaseMember, User.name)
        .join(User, User.id == CaseMember.user_id)
        .where(CaseMember.case_id == case.id, User.name == user_name, CaseMember.removed_at.is_(None))
    ).first()
    if row is None:
        raise LookupError(f"user: {user_name} is not a member of case {case.id}")
    member: CaseMember = row[0]
    if member.role == "lead":
        leads = session.scalar(
            select(func.count())
            .select_from(CaseMember)
            .where(CaseMember.case_id == case.id, CaseMember.role == "lead", CaseMember.removed_at.is_(None))
        )
        if (leads or 0) <= 1:
            raise ValueError(f"user: {user_name} is the last lead of case {case.id}; add another lead first")
    before = _member_state(member, user_name)
    member.removed_at, member.removed_by = now_iso(), actor.name
    session.flush()
    AuditTrail(session, actor.name).record(
        "remove", "case_member", f"{case.id}:{user_name}", before, _member_state(member, user_name)
    )


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class CaseListing:
    """One line of `vigie case list`: what everyone may see, plus the title for those who may read."""

    id: str
    status: str
    opened_on: str
    readable: bool
    title: str | None
    org_id: str | None


def _cases_query(status: str | None) -> Select[Case]:
    query = select(Case)
    if status is not None:
        query = query.where(Case.status == status)
    return query


def count_cases(session: Session, status: str | None = None) -> int:
    """How many cases `list_cases` lists in all: a page's total, counted by the database."""
    return int(session.scalar(select(func.count()).select_from(_cases_query(status).subquery())) or 0)


def list_cases(
    session: Session, actor: Actor, status: str | None = None, limit: int | None = None, offset: int = 0
) -> list[CaseListing]:
    """Oldest first; `limit` and `offset` cut a page in the query, so a long list is never read whole."""
    mine = {
        cid: role
        for cid, role in session.execute(
            select(CaseMember.case_id, CaseMember.role).where(
                CaseMember.user_id == actor.id, CaseMember.removed_at.is_(None)
            )
        )
    }
    query = _cases_query(status).order_by(Case.opened_at, Case.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    out = []
    for case in session.scalars(query):
        readable = may_read(actor, Standing(member=case.id in mine, lead=mine.get(case.id) == "lead"))
        out.append(
            CaseListing(
                id=case.id,
                status=case.status,
                opened_on=case.opened_at[:10],
                readable=readable,
                title=case.title if readable else None,
                org_id=case.org_id if readable else None,
            )
        )
    return out


# Built once (composing a select costs about as much as running a small one): an organisation's cases on their
# index, each with the reader's active membership, if any (one row at most: a member is unique in a case).
_CASES_ABOUT = (
    select(Case.id, Case.status, Case.opened_at, Case.title, Case.org_id, CaseMember.role)
    .outerjoin(
        CaseMember,
        (CaseMember.case_id == Case.id)
        & (CaseMember.user_id == bindparam("user_id"))
        & CaseMember.removed_at.is_(None),
    )
    .where(Case.org_id == bindparam("org_id"))
    .order_by(Case.opened_at, Case.id)
)


def cases_about(session: Session, actor: Actor, org_id: str) -> list[CaseListing]:
    """The cases on one organisation as `list_cases` lists them (oldest first, need-to-know applied), in one
    query. A page about a relationship asks this on every view; listing every case to keep a few read them all."""
    out = []
    for case_id, status, opened_at, title, case_org, role in session.execute(
        _CASES_ABOUT, {"user_id": actor.id, "org_id": org_id}
    ):
        readable = may_read(actor, Standing(member=role is not None, lead=role == "lead"))
        out.append(
            CaseListing(
                id=case_id,
                status=status,
                opened_on=opened_at[:10],
                readable=readable,
                title=title if readable else None,
                org_id=case_org if readable else None,
            )
        )
    return out


def case_stub(session: Session, case_id: str) -> CaseListing:
    """What anyone may know of a case: that it exists, its status and when it was opened."""
    case = get_case(session, case_id)
    return CaseListing(case.id, case.status, case.opened_at[:10], False, None, None)


@dataclass(frozen=True)
class MemberView:
    name: str
    role: str
    added_at: str
    added_by: str


@dataclass(frozen=True)
class ItemView:
    id: str
    kind: str
    sha256: str
    size: int
    document_id: str | None
    label: dict[str, Any] | None  # opened only when a key is configured; None when sealed or absent
    sealed: bool
    added_at: str
    added_by: str


@dataclass(frozen=True)
class FindingView:
    id: str
    allegation: str
    conclusion: str
    rationale: str
    evidence_item_ids: tuple[str, ...]
    supersedes: str | None
    current: bool
    recorded_at: str
    recorded_by: str


@dataclass(frozen=True)
class CaseView:
    id: str
    title: str
    status: str
    origin: str
    origin_ref: str | None
    org_id: str | None
    subscription_ids: tuple[str, ...]
    summary: str | None
    opened_at: str
    opened_by: str
    closed_at: str | None
    closed_by: str | None
    closing_note: str | None
    members: tuple[MemberView, ...]
    items: tuple[ItemView, ...]
    findings: tuple[FindingView, ...]
    decision_ids: tuple[str, ...]
    request_ids: tuple[str, ...]


def _label_context(item_id: str) -> str:
    return f"evidence_items.label:{item_id}"


def _item_view(item: EvidenceItem, sealer: Sealer | None) -> ItemView:
    label = None
    if item.label_sealed is not None and sealer is not None:
        label = sealer.open_json(item.label_sealed, _label_context(item.id))
    return ItemView(
        id=item.id,
        kind=item.kind,
        sha256=item.sha256,
        size=item.size,
        document_id=item.document_id,
        label=label,
        sealed=item.label_sealed is not None,
        added_at=item.added_at,
        added_by=item.added_by,
    )


def findings_of(session: Session, case_id: str) -> list[FindingView]:
    rows = list(session.scalars(select(Finding).where(Finding.case_id == case_id).order_by(Finding.recorded_at)))
    superseded = {f.supersedes for f in rows if f.supersedes}
    return [
        FindingView(
            id=f.id,
            allegation=f.allegation,
            conclusion=f.conclusion,
            rationale=f.rationale,
            evidence_item_ids=tuple(f.evidence_item_ids),
            supersedes=f.supersedes,
            current=f.id not in superseded,
            recorded_at=f.recorded_at,
            recorded_by=f.recorded_by,
        )
        for f in rows
    ]


def show_case(session: Session, actor: Actor, case_id: str, sealer: Sealer | None = None) -> CaseView:
    """Everything in a case, for its members and auditors; the reading is audited."""
    case = get_case(session, case_id)
    require_read(session, actor, case)
    members = tuple(
        MemberView(name, m.role, m.added_at, m.added_by)
        for m, name in session.execute(
            select(CaseMember, User.name)
            .join(User, User.id == CaseMember.user_id)
            .where(CaseMember.case_id == case.id, CaseMember.removed_at.is_(None))
            .order_by(CaseMember.role, User.name)
        )
    )
    items = tuple(
        _item_view(i, sealer)
        for i in session.scalars(
            select(EvidenceItem).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.added_at)
        )
    )
    decisions = tuple(session.scalars(select(Decision.id).where(Decision.case_id == case.id).order_by(Decision.id)))
    requests = tuple(
        session.scalars(select(UseRequest.id).where(UseRequest.case_id == case.id).order_by(UseRequest.id))
    )
    AuditTrail(session, actor.name).record("view", "case", case.id, None, None)
    return CaseView(
        id=case.id, title=case.title, status=case.status, origin=case.origin, origin_ref=case.origin_ref,
        org_id=case.org_id, subscription_ids=tuple(case.subscription_ids), summary=case.summary,
        opened_at=case.opened_at, opened_by=case.opened_by, closed_at=case.closed_at, closed_by=case.closed_by,
        closing_note=case.closing_note, members=members, items=items, findings=tuple(findings_of(session, case.id)),
        decision_ids=decisions, request_ids=requests,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ evidence


def _item_state(item: EvidenceItem) -> dict[str, Any]:
    return {
        "case": item.case_id,
        "kind": item.kind,
        "sha256": item.sha256,
        "size": item.size,
        "document_id": item.document_id,
        "label": "sealed" if item.label_sealed else None,
    }


def _custody(session: Session, item: EvidenceItem, actor: Actor, action: str, note: str | None = None) -> None:
    session.add(
        CustodyEvent(
            item_id=item.id,
            case_id=item.case_id,
            at=now_iso(),
            actor=actor.name,
            action=action,
            sha256=item.sha256,
            note=note,
        )
    )
    session.flush()


def _new_item(
    session: Session,
    actor: Actor,
    case: Case,
    kind: str,
    digest: str,
    size: int,
    *,
    document_id: str | None = None,
    label: dict[str, Any] | None = None,
    sealer: Sealer | None = None,
) -> EvidenceItem:
    item_id = new_id("ev")
    label_sealed = None
    if label:
        if sealer is None:
            raise KeyMissing(f"a key is needed to seal the item's description: {KEY_HINT}")
        label_sealed = sealer.seal_json(label, _label_context(item_id))
    item = EvidenceItem(
        id=item_id,
        case_id=case.id,
        kind=kind,
        document_id=document_id,
        sha256=digest,
        size=size,
        label_sealed=label_sealed,
        added_at=now_iso(),
        added_by=actor.name,
    )
    session.add(item)
    session.flush()
    _custody(session, item, actor, "added")
    AuditTrail(session, actor.name).record("add", "evidence_item", item.id, None, _item_state(item))
    return item


def add_document(
    session: Session, actor: Actor, case_id: str, document_id: str, note: str | None = None,
    sealer: Sealer | None = None,
) -> EvidenceItem:  # fmt: skip
    """An evidence-stage document as evidence in the case; its hash is the document's content hash."""
    case = get_case(session, case_id)
    require_write(session, actor, case, "add evidence")
    document = session.get(Document, document_id)
    if document is None:
        raise LookupError(f"document: no document with id {document_id!r} (see `vigie evidence list`)")
    label = {"note": note} if note else None
    return _new_item(
        session, actor, case, "document", document.sha256, len(document.text.encode("utf-8")),
        document_id=document.id, label=label, sealer=sealer,
    )  # fmt: skip


def add_file(
    session: Session,
    actor: Actor,
    case_id: str,
    file_name: str,
    data: bytes,
    store: FileStore,
    sealer: Sealer,
    note: str | None = None,
) -> EvidenceItem:
    """An uploaded file, sealed into the content-addressed store; its name and note are sealed in the row."""
    case = get_case(session, case_id)
    require_write(session, actor, case, "add evidence")
    if not data:
        raise ValueError(f"file: {file_name} is empty")
    if len(data) > MAX_FILE:
        raise ValueError(f"file: {file_name} is {len(data):,} bytes; at most {MAX_FILE:,} can be added")
    digest = store.put(data, sealer)
    label: dict[str, Any] = {"file_name": file_name}
    if note:
        label["note"] = note
    return _new_item(session, actor, case, "file", digest, len(data), label=label, sealer=sealer)


def _interview_context(item_id: str) -> str:
    return f"interviews.record:{item_id}"


def add_interview(
    session: Session,
    actor: Actor,
    case_id: str,
    sealer: Sealer,
    *,
    interviewee: str,
    text: str,
    conducted_on: date,
    affiliation: str | None = None,
    consent: str = "given",
) -> EvidenceItem:
    """An interview record: who was interviewed and what they said are sealed; the database keeps only
    the date, the interviewer and a hash of the record."""
    case = get_case(session, case_id)
    require_write(session, actor, case, "record an interview")
    interviewee = _text("interviewee", interviewee, 500)
    text = _text("text", text)
    if consent not in CONSENT:
        raise ValueError(f"consent: must be one of {', '.join(CONSENT)}, got {consent!r}")
    if conducted_on > date.today():
        raise ValueError(f"date: {conducted_on.isoformat()} is in the future")
    record = {"interviewee": interviewee, "affiliation": affiliation, "consent": consent, "text": text}
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    item = _new_item(session, actor, case, "interview", sha256_of(canonical), len(canonical))
    session.add(
        Interview(
            item_id=item.id,
            conducted_on=conducted_on,
            conducted_by=actor.name,
            record_sealed=sealer.seal_json(record, _interview_context(item.id)),
        )
    )
    session.flush()
    return item


@dataclass(frozen=True)
class ItemContent:
    item: ItemView
    content: bytes  # the file, the document's text, or the interview record as JSON
    media_type: str
    interview: dict[str, Any] | None  # interviewee, affiliation, consent, text; with conducted_on and _by


def _get_item(session: Session, item_id: str) -> tuple[EvidenceItem, Case]:
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise LookupError(f"no evidence item with id {item_id!r}")
    return item, get_case(session, item.case_id)


def _content(session: Session, item: EvidenceItem, sealer: Sealer | None, store: FileStore | None) -> ItemContent:
    interview = None
    if item.kind == "document":
        document = session.get(Document, item.document_id or "")
        if document is None:
            raise LookupError(f"document {item.document_id} of item {item.id} is no longer in the evidence stage")
        content, media_type = document.text.encode("utf-8"), "text/plain; charset=utf-8"
    elif item.kind == "file":
        if sealer is None or store is None:
            raise KeyMissing(f"a key and the case file store are needed to open a file: {KEY_HINT}")
        content, media_type = store.get(item.sha256, sealer), "application/octet-stream"
    else:
        if sealer is None:
            raise KeyMissing(f"a key is needed to open an interview record: {KEY_HINT}")
        row = session.get(Interview, item.id)
        if row is None:
            raise LookupError(f"interview record of item {item.id} is missing")
        record = sealer.open_json(row.record_sealed, _interview_context(item.id))
        canonical = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        if sha256_of(canonical) != item.sha256:
            raise ValueError(f"interview {item.id}: the record no longer matches its SHA-256 {item.sha256}")
        interview = {**record, "conducted_on": row.conducted_on.isoformat(), "conducted_by": row.conducted_by}
        content, media_type = canonical, "application/json"
    return ItemContent(_item_view(item, sealer), content, media_type, interview)


def view_item(
    session: Session, actor: Actor, item_id: str, sealer: Sealer | None = None, store: FileStore | None = None
) -> ItemContent:
    """Open an evidence item; the custody history records who viewed it, when, and its hash."""
    item, case = _get_item(session, item_id)
    require_read(session, actor, case)
    content = _content(session, item, sealer, store)
    _custody(session, item, actor, "viewed")
    AuditTrail(session, actor.name).record("view", "evidence_item", item.id, None, None)
    return content


def export_item(
    session: Session,
    actor: Actor,
    item_id: str,
    destination: str,
    sealer: Sealer | None = None,
    store: FileStore | None = None,
) -> ItemContent:
    """Take an item out of vigie (the caller writes it to `destination`); custody records where it went."""
    item, case = _get_item(session, item_id)
    require_read(session, actor, case)
    content = _content(session, item, sealer, store)
    _custody(session, item, actor, "exported", f"to {destination}")
    AuditTrail(session, actor.name).record("export", "evidence_item", item.id, None, {"destination": destination})
    return content


@dataclass(frozen=True)
class CustodyView:
    at: str
    actor: str
    action: str
    sha256: str
    note: str | None


def custody_history(session: Session, actor: Actor, item_id: str) -> tuple[ItemView, list[CustodyView]]:
    item, case = _get_item(session, item_id)
    require_read(session, actor, case)
    events = session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.id))
    return _item_view(item, None), [CustodyView(e.at, e.actor, e.action, e.sha256, e.note) for e in events]


# ------------------------------------------------------------------------------------------ findings


def record_finding(
    session: Session,
    actor: Actor,
    case_id: str,
    allegation: str,
    conclusion: str,
    rationale: str,
    evidence_item_ids: Sequence[str] = (),
) -> FindingView:
    """A finding on one allegation; a new finding on the same allegation supersedes the previous one."""
    case = get_case(session, case_id)
    require_write(session, actor, case, "record a finding")
    allegation = _text("allegation", allegation, 400)
    if conclusion not in CONCLUSIONS:
        raise ValueError(f"conclusion: must be one of {', '.join(CONCLUSIONS)}, got {conclusion!r}")
    rationale = _text("rationale", rationale)
    ids = sorted(set(evidence_item_ids))
    if ids:
        known = set(
            session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id, EvidenceItem.id.in_(ids)))
        )
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"evidence: {', '.join(unknown)} not evidence items of case {case.id}")
    current = [f for f in findings_of(session, case.id) if f.current and f.allegation == allegation]
    finding = Finding(
        id=new_id("fnd"),
        case_id=case.id,
        allegation=allegation,
        conclusion=conclusion,
        rationale=rationale,
        evidence_item_ids=ids,
        supersedes=current[0].id if current else None,
        recorded_at=now_iso(),
        recorded_by=actor.name,
    )
    session.add(finding)
    session.flush()
    state = {
        "case": case.id, "allegation": allegation, "conclusion": conclusion, "rationale": rationale,
        "evidence": ids, "supersedes": finding.supersedes,
    }  # fmt: skip
    AuditTrail(session, actor.name).record("record", "finding", finding.id, None, state)
    return FindingView(
        finding.id, allegation, conclusion, rationale, tuple(ids), finding.supersedes, True,
        finding.recorded_at, finding.recorded_by,
    )  # fmt: skip


def close_case(session: Session, actor: Actor, case_id: str, note: str) -> Case:
    case = get_case(session, case_id)
    require_manage(session, actor, case, "close")
    if case.status != "open":
        raise ValueError(f"case {case.id} is already {case.status}")
    note = _text("note", note)
    before = _case_state(case)
    case.status, case.closed_at, case.closed_by, case.closing_note = "closed", now_iso(), actor.name, note
    session.flush()
    AuditTrail(session, actor.name).record("close", "case", case.id, before, _case_state(case))
    return case


def require_case_reader(session: Session, actor: Actor, case_id: str) -> Case:
    """For other parts of the cases stage (decisions, requests) that attach to a case."""
    case = get_case(session, case_id)
    standing = Standing.of(session, case.id, actor)
    if not standing.member:
        raise AccessDenied(f"{actor.describe()} may not attach anything to case {case.id}: they are not a member")
    return case

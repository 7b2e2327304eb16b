"""Sensitive-use and emergency requests: recorded, triaged under the policy, decided with a rationale.

Triage is a pure function (`triage`) of the request, the facts the register and the risk stage hold
about the relationship, and the policy. It names every clause that applies and why:

- the harms the stated purpose points to (the evidence stage's harm cues, in every language vigie
  reads, plus any harm the triager names) → the prohibited-use clauses of the policy for those harms;
- a security-sector customer (policy `customer_kinds`), a heightened-diligence context or a current
  assessment whose recommended action is to restrict or suspend (policy `context`, `priority`);
- the involvement the requested service's capabilities imply (policy `involvement`).

What approval it needs follows from that: if any prohibited-use clause, security-sector, heightened
or restrict/suspend factor applies, an *approver* who did not triage the request decides (a second
pair of eyes); otherwise an investigator or an approver may. The policy's clauses are cited, so the
rule is traceable to the provider's own text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, require
from vigie.access.crypto import KeyMissing, Sealer
from vigie.audit.trail import AuditTrail, now_iso
from vigie.cases.service import KEY_HINT, new_id, require_case_reader
from vigie.cases.tables import UseRequest
from vigie.evidence.lexicon import language, languages
from vigie.register.tables import Organisation, Service, Subscription
from vigie.risk.policy import Policy, policy_digest
from vigie.risk.tables import AssessmentRecord

KINDS = ("sensitive-use", "emergency")
URGENCIES = ("emergency", "urgent", "routine")  # most urgent first: the order requests are listed in
OUTCOMES = ("approved", "approved-with-conditions", "refused")
APPROVALS = ("approver", "investigator")
REQUESTER_READERS = ("analyst", "investigator", "approver", "auditor")  # not admin: no need to know
ESCALATING_ACTIONS = frozenset({"restrict", "suspend-pending-investigation", "terminate-with-exit-plan"})


@dataclass(frozen=True)
class HarmSignal:
    harm: str
    source: str  # "purpose" (a cue in the stated purpose) or "triager"
    cue: str | None  # the words of the purpose that matched


@dataclass(frozen=True)
class Relationship:
    """What the register and the risk stage say about the relationship the request concerns."""

    org_kind: str
    capabilities: tuple[str, ...]
    assessments: tuple[tuple[str, str, str, bool], ...]  # (subscription, band, recommended action, heightened)


@dataclass(frozen=True)
class Reason:
    clause: str
    text: str  # what the clause says, or the factor's description
    why: str  # what in this request made it apply


@dataclass(frozen=True)
class Triage:
    policy_id: str
    policy_version: str
    policy_digest: str
    harms: tuple[HarmSignal, ...]
    clauses: tuple[Reason, ...]  # prohibited-use clauses
    factors: tuple[Reason, ...]  # other policy clauses that raise the approval needed
    approval: str  # "approver" or "investigator"
    recommendation: str

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": {"id": self.policy_id, "version": self.policy_version, "digest": self.policy_digest},
            "harms": [{"harm": h.harm, "source": h.source, "cue": h.cue} for h in self.harms],
            "clauses": [{"clause": r.clause, "text": r.text, "why": r.why} for r in self.clauses],
            "factors": [{"clause": r.clause, "text": r.text, "why": r.why} for r in self.factors],
            "approval": self.approval,
            "recommendation": self.recommendation,
        }


def harm_signals(purpose: str, declared: Sequence[str], policy: Policy) -> list[HarmSignal]:
    """Harm cues in the purpose, in every language vigie reads, and the harms the triager names."""
    unknown = [h for h in declared if h not in policy.harms]
    if unknown:
        raise ValueError(f"harm: unknown harm {', '.join(unknown)}; the policy knows {', '.join(sorted(policy.harms))}")
    found: dict[str, HarmSignal] = {}
    for code in languages():
        for hit in language(code).harms.find(purpose):
            found.setdefault(hit.payload, HarmSignal(hit.payload, "purpose", purpose[hit.start : hit.end]))
    for harm in declared:
        found.setdefault(harm, HarmSignal(harm, "triager", None))
    return sorted(found.values(), key=lambda s: s.harm)


def triage(policy: Policy, purpose: str, declared_harms: Sequence[str], relationship: Relationship) -> Triage:
    """Which clauses apply to a request and what approval it needs; pure, so it can be shown before it is saved."""
    harms = harm_signals(purpose, declared_harms, policy)
    clauses: dict[str, Reason] = {}
    for signal in harms:
        because = f"the purpose says {signal.cue!r}" if signal.cue else "named by the triager"
        for clause in policy.clauses_for(signal.harm):
            if clause not in clauses:
                clauses[clause] = Reason(
                    clause, policy.prohibited_uses[clause].text, f"{signal.harm} harm: {because}"
                )
    factors: list[Reason] = []
    kinds = policy.customer_kinds
    if relationship.org_kind in kinds.security_sector:
        factors.append(
            Reason(kinds.clause, kinds.reference, f"the customer is a {relationship.org_kind} (security sector)")
        )
    heightened = sorted({sub for sub, _b, _a, h in relationship.assessments if h})
    if heightened:
        factors.append(
            Reason(
                policy.context.clause,
                policy.context.reference,
                f"heightened due diligence applies to {', '.join(heightened)}",
            )
        )
    actions: dict[str, str] = {str(k): v for k, v in policy.actions.items()}
    levels: dict[str, str] = {str(k): v for k, v in policy.involvement.levels.items()}
    for sub, band, action, _h in relationship.assessments:
        if action in ESCALATING_ACTIONS:
            factors.append(
                Reason(
                    policy.priority.clause,
                    actions.get(action, action),
                    f"the current assessment of {sub} is {band}, recommending {action}",
                )
            )
    involvement = sorted(
        {policy.involvement.capabilities[c] for c in relationship.capabilities if c in policy.involvement.capabilities}
    )
    if "contribute" in involvement or "cause" in involvement:
        level = "cause" if "cause" in involvement else "contribute"
        factors.append(
            Reason(
                policy.involvement.clause,
                levels[level],
                f"the service's capabilities ({', '.join(relationship.capabilities)}) mean the provider would {level}",
            )
        )
    # Involvement alone does not escalate (most cloud services contribute); it is cited for the record.
    escalating = bool(clauses) or any(f.clause != policy.involvement.clause for f in factors)
    approval = "approver" if escalating else "investigator"
    if clauses:
        recommendation = (
            "refuse, or approve only with conditions that exclude the uses clauses "
            f"{', '.join(sorted(clauses))} prohibit"
        )
    elif escalating:
        recommendation = "approve only with conditions and verification, or refuse"
    else:
        recommendation = "no prohibited use found: may be approved"
    return Triage(
        policy_id=policy.id,
        policy_version=policy.version,
        policy_digest=policy_digest(policy),
        harms=tuple(harms),
        clauses=tuple(sorted(clauses.values(), key=lambda r: r.clause)),
        factors=tuple(factors),
        approval=approval,
        recommendation=recommendation,
    )


# ------------------------------------------------------------------------------------------ service


def _requester_context(request_id: str) -> str:
    return f"use_requests.requester:{request_id}"


def _state(request: UseRequest) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "org_id": request.org_id,
        "requester": "sealed" if request.requester_sealed else None,
        "service_id": request.service_id,
        "subscription_ids": list(request.subscription_ids),
        "purpose": request.purpose,
        "urgency": request.urgency,
        "status": request.status,
        "case_id": request.case_id,
        "triage": request.triage,
        "outcome": request.outcome,
        "conditions": request.conditions,
        "rationale": request.rationale,
    }


def get_request(session: Session, request_id: str) -> UseRequest:
    request = session.get(UseRequest, request_id)
    if request is None:
        raise LookupError(f"no request with id {request_id!r}")
    return request


def add_request(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    org_id: str,
    purpose: str,
    urgency: str,
    service_id: str | None = None,
    subscription_ids: Sequence[str] = (),
    requester: str | None = None,
    sealer: Sealer | None = None,
    case_id: str | None = None,
) -> UseRequest:
    """Record a request as received. The person who asked is personal data: sealed, never in the audit log."""
    require(actor, "analyst", "investigator", action="record a request")
    if kind not in KINDS:
        raise ValueError(f"kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    if urgency not in URGENCIES:
        raise ValueError(f"urgency: must be one of {', '.join(URGENCIES)}, got {urgency!r}")
    if not purpose or not purpose.strip():
        raise ValueError("purpose: must say what the service is to be used for")
    if session.get(Organisation, org_id) is None:
        raise ValueError(f"org: no organisation with id {org_id!r}")
    if service_id is None and not subscription_ids:
        raise ValueError("service: name the service or the subscription(s) the request concerns")
    if service_id is not None and session.get(Service, service_id) is None:
        raise ValueError(f"service: no service with id {service_id!r}")
    subs = sorted(set(subscription_ids))
    for sub_id in subs:
        sub = session.get(Subscription, sub_id)
        if sub is None:
            raise ValueError(f"subscription: no subscription with id {sub_id!r}")
        if org_id not in (sub.customer_id, sub.end_user_id):
            raise ValueError(f"subscription: {sub_id} is not a subscription of {org_id}")
    if case_id is not None:
        require_case_reader(session, actor, case_id)
    request_id = new_id("req")
    sealed = None
    if requester and requester.strip():
        if sealer is None:
            raise KeyMissing(f"requester: a key is needed to record who asked (it is personal data): {KEY_HINT}")
        sealed = sealer.seal(requester.strip(), _requester_context(request_id))
    request = UseRequest(
        id=request_id,
        kind=kind,
        org_id=org_id,
        requester_sealed=sealed,
        service_id=service_id,
        subscription_ids=subs,
        purpose=purpose.strip(),
        urgency=urgency,
        status="received",
        received_at=now_iso(),
        recorded_by=actor.name,
        case_id=case_id,
        triage=None,
        triaged_at=None,
        triaged_by=None,
        outcome=None,
        conditions=None,
        rationale=None,
        decided_at=None,
        decided_by=None,
    )
    session.add(request)
    session.flush()
    AuditTrail(session, actor.name).record("receive", "use_request", request.id, None, _state(request))
    return request


def relationship_of(session: Session, request: UseRequest) -> Relationship:
    """The facts triage needs, read from the register and the current assessments."""
    org = session.get(Organisation, request.org_id)
    service_ids = {request.service_id} if request.service_id else set()
    if request.subscription_ids:
        service_ids |= set(
            session.scalars(select(Subscription.service_id).where(Subscription.id.in_(request.subscription_ids)))
        )
    capabilities: set[str] = set()
    for caps in session.scalars(select(Service.capabilities).where(Service.id.in_(service_ids))):
        capabilities.update(caps or [])
    subs = list(request.subscription_ids)
    if not subs and request.service_id:
        subs = list(
            session.scalars(
                select(Subscription.id).where(
                    Subscription.service_id == request.service_id,
                    or_(Subscription.customer_id == request.org_id, Subscription.end_user_id == request.org_id),
                )
            )
        )
    assessments = tuple(
        (r.subscription_id, r.band, r.action, r.heightened)
        for r in session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.subscription_id.in_(subs), AssessmentRecord.current.is_(True))
            .order_by(AssessmentRecord.subscription_id)
        )
    )
    return Relationship(org.kind if org else "other", tuple(sorted(capabilities)), assessments)


def triage_request(
    session: Session, actor: Actor, request_id: str, policy: Policy, harms: Sequence[str] = ()
) -> Triage:
    """Triage (or triage again, e.g. after a new policy) a request that is not yet decided."""
    require(actor, "analyst", "investigator", action="triage a request")
    request = get_request(session, request_id)
    if request.status not in ("received", "triaged"):
        raise ValueError(f"request {request.id} is already decided ({request.outcome})")
    result = triage(policy, request.purpose, harms, relationship_of(session, request))
    before = _state(request)
    request.triage = result.as_json()
    request.status, request.triaged_at, request.triaged_by = "triaged", now_iso(), actor.name
    session.flush()
    AuditTrail(session, actor.name).record("triage", "use_request", request.id, before, _state(request))
    return result


def decide_request(
    session: Session,
    actor: Actor,
    request_id: str,
    outcome: str,
    rationale: str,
    conditions: str | None = None,
) -> UseRequest:
    """Decide a triaged request, as the approval its triage named: an approver who did not triage it, or
    (when triage found nothing that escalates) an investigator or approver."""
    request = get_request(session, request_id)
    if request.status == "received" or request.triage is None:
        raise ValueError(f"request {request.id} has not been triaged: run `vigie request triage {request.id}`")
    if request.status != "triaged":
        raise ValueError(f"request {request.id} is already decided ({request.outcome})")
    needed = str(request.triage.get("approval", "approver"))
    what = f"decide request {request.id}"
    if needed == "approver":
        require(actor, "approver", action=what)
        if actor.name == request.triaged_by:
            raise AccessDenied(
                f"{actor.describe()} may not {what}: they triaged it, and its triage needs a second person "
                "(clauses " + ", ".join(c["clause"] for c in request.triage.get("clauses", [])) + ")"
            )
    else:
        require(actor, "investigator", "approver", action=what)
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if not rationale or not rationale.strip():
        raise ValueError("rationale: a decision on a request must say why")
    if outcome == "approved-with-conditions" and not (conditions and conditions.strip()):
        raise ValueError("conditions: an approval with conditions must state them")
    if outcome != "approved-with-conditions" and conditions:
        raise ValueError(f"conditions: only an approval with conditions has conditions (outcome is {outcome})")
    before = _state(request)
    request.outcome = outcome
    request.status = outcome
    request.rationale = rationale.strip()
    request.conditions = conditions.strip() if conditions else None
    request.decided_at, request.decided_by = now_iso(), actor.name
    session.flush()
    AuditTrail(session, actor.name).record("decide", "use_request", request.id, before, _state(request))
    return request


def _requests_query(status: str | None) -> Select[UseRequest]:
    query = select(UseRequest)
    if status is not None:
        query = query.where(UseRequest.status == status)
    return query


def list_requests(
    session: Session, status: str | None = None, limit: int | None = None, offset: int = 0
) -> list[UseRequest]:
    """Undecided first, most urgent first, oldest first; the database sorts, so a page is cut in the query."""
    decided = case((UseRequest.status.in_(("received", "triaged")), 0), else_=1)
    urgency = case({u: i for i, u in enumerate(URGENCIES)}, value=UseRequest.urgency, else_=len(URGENCIES))
    query = _requests_query(status).order_by(decided, urgency, UseRequest.received_at, UseRequest.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_requests(session: Session, status: str | None = None) -> int:
    """How many requests `list_requests` lists in all."""
    return int(session.scalar(select(func.count()).select_from(_requests_query(status).subquery())) or 0)


def requester_of(request: UseRequest, sealer: Sealer) -> str | None:
    if request.requester_sealed is None:
        return None
    return sealer.open(request.requester_sealed, _requester_context(request.id))


def reveal_requester(session: Session, actor: Actor, request_id: str, sealer: Sealer) -> str | None:
    """Who asked, opened for someone who works on requests; the reading is audited, as it is personal data."""
    require(actor, *REQUESTER_READERS, action=f"see who made request {request_id}")
    request = get_request(session, request_id)
    name = requester_of(request, sealer)
    if name is not None:
        AuditTrail(session, actor.name).record("view", "use_request", request.id, None, {"opened": "requester"})
    return name

"""Decisions on a relationship or some of its subscriptions, with the two-person rule.

A decision is proposed, then approved or refused by someone with the approver role (or withdrawn by
whoever proposed it). Suspending and terminating a relationship need a *second* person: the
approver can never be the proposer. The rule is enforced here, in the service layer, so the command
line, the API and any script go through the same check. `admin` does not stand in for `approver`.

A termination needs a responsible-exit plan (UNGP 19 commentary; UNDP 2022): the impact of leaving
on the people who depend on the service, the notice given, and what is kept (data, access for
remedy, records). Every decision has a review date; `overdue` lists those whose date has passed.

`get_decision` is the read the enforcement stage uses to turn an approved decision into orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, require
from vigie.audit.trail import AuditTrail, now_iso
from vigie.cases.service import new_id, require_case_reader
from vigie.cases.tables import Decision, DecisionApproval
from vigie.register.tables import Organisation, Subscription

ACTIONS = ("continue", "continue-with-conditions", "restrict", "suspend", "terminate")
TWO_PERSON = frozenset({"suspend", "terminate"})
STATUSES = ("proposed", "approved", "refused", "withdrawn")
NEEDS_CONDITIONS = frozenset({"continue-with-conditions", "restrict"})
EXIT_FIELDS = ("impact", "notice", "kept")


@dataclass(frozen=True)
class ApprovalView:
    user: str
    verdict: str
    at: str
    note: str | None


@dataclass(frozen=True)
class DecisionView:
    id: str
    action: str
    status: str
    subscription_ids: tuple[str, ...]
    proposed_by: str
    approved_by: str | None
    review_date: date
    org_id: str
    case_id: str | None
    rationale: str
    conditions: str | None
    exit_plan: dict[str, str] | None
    proposed_at: str
    decided_at: str | None
    reviewed_at: str | None
    approvals: tuple[ApprovalView, ...] = ()

    @property
    def needs_two_people(self) -> bool:
        return self.action in TWO_PERSON


def check_proposal(
    action: str,
    rationale: str | None,
    review_date: date,
    today: date,
    conditions: str | None = None,
    exit_plan: dict[str, str] | None = None,
) -> list[str]:
    """Every problem with a proposal, each naming its field; empty when it can be recorded."""
    problems: list[str] = []
    if action not in ACTIONS:
        problems.append(f"action: must be one of {', '.join(ACTIONS)}, got {action!r}")
    if not rationale or not rationale.strip():
        problems.append("rationale: a decision must say why")
    if review_date <= today:
        problems.append(f"review_date: must be after today ({today.isoformat()}), got {review_date.isoformat()}")
    if action in NEEDS_CONDITIONS and not (conditions and conditions.strip()):
        what = "the conditions" if action == "continue-with-conditions" else "what is restricted"
        problems.append(f"conditions: a decision to {action} must state {what}")
    if action == "terminate":
        plan = exit_plan or {}
        missing = [f for f in EXIT_FIELDS if not (plan.get(f) or "").strip()]
        if missing:
            problems.append(
                "exit_plan: a termination needs a responsible-exit plan with the impact of leaving, the notice "
                f"given and what is kept (missing: {', '.join(missing)})"
            )
    elif exit_plan:
        problems.append(f"exit_plan: only a termination has an exit plan (action is {action})")
    return problems


def _view(session: Session, d: Decision, approvals: tuple[ApprovalView, ...] | None = None) -> DecisionView:
    if approvals is None:
        approvals = tuple(
            ApprovalView(a.user_name, a.verdict, a.at, a.note)
            for a in session.scalars(
                select(DecisionApproval).where(DecisionApproval.decision_id == d.id).order_by(DecisionApproval.id)
            )
        )
    return DecisionView(
        id=d.id, action=d.action, status=d.status, subscription_ids=tuple(d.subscription_ids),
        proposed_by=d.proposed_by, approved_by=d.approved_by, review_date=d.review_date, org_id=d.org_id,
        case_id=d.case_id, rationale=d.rationale, conditions=d.conditions,
        exit_plan=dict(d.exit_plan) if d.exit_plan else None, proposed_at=d.proposed_at, decided_at=d.decided_at,
        reviewed_at=d.reviewed_at, approvals=approvals,
    )  # fmt: skip


def _state(d: Decision) -> dict[str, Any]:
    return {
        "action": d.action,
        "status": d.status,
        "org_id": d.org_id,
        "subscription_ids": list(d.subscription_ids),
        "case_id": d.case_id,
        "rationale": d.rationale,
        "conditions": d.conditions,
        "exit_plan": d.exit_plan,
        "review_date": d.review_date.isoformat(),
        "proposed_by": d.proposed_by,
        "approved_by": d.approved_by,
    }


def get_decision(session: Session, decision_id: str) -> DecisionView:
    """One decision as it stands; LookupError if there is none with this id."""
    d = session.get(Decision, decision_id)
    if d is None:
        raise LookupError(f"no decision with id {decision_id!r}")
    return _view(session, d)


def _relationship(session: Session, org_id: str | None, subscription_ids: Sequence[str]) -> tuple[str, list[str]]:
    """The organisation and subscriptions a decision covers: the named subscriptions, or all the
    organisation's subscriptions that have not ended. One decision is about one relationship."""
    if org_id is not None and session.get(Organisation, org_id) is None:
        raise ValueError(f"org: no organisation with id {org_id!r}")
    if subscription_ids:
        subs = []
        for sub_id in sorted(set(subscription_ids)):
            sub = session.get(Subscription, sub_id)
            if sub is None:
                raise ValueError(f"subscription: no subscription with id {sub_id!r}")
            subs.append(sub)
        if org_id is None:
            customers = sorted({s.customer_id for s in subs})
            if len(customers) > 1:
                raise ValueError(
                    f"subscription: these belong to {', '.join(customers)}; a decision is about one relationship "
                    "(propose one per customer, or name --org)"
                )
            org_id = customers[0]
        strangers = [s.id for s in subs if org_id not in (s.customer_id, s.end_user_id)]
        if strangers:
            raise ValueError(f"subscription: {', '.join(strangers)} not subscriptions of {org_id}")
        return org_id, [s.id for s in subs]
    if org_id is None:
        raise ValueError("org: name the organisation or the subscription(s) the decision is about")
    ids = sorted(
        session.scalars(
            select(Subscription.id).where(
                or_(Subscription.customer_id == org_id, Subscription.end_user_id == org_id),
                Subscription.status != "terminated",
            )
        )
    )
    if not ids:
        raise ValueError(f"org: {org_id} has no subscription that has not ended")
    return org_id, ids


def propose(
    session: Session,
    actor: Actor,
    *,
    action: str,
    rationale: str,
    review_date: date,
    org_id: str | None = None,
    subscription_ids: Sequence[str] = (),
    conditions: str | None = None,
    exit_plan: dict[str, str] | None = None,
    case_id: str | None = None,
    today: date | None = None,
) -> DecisionView:
    require(actor, "investigator", "approver", action="propose a decision")
    problems = check_proposal(action, rationale, review_date, today or date.today(), conditions, exit_plan)
    if problems:
        raise ValueError("; ".join(problems))
    if case_id is not None:
        require_case_reader(session, actor, case_id)
    org, subs = _relationship(session, org_id, subscription_ids)
    decision = Decision(
        id=new_id("dec"),
        case_id=case_id,
        org_id=org,
        subscription_ids=subs,
        action=action,
        status="proposed",
        rationale=rationale.strip(),
        conditions=conditions.strip() if conditions and conditions.strip() else None,
        exit_plan={k: exit_plan[k].strip() for k in EXIT_FIELDS} if exit_plan and action == "terminate" else None,
        review_date=review_date,
        proposed_at=now_iso(),
        proposed_by=actor.name,
        approved_by=None,
        decided_at=None,
        reviewed_at=None,
    )
    session.add(decision)
    session.flush()
    AuditTrail(session, actor.name).record("propose", "decision", decision.id, None, _state(decision))
    return _view(session, decision)


def _locked(session: Session, decision_id: str) -> Decision:
    """The decision row, locked until the transaction ends, so two approvers cannot both decide it."""
    d = session.scalar(select(Decision).where(Decision.id == decision_id).with_for_update())
    if d is None:
        raise LookupError(f"no decision with id {decision_id!r}")
    if d.status != "proposed":
        who = f" by {d.approved_by}" if d.approved_by else ""
        raise ValueError(f"decision {d.id} is already {d.status}{who}; only a proposed decision can be decided")
    return d


def _verdict(session: Session, actor: Actor, d: Decision, verdict: str, note: str | None) -> None:
    session.add(
        DecisionApproval(
            decision_id=d.id,
            user_id=actor.id,
            user_name=actor.name,
            verdict=verdict,
            at=now_iso(),
            note=note.strip() if note and note.strip() else None,
        )
    )


def approve(session: Session, actor: Actor, decision_id: str, note: str | None = None) -> DecisionView:
    """Approve a proposed decision. Suspend and terminate: a second person with the approver role."""
    what = f"approve decision {decision_id}"
    require(actor, "approver", action=what)
    d = _locked(session, decision_id)
    if d.action in TWO_PERSON and actor.name == d.proposed_by:
        raise AccessDenied(
            f"{actor.describe()} may not {what}: they proposed it, and a decision to {d.action} needs a second "
            "person with the approver role (two-person rule)"
        )
    before = _state(d)
    _verdict(session, actor, d, "approve", note)
    d.status, d.approved_by, d.decided_at = "approved", actor.name, now_iso()
    session.flush()
    AuditTrail(session, actor.name).record("approve", "decision", d.id, before, _state(d))
    return _view(session, d)


def refuse(session: Session, actor: Actor, decision_id: str, note: str) -> DecisionView:
    """Refuse a proposed decision, saying why; the proposer withdraws instead (see `withdraw`)."""
    what = f"refuse decision {decision_id}"
    require(actor, "approver", action=what)
    if not note or not note.strip():
        raise ValueError("note: a refusal must say why")
    d = _locked(session, decision_id)
    if actor.name == d.proposed_by:
        raise AccessDenied(f"{actor.describe()} may not {what}: they proposed it; withdraw it instead")
    before = _state(d)
    _verdict(session, actor, d, "refuse", note)
    d.status, d.decided_at = "refused", now_iso()
    session.flush()
    AuditTrail(session, actor.name).record("refuse", "decision", d.id, before, _state(d))
    return _view(session, d)


def withdraw(session: Session, actor: Actor, decision_id: str, note: str | None = None) -> DecisionView:
    d = _locked(session, decision_id)
    if actor.name != d.proposed_by:
        raise AccessDenied(
            f"{actor.describe()} may not withdraw decision {d.id}: only its proposer ({d.proposed_by}) may"
        )
    before = _state(d)
    _verdict(session, actor, d, "withdraw", note)
    d.status, d.decided_at = "withdrawn", now_iso()
    session.flush()
    AuditTrail(session, actor.name).record("withdraw", "decision", d.id, before, _state(d))
    return _view(session, d)


def review(
    session: Session, actor: Actor, decision_id: str, next_review: date, note: str, today: date | None = None
) -> DecisionView:
    """Record that an approved decision was reviewed and still stands, and set the next review date."""
    require(actor, "investigator", "approver", action=f"review decision {decision_id}")
    d = session.scalar(select(Decision).where(Decision.id == decision_id).with_for_update())
    if d is None:
        raise LookupError(f"no decision with id {decision_id!r}")
    if d.status != "approved":
        raise ValueError(f"decision {d.id} is {d.status}: only an approved decision is reviewed")
    today = today or date.today()
    if next_review <= today:
        raise ValueError(f"next_review: must be after today ({today.isoformat()}), got {next_review.isoformat()}")
    if not note or not note.strip():
        raise ValueError("note: say what the review found")
    before = _state(d)
    d.review_date, d.reviewed_at = next_review, now_iso()
    session.flush()
    after = {**_state(d), "review_note": note.strip()}
    AuditTrail(session, actor.name).record("review", "decision", d.id, before, after)
    return _view(session, d)


def _decisions_query(status: str | None, org_id: str | None, case_id: str | None) -> Select[Decision]:
    if status is not None and status not in STATUSES:
        raise ValueError(f"status: must be one of {', '.join(STATUSES)}, got {status!r}")
    query = select(Decision)
    if status is not None:
        query = query.where(Decision.status == status)
    if org_id is not None:
        query = query.where(Decision.org_id == org_id)
    if case_id is not None:
        query = query.where(Decision.case_id == case_id)
    return query


def list_decisions(
    session: Session,
    status: str | None = None,
    org_id: str | None = None,
    case_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[DecisionView]:
    """Oldest first; `limit` and `offset` cut a page in the query."""
    query = _decisions_query(status, org_id, case_id).order_by(Decision.proposed_at, Decision.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_view(session, d) for d in session.scalars(query)]


# Built once (composing a select costs about as much as running a small one).
_DECISIONS_OF_ORG = (
    select(Decision).where(Decision.org_id == bindparam("org_id")).order_by(Decision.proposed_at, Decision.id)
)
_APPROVALS_OF = (
    select(DecisionApproval)
    .where(DecisionApproval.decision_id.in_(bindparam("ids", expanding=True)))
    .order_by(DecisionApproval.id)
)


def decisions_on(session: Session, org_id: str, subscription_id: str) -> list[DecisionView]:
    """`list_decisions(org_id=...)` kept to those naming one subscription, oldest first, in two queries however
    many there are (their approvals read together): a relationship's page shows them on every view. The
    subscriptions are a JSON list, so they are matched here, among the organisation's few decisions."""
    found = [d for d in session.scalars(_DECISIONS_OF_ORG, {"org_id": org_id}) if subscription_id in d.subscription_ids]
    approvals: dict[str, list[ApprovalView]] = {d.id: [] for d in found}
    if found:
        for a in session.scalars(_APPROVALS_OF, {"ids": list(approvals)}):
            approvals[a.decision_id].append(ApprovalView(a.user_name, a.verdict, a.at, a.note))
    return [_view(session, d, tuple(approvals[d.id])) for d in found]


def count_decisions(
    session: Session, status: str | None = None, org_id: str | None = None, case_id: str | None = None
) -> int:
    """How many decisions `list_decisions` lists in all, with the same filters."""
    query = _decisions_query(status, org_id, case_id).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def overdue(session: Session, as_of: date | None = None) -> list[DecisionView]:
    """Decisions in force or awaiting approval whose review date has passed, the longest overdue first."""
    as_of = as_of or date.today()
    query = (
        select(Decision)
        .where(Decision.status.in_(("approved", "proposed")), Decision.review_date < as_of)
        .order_by(Decision.review_date, Decision.id)
    )
    return [_view(session, d) for d in session.scalars(query)]

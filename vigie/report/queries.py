"""Every figure of the transparency report, computed from the database as plain data.

A report is a pure function of the database and a period: the same data and period always give the
same figures, so a regulator can re-run the queries and get the report's numbers. Each table says in
one line how it was computed (`Table.how`), and the report prints that line under the table.

What the public may not see never enters these tables: no customer name unless the naming rule
below allows it, no user's login name, no case title, no interview, no requester, no rationale.
What is withheld is counted in `Withheld` rows instead, so the report can say where and why.

**Naming rule (rule N1).** A customer is named in the public report only when it is a public body
(a ministry, armed forces, a military unit, an intelligence agency, police, a prison service, another
public body or an international organisation) and the register cites a public source for it: a
state body's use of a provider's services is a matter of public interest. Companies, NGOs,
academic and healthcare bodies, and any organisation without a source, are withheld: naming them
could harm people who are not the subject of the diligence, and contracts with them are
commercially confidential.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigie.cases.tables import Case, Decision, EvidenceItem, Finding, UseRequest
from vigie.enforce.tables import Order
from vigie.evidence.allegations import ALLEGING
from vigie.evidence.tables import ClaimLink, ClaimRecord, Document
from vigie.register.tables import Organisation, Subscription
from vigie.register.vocabulary import PUBLIC_BODY_KINDS
from vigie.risk.tables import AssessmentRecord

NAMING_RULE = (
    "Rule N1: a customer is named only if it is a public body and the register cites a public source for it; "
    "companies, NGOs, academic and healthcare bodies and unsourced organisations are withheld."
)
DECISION_ACTIONS = ("continue", "continue-with-conditions", "restrict", "suspend", "terminate")
NO_TERRITORY = "(none declared)"


@dataclass(frozen=True)
class Period:
    """A half-open interval of days, [start, end), compared with vigie's ISO timestamps as text."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2025` (a calendar year) or `2025-01-01..2025-06-30` (both days included)."""
        text = text.strip()
        if text.isdigit() and len(text) == 4:
            year = int(text)
            return cls(text, date(year, 1, 1), date(year + 1, 1, 1))
        first, sep, last = text.partition("..")
        try:
            if not sep:
                raise ValueError
            start, stop = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError:
            raise ValueError(
                f"period: {text!r} is neither a year (2025) nor FIRST..LAST days (2025-01-01..2025-06-30)"
            ) from None
        if stop < start:
            raise ValueError(f"period: {text!r} ends before it starts")
        end = date.fromordinal(stop.toordinal() + 1)
        return cls(text, start, end)

    @property
    def lo(self) -> str:
        return self.start.isoformat()

    @property
    def hi(self) -> str:
        return self.end.isoformat()

    def contains(self, stamp: str | None) -> bool:
        return stamp is not None and self.lo <= stamp < self.hi


@dataclass
class Table:
    """One table of the report: what a CSV or JSON export writes, and what a figure shows."""

    key: str
    title: str
    how: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "how": self.how, "columns": self.columns, "rows": self.rows}


@dataclass
class Figure:
    """A single number with how it was computed."""

    key: str
    label: str
    value: int | float | str | None
    how: str


@dataclass
class Transparency:
    period: Period
    generated_at: str
    figures: dict[str, Figure]
    tables: dict[str, Table]
    heat: list[tuple[float, float]]  # (severity, likelihood) of the relationships reviewed, for the heat map
    decisions_by_month: dict[str, Counter[str]]
    decision_hours: list[tuple[str, float]]  # (D1, hours first allegation → decision), for the chart
    withheld: Table


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def latest_assessments(session: Session, period: Period) -> list[AssessmentRecord]:
    """For each relationship assessed in the period, its last version made in the period."""
    last = (
        select(AssessmentRecord.subscription_id, func.max(AssessmentRecord.version).label("version"))
        .where(AssessmentRecord.created_at >= period.lo, AssessmentRecord.created_at < period.hi)
        .group_by(AssessmentRecord.subscription_id)
        .subquery()
    )
    query = (
        select(AssessmentRecord)
        .join(
            last,
            (AssessmentRecord.subscription_id == last.c.subscription_id) & (AssessmentRecord.version == last.c.version),
        )
        .order_by(AssessmentRecord.subscription_id)
    )
    return list(session.scalars(query))


def _relationships(session: Session, period: Period) -> tuple[list[AssessmentRecord], Table, Table]:
    assessed = latest_assessments(session, period)
    subs = {
        s.id: s
        for s in session.scalars(select(Subscription).where(Subscription.id.in_([a.subscription_id for a in assessed])))
    }
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    by_territory: dict[str, list[int]] = {}
    by_kind: dict[str, list[int]] = {}
    for a in assessed:
        sub = subs[a.subscription_id]
        kind = orgs[sub.customer_id].kind
        for territory in sorted(set(sub.use_territories or [])) or [NO_TERRITORY]:
            row = by_territory.setdefault(territory, [0, 0])
            row[0] += 1
            row[1] += int(a.heightened)
        row = by_kind.setdefault(kind, [0, 0])
        row[0] += 1
        row[1] += int(a.heightened)
    territory_table = Table(
        "relationships_by_territory",
        "Relationships reviewed, by territory of use",
        "Subscriptions with at least one risk assessment made in the period, counted once per territory they declare "
        "(or under '(none declared)'); 'heightened' when their last assessment in the period is under heightened "
        "diligence.",
        ["territory", "reviewed", "heightened"],
        [[t, *v] for t, v in sorted(by_territory.items())],
    )
    kind_table = Table(
        "relationships_by_customer_kind",
        "Relationships reviewed, by kind of customer",
        "The same subscriptions, counted once each under their customer's kind in the register.",
        ["customer kind", "reviewed", "heightened"],
        [[k, *v] for k, v in sorted(by_kind.items())],
    )
    return assessed, territory_table, kind_table


def _evidence(session: Session, period: Period) -> tuple[Table, Table, int, int]:
    docs = list(
        session.execute(
            select(Document.kind, func.count())
            .where(Document.ingested_at >= period.lo, Document.ingested_at < period.hi)
            .group_by(Document.kind)
        )
    )
    claims = list(
        session.execute(
            select(Document.kind, ClaimRecord.harms)
            .join(Document, Document.id == ClaimRecord.document_id)
            .where(
                Document.ingested_at >= period.lo,
                Document.ingested_at < period.hi,
                ClaimRecord.stance.in_(sorted(ALLEGING)),
                ClaimRecord.rejected.is_(False),
            )
        )
    )
    per_kind = Counter(kind for kind, _ in claims)
    doc_counts: dict[str, int] = {kind: n for kind, n in docs}
    sources = Table(
        "sources_by_kind",
        "Documents received and the allegations in them, by kind of source",
        "Documents ingested in the period by their kind; allegations are their claims with an alleging stance "
        "(alleges, finds, confirms) that no reviewer rejected.",
        ["source kind", "documents", "allegations"],
        [[k, doc_counts.get(k, 0), per_kind.get(k, 0)] for k in sorted(set(doc_counts) | set(per_kind))],
    )
    harms = Counter(h for _, hs in claims for h in set(hs or []))
    harm_table = Table(
        "allegations_by_harm",
        "Allegations by category of harm",
        "The same allegations, counted once under each harm category they name (a claim may name several).",
        ["harm", "allegations"],
        [[h, n] for h, n in sorted(harms.items())],
    )
    return sources, harm_table, sum(doc_counts.values()), len(claims)


def _cases(session: Session, period: Period) -> tuple[Table, int, int]:
    opened = session.scalar(
        select(func.count()).select_from(Case).where(Case.opened_at >= period.lo, Case.opened_at < period.hi)
    )
    closed = session.scalar(
        select(func.count()).select_from(Case).where(Case.closed_at >= period.lo, Case.closed_at < period.hi)
    )
    superseded = select(Finding.supersedes).where(Finding.supersedes.is_not(None))
    findings: dict[str, int] = {
        conclusion: n
        for conclusion, n in session.execute(
            select(Finding.conclusion, func.count())
            .where(Finding.recorded_at >= period.lo, Finding.recorded_at < period.hi, Finding.id.not_in(superseded))
            .group_by(Finding.conclusion)
        )
    }
    table = Table(
        "findings_by_conclusion",
        "Findings of investigations, by conclusion",
        "Findings recorded in the period and not superseded by a later finding on the same allegation.",
        ["conclusion", "findings"],
        [
            [c, findings.get(c, 0)]
            for c in ("substantiated", "partly-substantiated", "not-substantiated", "inconclusive")
        ],
    )
    return table, int(opened or 0), int(closed or 0)


def _decisions(session: Session, period: Period) -> tuple[Table, list[Decision]]:
    rows = list(
        session.scalars(
            select(Decision)
            .where(Decision.decided_at >= period.lo, Decision.decided_at < period.hi)
            .order_by(Decision.decided_at, Decision.id)
        )
    )
    counts: dict[str, list[int]] = {a: [0, 0, 0] for a in DECISION_ACTIONS}
    for d in rows:
        row = counts.setdefault(d.action, [0, 0, 0])
        if d.status == "approved":
            row[0] += 1
            row[2] += len(d.subscription_ids or [])
        elif d.status == "refused":
            row[1] += 1
    table = Table(
        "decisions_by_action",
        "Decisions, by action",
        "Decisions approved or refused in the period (the day of the approval or refusal), by the action proposed; "
        "subscriptions are those the approved decisions cover.",
        ["action", "approved", "refused", "subscriptions"],
        [[a, *v] for a, v in counts.items()],
    )
    return table, [d for d in rows if d.status == "approved"]


def _requests(session: Session, period: Period) -> Table:
    rows = session.execute(
        select(UseRequest.kind, UseRequest.outcome, func.count())
        .where(UseRequest.decided_at >= period.lo, UseRequest.decided_at < period.hi)
        .group_by(UseRequest.kind, UseRequest.outcome)
    )
    counts: dict[str, dict[str, int]] = {}
    for kind, outcome, n in rows:
        counts.setdefault(kind, {})[outcome or ""] = n
    outcomes = ("approved", "approved-with-conditions", "refused")
    return Table(
        "requests_by_outcome",
        "Sensitive-use and emergency requests decided",
        "Requests decided in the period, by kind and outcome.",
        ["kind", *outcomes],
        [[k, *(counts.get(k, {}).get(o, 0) for o in outcomes)] for k in ("sensitive-use", "emergency")],
    )


def first_allegation_at(session: Session, decision: Decision) -> str | None:
    """When the provider first received an allegation about the decision's organisations.

    The organisations are the decision's own and the customers and end users of its subscriptions;
    the moment is the ingestion of the earliest document with an unrejected alleging claim linked to
    one of them — when the provider could have known, not when the document was published.
    """
    org_ids = {decision.org_id}
    for sub in session.scalars(select(Subscription).where(Subscription.id.in_(decision.subscription_ids or []))):
        org_ids.add(sub.customer_id)
        if sub.end_user_id:
            org_ids.add(sub.end_user_id)
    found = session.scalar(
        select(func.min(Document.ingested_at))
        .join(ClaimRecord, ClaimRecord.document_id == Document.id)
        .join(ClaimLink, ClaimLink.claim_id == ClaimRecord.id)
        .where(
            ClaimLink.kind == "organisation",
            ClaimLink.entity_id.in_(sorted(org_ids)),
            ClaimRecord.stance.in_(sorted(ALLEGING)),
            ClaimRecord.rejected.is_(False),
        )
    )
    return str(found) if found is not None else None


def enforced_at(session: Session, decision: Decision) -> str | None:
    """When the last of the decision's orders was acknowledged; None while any is not (or there are none)."""
    orders = list(session.scalars(select(Order).where(Order.decision_id == decision.id)))
    if not orders or any(o.state != "acknowledged" or not o.acknowledged_at for o in orders):
        return None
    return max(o.acknowledged_at or "" for o in orders)


def _timing(session: Session, approved: list[Decision]) -> tuple[Table, list[tuple[str, float]], list[float]]:
    table = Table(
        "decision_timing",
        "Time from first allegation to decision, and from decision to enforcement",
        "For each decision approved in the period: hours from the ingestion of the first allegation about its "
        "organisations to its approval, and from its approval to the acknowledgement of its last enforcement order.",
        ["decision", "action", "allegation to decision (h)", "decision to enforcement (h)"],
    )
    to_decision: list[tuple[str, float]] = []
    to_enforcement: list[float] = []
    for n, d in enumerate(approved, start=1):
        first = first_allegation_at(session, d)
        done = enforced_at(session, d)
        a = round(_hours(first, d.decided_at or ""), 2) if first else None
        b = round(_hours(d.decided_at or "", done), 2) if done else None
        if a is not None:
            to_decision.append((f"D{n}", a))
        if b is not None:
            to_enforcement.append(b)
        table.rows.append([f"D{n}", d.action, a, b])
    return table, to_decision, to_enforcement


def _named_decisions(session: Session, approved: list[Decision]) -> tuple[Table, int]:
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    table = Table(
        "suspensions_and_terminations",
        "Suspensions and terminations",
        "Decisions to suspend or terminate approved in the period, with the customer named under rule N1.",
        ["decision", "action", "customer", "customer kind", "subscriptions", "approved on"],
    )
    withheld = 0
    for n, d in enumerate(approved, start=1):
        if d.action not in ("suspend", "terminate"):
            continue
        org = orgs.get(d.org_id)
        kind = org.kind if org else "unknown"
        if org is not None and org.kind in PUBLIC_BODY_KINDS and (org.source or "").strip():
            name = org.name
        else:
            name = "withheld (rule N1)"
            withheld += 1
        table.rows.append([f"D{n}", d.action, name, kind, len(d.subscription_ids or []), (d.decided_at or "")[:10]])
    return table, withheld


def _policy(assessed: list[AssessmentRecord]) -> str:
    if not assessed:
        return "no assessment in the period"
    last = max(assessed, key=lambda a: (a.created_at, a.id))
    return f"{last.policy_id} {last.policy_version}"


def transparency(session: Session, period: Period, generated_at: str | None = None) -> Transparency:
    """Every figure and table of the transparency report for `period`."""
    assessed, by_territory, by_kind = _relationships(session, period)
    sources, harms, documents, allegations = _evidence(session, period)
    findings, opened, closed = _cases(session, period)
    decisions, approved = _decisions(session, period)
    requests = _requests(session, period)
    timing, to_decision, to_enforcement = _timing(session, approved)
    named, names_withheld = _named_decisions(session, approved)
    by_month: dict[str, Counter[str]] = {}
    for d in approved:
        by_month.setdefault((d.decided_at or "")[:7], Counter())[d.action] += 1
    policy = _policy(assessed)
    interviews = session.scalar(
        select(func.count())
        .select_from(EvidenceItem)
        .where(EvidenceItem.kind == "interview", EvidenceItem.added_at >= period.lo, EvidenceItem.added_at < period.hi)
    )
    requesters = session.scalar(
        select(func.count())
        .select_from(UseRequest)
        .where(
            UseRequest.requester_sealed.is_not(None),
            UseRequest.received_at >= period.lo,
            UseRequest.received_at < period.hi,
        )
    )
    withheld = Table(
        "withheld",
        "What this report withholds, and why",
        "Counted in the same period from the same tables; the content itself never enters the report.",
        ["what", "how many", "why"],
        [
            ["customer names in the suspensions and terminations", names_withheld, NAMING_RULE],
            ["customer names elsewhere", len(assessed), "Relationships are reported as counts by territory and kind."],
            ["interview records", int(interviews or 0), "Personal data given in confidence; encrypted at rest."],
            ["identity of the people who made requests", int(requesters or 0), "Personal data; encrypted at rest."],
            ["case titles, members and evidence items", opened, "Investigations are need-to-know."],
            [
                "names of the staff who proposed and approved decisions",
                len(approved),
                "Personal data; the two-person rule is reported instead, as a count.",
            ],
            ["decision rationales", len(approved), "Internal deliberation; given to a regulator in the dossier."],
        ],
    )
    figures = [
        Figure("relationships_reviewed", "Relationships reviewed", len(assessed),
               "Subscriptions with at least one risk assessment made in the period."),
        Figure("heightened", "Under heightened due diligence", sum(a.heightened for a in assessed),
               "Of those, the ones whose last assessment in the period is under heightened diligence."),
        Figure("documents", "Documents received", documents, "Documents ingested in the period."),
        Figure("allegations", "Allegations received", allegations,
               "Unrejected claims with an alleging stance in the documents ingested in the period."),
        Figure("cases_opened", "Investigations opened", opened, "Cases opened in the period."),
        Figure("cases_closed", "Investigations closed", closed, "Cases closed in the period."),
        Figure("decisions_approved", "Decisions approved", len(approved), "Decisions approved in the period."),
        Figure("suspensions", "Suspensions", sum(d.action == "suspend" for d in approved),
               "Approved decisions to suspend."),
        Figure("terminations", "Terminations", sum(d.action == "terminate" for d in approved),
               "Approved decisions to terminate."),
        Figure("two_person", "Suspensions and terminations approved by a second person",
               sum(d.action in ("suspend", "terminate") and d.approved_by != d.proposed_by for d in approved),
               "Approved decisions to suspend or terminate whose approver is not their proposer."),
        Figure("requests_approved", "Requests approved",
               sum(sum(r[1:3]) for r in requests.rows), "Requests decided in the period as approved (with or "
               "without conditions)."),
        Figure("requests_refused", "Requests refused", sum(r[3] for r in requests.rows),
               "Requests decided in the period as refused."),
        Figure("median_allegation_to_decision_h", "Median hours, first allegation to decision",
               _median([h for _, h in to_decision]),
               "Median over the approved decisions of the hours from the first allegation received to the approval."),
        Figure("median_decision_to_enforcement_h", "Median hours, decision to enforcement", _median(to_enforcement),
               "Median over the approved decisions fully enforced of the hours from approval to the last order's "
               "acknowledgement."),
        Figure("policy", "Policy in force", policy, "The policy of the last assessment made in the period."),
    ]  # fmt: skip
    return Transparency(
        period=period,
        generated_at=generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        figures={f.key: f for f in figures},
        tables={
            t.key: t for t in (by_territory, by_kind, sources, harms, findings, decisions, named, requests, timing)
        },
        heat=[(a.severity, a.likelihood) for a in assessed],
        decisions_by_month=by_month,
        decision_hours=to_decision,
        withheld=withheld,
    )

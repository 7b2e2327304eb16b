"""Every figure of the transparency report, computed from the database as plain data.

A report is a pure function of the database and a period: the same data and period always give the
same figures, so a regulator can re-run the queries and get the report's numbers. Each table says in
one line how it was computed (`Table.how`), and the report prints that line under the table.

What the public may not see never enters these tables: no customer name unless the naming rule
(rule N1, in `vigie.report.disclosure`) allows it, no user's login name, no case title, no
interview, no requester, no rationale. What is withheld is counted in the `withheld` table instead,
so the report can say where and why.

Durations are whole seconds between two stored timestamps (`durations.seconds_between`); the page
rounds them for reading, the data does not.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigie.audit.tables import AuditEntry
from vigie.cases.tables import Case, Decision, EvidenceItem, Finding, UseRequest
from vigie.enforce.tables import Order
from vigie.evidence.allegations import ALLEGING
from vigie.evidence.tables import ClaimLink, ClaimRecord, Document
from vigie.register.tables import Organisation, Subscription
from vigie.report.disclosure import NAMING_RULE, PublicEvidence, may_name, public_evidence
from vigie.report.durations import ROUNDING, seconds_between
from vigie.risk.tables import AssessmentRecord

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


Format = Literal["duration", "time"]


@dataclass
class Table:
    """One table of the report: what a CSV or JSON export writes, and what a figure shows.

    `formats` says how the page shows a column (by index): `duration` for whole seconds, `time` for
    an ISO timestamp; the data keeps the stored value.
    """

    key: str
    title: str
    how: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    formats: dict[int, Format] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "how": self.how, "columns": self.columns, "rows": self.rows}


@dataclass
class Figure:
    """A single number with how it was computed; `unit` is "s" for a duration in seconds."""

    key: str
    label: str
    value: int | float | str | None
    how: str
    unit: str | None = None


@dataclass(frozen=True)
class Timing:
    """One approved decision's timeline, as the timing table and chart show it."""

    label: str  # D1, D2, … in the order of approval
    action: str
    first_allegation: str | None
    decided: str
    enforced: str | None
    to_decision: int | None  # seconds
    to_enforcement: int | None  # seconds


@dataclass
class Transparency:
    period: Period
    generated_at: str
    figures: dict[str, Figure]
    tables: dict[str, Table]
    heat: list[tuple[float, float]]  # (severity, likelihood) of the relationships reviewed, for the heat map
    decisions_by_month: dict[str, Counter[str]]
    timing: list[Timing]
    withheld: Table
    reviewed: list[str]  # the subscriptions reviewed (never published: an id may spell a customer's name)
    evidence: PublicEvidence  # what the published evidence holds, for the FtM export


def _median(values: list[int]) -> float | int | None:
    """The median of whole seconds: whole, or halfway between two whole seconds; never rounded further."""
    return statistics.median(values) if values else None


def data_year(session: Session) -> Period:
    """The calendar year of the last entry in the audit log (the data's own clock), or this year if there is none."""
    last = session.scalar(select(AuditEntry.at).order_by(AuditEntry.seq.desc()).limit(1))
    return Period.parse(str(last)[:4] if last else str(datetime.now(UTC).year))


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
    one of them — when the provider could have known, not when the document was published. Only
    documents received by the time of the decision count: a later allegation did not lead to it.
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
            Document.ingested_at <= (decision.decided_at or ""),
        )
    )
    return str(found) if found is not None else None


def enforced_at(session: Session, decision: Decision) -> str | None:
    """When the last of the decision's orders was acknowledged; None while any is not (or there are none)."""
    orders = list(session.scalars(select(Order).where(Order.decision_id == decision.id)))
    if not orders or any(o.state != "acknowledged" or not o.acknowledged_at for o in orders):
        return None
    return max(o.acknowledged_at or "" for o in orders)


def _timing(session: Session, approved: list[Decision]) -> tuple[Table, list[Timing]]:
    table = Table(
        "decision_timing",
        "Time from first allegation to decision, and from decision to enforcement",
        "For each decision approved in the period: the ingestion of the first allegation about its organisations "
        "received by then, its approval, and the acknowledgement of its last enforcement order; durations are the "
        f"seconds between them. {ROUNDING}",
        ["decision", "action", "first allegation received", "approved", "enforced",
         "allegation to decision (s)", "decision to enforcement (s)"],
        formats={2: "time", 3: "time", 4: "time", 5: "duration", 6: "duration"},
    )  # fmt: skip
    timings: list[Timing] = []
    for n, d in enumerate(approved, start=1):
        decided = d.decided_at or ""
        first = first_allegation_at(session, d)
        done = enforced_at(session, d)
        timing = Timing(
            f"D{n}", d.action, first, decided, done,
            seconds_between(first, decided) if first else None,
            seconds_between(decided, done) if done else None,
        )  # fmt: skip
        timings.append(timing)
        table.rows.append([timing.label, d.action, first, decided, done, timing.to_decision, timing.to_enforcement])
    return table, timings


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
        if org is not None and may_name(org):
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
    timing, timings = _timing(session, approved)
    evidence = public_evidence(session, period.lo, period.hi)
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
            [
                "internal documents received",
                evidence.internal_documents,
                "The provider's own papers; counted in section 3, not published.",
            ],
            [
                "documents about organisations the report does not name",
                evidence.documents_withheld,
                "Counted in section 3; left out of the published evidence under rule N1.",
            ],
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
        Figure("median_allegation_to_decision_s", "Median time, first allegation to decision",
               _median([t.to_decision for t in timings if t.to_decision is not None]),
               "Median over the approved decisions of the time from the first allegation received to the approval.",
               unit="s"),
        Figure("median_decision_to_enforcement_s", "Median time, decision to enforcement",
               _median([t.to_enforcement for t in timings if t.to_enforcement is not None]),
               "Median over the approved decisions fully enforced of the time from approval to the last order's "
               "acknowledgement.", unit="s"),
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
        timing=timings,
        withheld=withheld,
        reviewed=[a.subscription_id for a in assessed],
        evidence=evidence,
    )

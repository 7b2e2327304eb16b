"""The demo's second half: a fictional team investigates the top relationship, decides, and enforces.

It runs the same service functions the command line runs, each as the user who would run it, so
the demo shows the stages working together and leaves a database the README's tour can explore:

1. three fictional users (an admin who operates vigie, an analyst-investigator, an approver), each
   with a random password and an API token;
2. a secret key in a file next to the demo database (never printed), which seals the interview;
3. a case on the top of the risk ranking, with the allegation's source document, a fictional
   interview and a finding;
4. a proposed suspension of the customer's subscriptions the assessments recommend suspending,
   approved by the second person — which issues the orders in the same transaction;
5. the orders delivered to an outbox folder next to the database, acknowledged by acknowledgement
   files that stand in for the provider's control plane, and only then the subscriptions suspended.

Everything people do in this story is invented and says so. The interview describes no real person;
the finding rests on the demo's own fictional documents, which cite the public sources they are
modelled on.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from vigie.access import Actor
from vigie.access.crypto import Sealer, generate_key, load_sealer
from vigie.access.service import actor_of, add_user, get_user, issue_token
from vigie.audit.tables import AuditEntry
from vigie.cases import decisions
from vigie.cases import service as cases
from vigie.cases.tables import Decision, EvidenceItem, Finding
from vigie.enforce import service as enforce
from vigie.enforce.connectors.outbox import ACKS, OutboxConnector, write_atomically
from vigie.enforce.tables import Order
from vigie.register.tables import Subscription
from vigie.risk.tables import AssessmentRecord
from vigie.settings import CasesSettings, EnforceSettings
from vigie.store.engine import session_scope

# (login name, roles, what they do in the story, the environment variable the env file gives their token in)
DEMO_USERS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("admin.fictional", ("admin",), "runs vigie: users, delivery, acknowledgements", "DEMO_ADMIN_TOKEN"),
    ("iris.fictional", ("analyst", "investigator"), "opens the case, interviews, proposes", "DEMO_INVESTIGATOR_TOKEN"),
    ("abel.fictional", ("approver",), "the second person, who approves", "DEMO_APPROVER_TOKEN"),
)
ADMIN, INVESTIGATOR, APPROVER = (u[0] for u in DEMO_USERS)

INTERVIEW_DATE = date(2025, 9, 22)  # within the scenario (early autumn 2025), never in the future
INTERVIEWEE = "Interviewee A (fictional)"
INTERVIEWEE_AFFILIATION = "an invented account engineer at Cumulo Cloud, the demo's fictional provider"
INTERVIEW_TEXT = (
    "FICTIONAL INTERVIEW RECORD, written for vigie's demo. The interviewee, the provider and this conversation "
    "are invented; no real person is described or quoted.\n\n"
    "The interviewee manages the customer's account on the provider's side. They confirmed from the "
    "provider's own billing and consumption records that the customer's object storage and AI Studio "
    "subscriptions grew sharply over the period the published reporting describes, and that AI Studio's "
    "speech-to-text features were among those in use. They have no access to the customer's content and "
    "did not see it. They were not aware of any review of the customer's declared end use after the "
    "contract was signed."
)
FINDING_RATIONALE = (
    "Fictional finding for the demo. The reporting in the case's evidence (a fictional article modelled on the "
    "public reporting it cites) alleges this use; the fictional interview confirms from the provider's own "
    "records the consumption and features it describes, not the content, which the provider cannot see."
)
DECISION_RATIONALE = (
    "Fictional decision for the demo. Finding partly substantiated; the current assessments rank this "
    "relationship first (UNGP 19: contribute, severe, conflict-affected). Suspend the subscriptions the "
    "assessments recommend suspending while the investigation continues (AUP-1, AI-1)."
)
APPROVAL_NOTE = "Second person (fictional): the finding and the assessment support a suspension pending review."
REVIEW_AFTER = timedelta(days=90)


@dataclass(frozen=True)
class Companions:
    """The files the demo keeps next to its database, named after it (`vigie-demo.db` → `vigie-demo.key`, …)."""

    key: Path  # the AES-256 key that seals interviews (mode 600, never printed)
    env: Path  # shell settings and the demo users' tokens, to source for the README's tour (mode 600)
    outbox: Path  # where the outbox connector writes orders, and `acks/` where acknowledgements come back
    files: Path  # the case file store (vigie's default next to a SQLite file)

    @classmethod
    def of(cls, database: Path) -> Companions:
        stem = database.with_suffix("")
        return cls(
            key=Path(f"{stem}.key"),
            env=Path(f"{stem}.env"),
            outbox=Path(f"{stem}-outbox"),
            files=Path(f"{stem}-files"),
        )

    def remove(self) -> None:
        """Start afresh, like the database: the previous run's key, tokens and orders mean nothing now."""
        for path in (self.key, self.env):
            path.unlink(missing_ok=True)
        for folder in (self.outbox, self.files):
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)


@dataclass(frozen=True)
class DemoUser:
    name: str
    roles: tuple[str, ...]
    does: str
    env_var: str
    password: str = field(repr=False)
    token: str = field(repr=False)


@dataclass
class Story:
    """What the investigation left behind, for the demo's last screen and for the tests."""

    companions: Companions
    users: list[DemoUser]
    top_subscription: str
    case_id: str
    interview_id: str
    decision_id: str
    subscription_ids: list[str]
    order_ids: list[str]
    statuses_when_sent: dict[str, str]  # the register's statuses once the orders were sent, before any ack


def _write_private(path: Path, text: str) -> None:
    """A file only its owner can read: it holds a key or tokens."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def make_key(companions: Companions) -> Sealer:
    """A fresh key in the key file, read back through the settings vigie itself uses (CasesSettings)."""
    _write_private(companions.key, generate_key() + "\n")
    settings = CasesSettings(secret_key_file=companions.key, files=companions.files)
    return load_sealer(settings.secret_key, settings.secret_key_file)


def make_users(session: Session) -> tuple[list[DemoUser], dict[str, Actor]]:
    """The first user (an admin, the bootstrap) creates the others and issues everyone's token."""
    users: list[DemoUser] = []
    actors: dict[str, Actor] = {}
    admin: Actor | None = None
    for name, roles, does, env_var in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        add_user(session, admin, name, list(roles), password)
        actors[name] = actor_of(get_user(session, name))
        admin = admin or actors[name]
        token = issue_token(session, admin, name, label="vigie demo").token
        users.append(DemoUser(name, roles, does, env_var, password, token))
    return users, actors


def top_relationship(session: Session) -> tuple[AssessmentRecord, list[str]]:
    """The first of the risk ranking, and the customer's subscriptions whose assessment recommends suspending."""
    ranking = list(
        session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.current.is_(True))
            .order_by(AssessmentRecord.priority.desc(), AssessmentRecord.subscription_id)
        )
    )
    if not ranking:
        raise LookupError("the demo has no current assessment to investigate")
    top = ranking[0]
    same_customer = [a for a in ranking if a.org_id == top.org_id and a.action.startswith("suspend")]
    return top, sorted({a.subscription_id for a in same_customer} | {top.subscription_id})


def _allegation_for(session: Session, top: AssessmentRecord) -> tuple[str, list[str]]:
    """The allegation on the top relationship's service (its worst harm first) and the documents behind it."""
    from vigie.evidence.service import allegations

    found = [a for a in allegations(session, [top.org_id]) if a.service == top.service_id]
    if not found:
        return f"{top.org_id}/{top.service_id}/{top.worst_harm or 'unspecified'}", []
    found.sort(key=lambda a: (a.harm != top.worst_harm, a.harm))
    chosen = found[0]
    documents = sorted({c.document_id for c in chosen.claims})
    return cases.allegation_key(chosen.org_id, chosen.service, chosen.harm), documents


def investigate(engine: Engine, database: Path, say: Callable[[str], None]) -> Story:
    """Users, case, interview, finding, proposal, approval with its orders, delivery and acknowledgement.

    `say` prints one line of progress (the demo's console).
    """
    companions = Companions.of(database)
    sealer = make_key(companions)
    with session_scope(engine) as session:
        users, actors = make_users(session)
    say("Users (fictional): " + ", ".join(f"{u.name} ({', '.join(u.roles)})" for u in users) + ".")

    with session_scope(engine) as session:
        top, subscription_ids = top_relationship(session)
        case = cases.open_from_assessment(session, actors[INVESTIGATOR], top.subscription_id)
        cases.add_member(session, actors[INVESTIGATOR], case.id, APPROVER)
        case_id = case.id
    say(f"Case {case_id} opened by {INVESTIGATOR} on the top relationship, {top.subscription_id}.")

    with session_scope(engine) as session:
        allegation, documents = _allegation_for(session, top)
        items = [cases.add_document(session, actors[INVESTIGATOR], case_id, d).id for d in documents[:1]]
        interview = cases.add_interview(
            session, actors[INVESTIGATOR], case_id, sealer, interviewee=INTERVIEWEE, text=INTERVIEW_TEXT,
            conducted_on=INTERVIEW_DATE, affiliation=INTERVIEWEE_AFFILIATION, consent="given-anonymous",
        )  # fmt: skip
        items.append(interview.id)
        finding = cases.record_finding(
            session, actors[INVESTIGATOR], case_id, allegation, "partly-substantiated", FINDING_RATIONALE, items
        )
    say(f"Interview {interview.id} recorded (sealed); finding on {allegation}: {finding.conclusion}.")

    with session_scope(engine) as session:
        proposal = decisions.propose(
            session, actors[INVESTIGATOR], action="suspend", rationale=DECISION_RATIONALE,
            review_date=date.today() + REVIEW_AFTER, subscription_ids=subscription_ids, case_id=case_id,
        )  # fmt: skip
    say(f"Suspension {proposal.id} of {', '.join(proposal.subscription_ids)} proposed by {INVESTIGATOR}.")

    with session_scope(engine) as session:
        approved = enforce.approve_and_issue(session, actors[APPROVER], proposal.id, APPROVAL_NOTE)
    order_ids = [o.id for o in approved.orders]
    say(f"Approved by {APPROVER}, the second person; {len(order_ids)} orders issued in the same transaction.")

    config = EnforceSettings(connector="outbox", outbox=companions.outbox)
    connector = OutboxConnector(companions.outbox)
    sent = enforce.deliver(engine, ADMIN, config, connector=connector)
    with session_scope(engine) as session:
        statuses = {s: _status(session, s) for s in subscription_ids}
    say(
        f"Orders sent to the outbox {companions.outbox}: {len(sent.sent)}; the register still says "
        + ", ".join(f"{s} {st}" for s, st in statuses.items())
        + " until the control plane acknowledges."
    )

    acknowledge_as_control_plane(companions.outbox, order_ids)
    collected = enforce.deliver(engine, ADMIN, config, connector=connector)
    with session_scope(engine) as session:
        after = ", ".join(f"{s} {_status(session, s)}" for s in subscription_ids)
    say(f"Acknowledged from {len(collected.acks_from_files)} acknowledgement files: {after}.")

    story = Story(
        companions, users, top.subscription_id, case_id, interview.id, proposal.id, subscription_ids, order_ids,
        statuses,
    )  # fmt: skip
    write_env(story, database)
    return story


def _status(session: Session, subscription_id: str) -> str:
    sub = session.get(Subscription, subscription_id)
    return sub.status if sub is not None else "missing"


def acknowledge_as_control_plane(outbox: Path, order_ids: list[str]) -> None:
    """Stand in for the provider's control plane: read each order file, "apply" it, drop its acknowledgement.

    A real collector does the same from its side (docs/enforce.md, *Outbox*); nothing here touches
    the database — vigie learns of the acknowledgement only by reading `acks/`.
    """
    for order_id in order_ids:
        order = json.loads((outbox / f"{order_id}.json").read_text(encoding="utf-8"))
        ack = {
            "order_id": order["order_id"],
            "idempotency_key": order["idempotency_key"],
            "applied": True,
            "note": f"{order['action']} applied by the demo's simulated control plane (fictional)",
        }
        write_atomically(outbox / ACKS / f"{order_id}.json", json.dumps(ack, sort_keys=True).encode("utf-8") + b"\n")


def write_env(story: Story, database: Path) -> None:
    """Settings, tokens and the story's ids to source for the README's tour, readable only by their owner."""
    companions = story.companions
    lines = [
        "# vigie demo: settings and the fictional users' API tokens; every `vigie demo` rewrites it.",
        "# Source it (. ./vigie-demo.env), then e.g.: VIGIE_TOKEN=$DEMO_INVESTIGATOR_TOKEN vigie case list",
        f"export VIGIE_DATABASE_URL={shlex.quote(f'sqlite:///{database.resolve()}')}",
        "unset VIGIE_SECRET_KEY  # it would win over the demo's key file",
        f"export VIGIE_SECRET_KEY_FILE={shlex.quote(str(companions.key.resolve()))}",
        f"export VIGIE_CASE_FILES={shlex.quote(str(companions.files.resolve()))}",
        "export VIGIE_ENFORCE_CONNECTOR=outbox",
        f"export VIGIE_ENFORCE_OUTBOX={shlex.quote(str(companions.outbox.resolve()))}",
        *(f"export {u.env_var}={shlex.quote(u.token)}  # {u.name}" for u in story.users),
        f"export DEMO_CASE={story.case_id}",
        f"export DEMO_INTERVIEW={story.interview_id}",
        f"export DEMO_DECISION={story.decision_id}",
    ]
    _write_private(companions.env, "\n".join(lines) + "\n")


# ------------------------------------------------------------------------------------------ timeline


@dataclass(frozen=True)
class TimelineRow:
    seq: int  # the first audit entry of the step: `vigie audit log` shows the rest
    at: str
    actor: str
    step: str
    what: str


_STEPS = {
    ("case", "open"): "case opened",
    ("evidence_item", "add"): "evidence added",
    ("finding", "record"): "finding",
    ("decision", "propose"): "proposed",
    ("decision", "approve"): "approved",
    ("decision", "refuse"): "refused",
    ("decision", "withdraw"): "withdrawn",
    ("enforcement_order", "issue"): "orders issued",
    ("enforcement_order", "send"): "orders sent",
    ("enforcement_order", "acknowledge"): "acknowledged",
    ("enforcement_order", "cancel"): "order cancelled",
    ("enforcement_order", "dead-letter"): "dead letter",
    ("subscription", "update"): "subscription status",
}


def _describe(entry: AuditEntry, after: dict[str, Any], before: dict[str, Any]) -> tuple[str, str] | None:
    """(step, what) for an entry the timeline shows; None for the others (views, attempts, members)."""
    step = _STEPS.get((entry.entity_type, entry.action))
    if step is None:
        return None
    kind = entry.entity_type
    if kind == "case":
        subs = ", ".join(after.get("subscription_ids") or [])
        return step, f"{entry.entity_id}, from the {after.get('origin')} of {subs}"
    if kind == "evidence_item":
        if after.get("kind") == "interview":
            return "interview", f"{entry.entity_id}, sealed (who, what); sha256 {str(after.get('sha256'))[:12]}…"
        return step, f"{entry.entity_id}: {after.get('kind')} {after.get('document_id') or ''}".strip()
    if kind == "finding":
        return step, f"{after.get('allegation')}: {after.get('conclusion')}"
    if kind == "decision":
        subs = ", ".join(after.get("subscription_ids") or [])
        if entry.action == "propose":
            return step, f"{after.get('action')} {subs}"
        return step, f"{entry.entity_id} ({after.get('action')}; proposed by {after.get('proposed_by')})"
    if kind == "enforcement_order":
        sub = after.get("subscription_id")
        if entry.action == "acknowledge":
            via = str((after.get("acknowledgement") or {}).get("via", "?"))
            return step, f"{sub} via {via.split(' ord-')[0]}"  # the file's name is the order's id
        return step, f"{after.get('action')} {sub}"
    if before.get("status") == after.get("status"):
        return None
    return step, f"{entry.entity_id}: {before.get('status')} → {after.get('status')}"


def timeline(session: Session, case_id: str) -> list[TimelineRow]:
    """A case's story from the audit log, in the log's order: the record a regulator would read.

    Consecutive entries of the same step by the same user are one row (two orders sent together).
    Status changes are shown only when an order of the case's decisions caused them.
    """
    item_ids = list(session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case_id)))
    finding_ids = list(session.scalars(select(Finding.id).where(Finding.case_id == case_id)))
    decision_ids = list(session.scalars(select(Decision.id).where(Decision.case_id == case_id)))
    orders = list(session.scalars(select(Order).where(Order.decision_id.in_(decision_ids)))) if decision_ids else []
    wanted = {
        ("case", case_id),
        *(("evidence_item", i) for i in item_ids),
        *(("finding", i) for i in finding_ids),
        *(("decision", i) for i in decision_ids),
        *(("enforcement_order", o.id) for o in orders),
        *(("subscription", o.subscription_id) for o in orders),
    }
    order_ids = {o.id for o in orders}
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id.in_({e for _, e in wanted})).order_by(AuditEntry.seq)
    )
    rows: list[TimelineRow] = []
    for entry in entries:
        if (entry.entity_type, entry.entity_id) not in wanted:
            continue
        if entry.entity_type == "subscription" and not any(o in (entry.context or "") for o in order_ids):
            continue
        before = json.loads(entry.before) if entry.before else {}
        after = json.loads(entry.after) if entry.after else {}
        described = _describe(entry, after, before)
        if described is None:
            continue
        step, what = described
        last = rows[-1] if rows else None
        if last is not None and last.step == step and last.actor == entry.actor:
            rows[-1] = TimelineRow(last.seq, last.at, last.actor, step, f"{last.what}; {what}")
        else:
            rows.append(TimelineRow(entry.seq, entry.at, entry.actor, step, what))
    return rows

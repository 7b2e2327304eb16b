"""`vigie case ...`, `vigie request ...` and `vigie decision ...`: investigations, requests and decisions.

Every command acts as the user of VIGIE_TOKEN and is audited. Interview records and personal data
need the secret key (VIGIE_SECRET_KEY or a key file): see docs/cases.md.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from vigie.access import AccessDenied
from vigie.access.crypto import generate_key
from vigie.cases import decisions as dec
from vigie.cases import requests as req
from vigie.cases import service
from vigie.commands.common import (
    acting,
    console,
    err_console,
    fail,
    file_store,
    open_engine,
    required_sealer,
    sealer,
    settings,
)
from vigie.enforce.service import approve_and_issue
from vigie.risk.policy import Policy, PolicyError, load_policy

case_app = typer.Typer(
    help="Investigations: members, evidence with chain of custody, interviews, findings.", no_args_is_help=True
)
request_app = typer.Typer(
    help="Sensitive-use and emergency requests: triage under the policy, then decide.", no_args_is_help=True
)
decision_app = typer.Typer(
    help="Decisions on relationships, with the two-person rule for suspend and terminate.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def _date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date YYYY-MM-DD, got {value!r}")


def _policy() -> Policy:
    try:
        return load_policy(settings().policy_path)
    except PolicyError as exc:
        fail(str(exc))


# ------------------------------------------------------------------------------------------ cases


@case_app.command("new-key")
def new_key() -> None:
    """Print a new random AES-256 key (base64) for VIGIE_SECRET_KEY or a key file."""
    print(generate_key())


@case_app.command("open")
def open_(
    title: Annotated[str | None, typer.Option(help="What the case is about (required when opened by hand)")] = None,
    allegation: Annotated[
        str | None, typer.Option(help="Open on an allegation ORG/SERVICE/HARM (`vigie evidence allegations`)")
    ] = None,
    assessment: Annotated[
        str | None, typer.Option(help="Open on the current assessment of this subscription (`vigie risk list`)")
    ] = None,
    org: Annotated[str | None, typer.Option(help="The organisation (when opened by hand)")] = None,
    subscription: Annotated[list[str] | None, typer.Option(help="Subscriptions concerned (repeat)")] = None,
    summary: Annotated[str | None, typer.Option(help="A first summary")] = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case from an allegation, an assessment or by hand; you become its lead."""
    if allegation and assessment:
        fail("give --allegation or --assessment, not both")
    engine = open_engine()
    with acting(engine) as (session, actor):
        if allegation:
            case = service.open_from_allegation(session, actor, allegation, title)
        elif assessment:
            case = service.open_from_assessment(session, actor, assessment, title)
        else:
            if not title:
                fail("--title is needed for a case opened by hand")
            case = service.open_case(
                session, actor, title, org_id=org, subscription_ids=subscription or [], summary=summary
            )
    if as_json:
        _print_json({"id": case.id, "title": case.title, "origin": case.origin, "origin_ref": case.origin_ref})
        return
    console.print(f"Opened case [bold]{case.id}[/]: {escape(case.title)}")


@case_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open or closed")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every case: id, status and opening date; the title only for cases you may read."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        found = service.list_cases(session, actor, status)
    if as_json:
        _print_json([c.__dict__ for c in found])
        return
    table = Table("case", "status", "opened", "title", "organisation", title="Cases")
    for c in found:
        title = escape(c.title) if c.readable and c.title else "[dim](not a member)[/]"
        table.add_row(c.id, c.status, c.opened_on, title, c.org_id or "")
    console.print(table)


def _case_json(view: service.CaseView) -> dict[str, Any]:
    data = {k: v for k, v in view.__dict__.items() if k not in ("members", "items", "findings")}
    data["members"] = [m.__dict__ for m in view.members]
    data["items"] = [i.__dict__ for i in view.items]
    data["findings"] = [f.__dict__ for f in view.findings]
    return data


@case_app.command("show")
def show(case_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """Everything in a case, for its members and auditors (recorded in the audit log)."""
    engine = open_engine()
    keys = sealer(required=False)
    with acting(engine) as (session, actor):
        try:
            view = service.show_case(session, actor, case_id, keys)
        except AccessDenied:
            stub = service.case_stub(session, case_id)
            err_console.print(f"Case {stub.id} exists: {stub.status}, opened {stub.opened_on}.", highlight=False)
            raise
    if as_json:
        _print_json(_case_json(view))
        return
    console.rule(f"[bold]{view.id}[/] — {escape(view.title)}")
    console.print(f"status: {view.status}; opened {view.opened_at[:19]} by {view.opened_by}; origin: {view.origin}"
                  + (f" {escape(view.origin_ref)}" if view.origin_ref else ""))  # fmt: skip
    if view.org_id:
        console.print(f"organisation: {view.org_id}; subscriptions: {', '.join(view.subscription_ids) or '—'}")
    if view.summary:
        console.print(f"summary: {escape(view.summary)}")
    if view.closed_at:
        console.print(f"closed {view.closed_at[:19]} by {view.closed_by}: {escape(view.closing_note or '')}")
    console.print("members: " + ", ".join(f"{m.name} ({m.role})" for m in view.members))
    items = Table("item", "kind", "what", "sha256", "size", "added", "by", title="Evidence")
    for i in view.items:
        what = i.document_id or ""
        if i.label:
            what = " ".join(str(v) for v in (i.document_id, i.label.get("file_name"), i.label.get("note")) if v)
        elif i.sealed:
            what = (what + " (sealed: no key)").strip()
        items.add_row(i.id, i.kind, escape(what), i.sha256[:16] + "…", str(i.size), i.added_at[:19], i.added_by)
    console.print(items)
    if view.findings:
        findings = Table("finding", "allegation", "conclusion", "rationale", "evidence", "by", title="Findings")
        for f in view.findings:
            mark = "" if f.current else " [dim](superseded)[/]"
            findings.add_row(
                f.id, escape(f.allegation), f.conclusion + mark, escape(f.rationale), ", ".join(f.evidence_item_ids),
                f.recorded_by,
            )  # fmt: skip
        console.print(findings)
    if view.decision_ids:
        console.print("decisions: " + ", ".join(view.decision_ids))
    if view.request_ids:
        console.print("requests: " + ", ".join(view.request_ids))


@case_app.command("add-member")
def add_member(
    case_id: Annotated[str, typer.Argument()],
    user: Annotated[str, typer.Argument(help="The user's login name")],
    lead: Annotated[bool, typer.Option("--lead", help="As a lead (manages members, closes the case)")] = False,
) -> None:
    """Give a user need-to-know access to a case (its leads or an admin)."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        service.add_member(session, actor, case_id, user, "lead" if lead else "member")
    console.print(f"{user} is now a {'lead' if lead else 'member'} of {case_id}.")


@case_app.command("remove-member")
def remove_member(case_id: Annotated[str, typer.Argument()], user: Annotated[str, typer.Argument()]) -> None:
    """Take a user off a case (its leads or an admin); what they did stays in the record."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        service.remove_member(session, actor, case_id, user)
    console.print(f"{user} is no longer a member of {case_id}.")


@case_app.command("add-evidence")
def add_evidence(
    case_id: Annotated[str, typer.Argument()],
    document: Annotated[str | None, typer.Option(help="An evidence-stage document id")] = None,
    file: Annotated[Path | None, typer.Option(help="A file to upload (sealed, stored by SHA-256)")] = None,
    note: Annotated[str | None, typer.Option(help="A description (sealed)")] = None,
) -> None:
    """Add a document or a file to a case; its custody history starts now."""
    if (document is None) == (file is None):
        fail("give exactly one of --document or --file")
    engine = open_engine()
    if file is not None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            fail(f"--file {file}: {exc.strerror}")
        keys = required_sealer()
        with acting(engine) as (session, actor):
            item = service.add_file(session, actor, case_id, file.name, data, file_store(), keys, note)
    else:
        assert document is not None
        keys_or_none = sealer(required=note is not None)
        with acting(engine) as (session, actor):
            item = service.add_document(session, actor, case_id, document, note, keys_or_none)
    console.print(f"Added {item.kind} {item.id} to {case_id} (sha256 {item.sha256}).")


@case_app.command("add-interview")
def add_interview(
    case_id: Annotated[str, typer.Argument()],
    interviewee: Annotated[str, typer.Option(help="Who was interviewed (sealed)")],
    on: Annotated[str, typer.Option("--date", help="When, YYYY-MM-DD")],
    text_file: Annotated[Path | None, typer.Option(help="The record, from a UTF-8 file")] = None,
    text_stdin: Annotated[bool, typer.Option("--text-stdin", help="The record, from stdin")] = False,
    affiliation: Annotated[str | None, typer.Option(help="Their organisation or role (sealed)")] = None,
    consent: Annotated[str, typer.Option(help=f"One of {', '.join(service.CONSENT)}")] = "given",
) -> None:
    """Record an interview. Who and what are encrypted; the database keeps the date, interviewer and a hash."""
    if (text_file is None) == (not text_stdin):
        fail("give exactly one of --text-file or --text-stdin")
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"--text-file {text_file}: {exc}")
    else:
        text = sys.stdin.read()
    when = _date("--date", on)
    keys = required_sealer()
    engine = open_engine()
    with acting(engine) as (session, actor):
        item = service.add_interview(
            session, actor, case_id, keys, interviewee=interviewee, text=text, conducted_on=when,
            affiliation=affiliation, consent=consent,
        )  # fmt: skip
    console.print(f"Recorded interview {item.id} in {case_id} (sealed; sha256 {item.sha256}).")


@case_app.command("view")
def view(item_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """Open an evidence item (recorded in its custody history)."""
    engine = open_engine()
    keys = sealer(required=False)
    with acting(engine) as (session, actor):
        content = service.view_item(session, actor, item_id, keys, file_store())
    item = content.item
    if as_json:
        body: Any = content.interview
        if body is None:
            body = content.content.decode("utf-8", "replace") if content.media_type.startswith("text") else None
        _print_json({"item": item.__dict__, "media_type": content.media_type, "content": body})
        return
    console.rule(f"[bold]{item.id}[/] ({item.kind}, sha256 {item.sha256})")
    if content.interview is not None:
        record = content.interview
        console.print(
            f"interviewee: {escape(record['interviewee'])}"
            + (f" ({escape(record['affiliation'])})" if record.get("affiliation") else "")
            + f"; consent: {record['consent']}; on {record['conducted_on']} by {record['conducted_by']}"
        )
        console.print(escape(record["text"]))
    elif content.media_type.startswith("text"):
        console.print(escape(content.content.decode("utf-8", "replace")))
    else:
        name = (item.label or {}).get("file_name", item.id)
        console.print(f"{escape(str(name))}: {len(content.content)} bytes; `vigie case export {item.id}` to save it")


@case_app.command("export")
def export(
    item_id: Annotated[str, typer.Argument()],
    output: Annotated[Path, typer.Option(help="Where to write it (must not exist)")],
) -> None:
    """Write an evidence item out of vigie, decrypted (recorded in its custody history)."""
    if output.exists():
        fail(f"--output {output} already exists")
    engine = open_engine()
    keys = sealer(required=False)
    with acting(engine) as (session, actor):
        content = service.export_item(session, actor, item_id, str(output.resolve()), keys, file_store())
        output.write_bytes(content.content)  # inside the transaction: no custody event without the file
    console.print(f"Exported {item_id} to {output} ({len(content.content)} bytes, sha256 {content.item.sha256}).")


@case_app.command("custody")
def custody(item_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """The chain of custody of an evidence item: who added, viewed and exported it, when, and its hash."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        item, events = service.custody_history(session, actor, item_id)
    if as_json:
        _print_json({"item": item.id, "sha256": item.sha256, "events": [e.__dict__ for e in events]})
        return
    table = Table("at", "who", "action", "sha256", "note", title=f"Custody of {item.id} ({item.kind})")
    for e in events:
        table.add_row(e.at, e.actor, e.action, e.sha256, escape(e.note or ""))
    console.print(table)


@case_app.command("finding")
def finding(
    case_id: Annotated[str, typer.Argument()],
    allegation: Annotated[str, typer.Option(help="The allegation: ORG/SERVICE/HARM, or its description")],
    conclusion: Annotated[str, typer.Option(help=", ".join(service.CONCLUSIONS))],
    rationale: Annotated[str, typer.Option(help="Why, citing the evidence")],
    evidence: Annotated[list[str] | None, typer.Option(help="Evidence items it rests on (repeat)")] = None,
) -> None:
    """Record a finding on an allegation; a later finding on the same allegation supersedes it."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        found = service.record_finding(session, actor, case_id, allegation, conclusion, rationale, evidence or [])
    superseded = f" (supersedes {found.supersedes})" if found.supersedes else ""
    console.print(f"Finding {found.id}: {escape(found.allegation)} — {found.conclusion}{superseded}.")


@case_app.command("close")
def close(
    case_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="What the case concluded")],
) -> None:
    """Close a case (its leads or an admin); it stays readable by its members and auditors."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        service.close_case(session, actor, case_id, note)
    console.print(f"Closed {case_id}.")


# ------------------------------------------------------------------------------------------ requests


def _request_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "kind": r.kind, "org_id": r.org_id, "service_id": r.service_id,
        "subscription_ids": list(r.subscription_ids), "purpose": r.purpose, "urgency": r.urgency, "status": r.status,
        "received_at": r.received_at, "recorded_by": r.recorded_by, "case_id": r.case_id, "triage": r.triage,
        "triaged_by": r.triaged_by, "outcome": r.outcome, "conditions": r.conditions, "rationale": r.rationale,
        "decided_at": r.decided_at, "decided_by": r.decided_by,
    }  # fmt: skip


@request_app.command("add")
def request_add(
    org: Annotated[str, typer.Option(help="The customer organisation that asks")],
    purpose: Annotated[str, typer.Option(help="What the service is to be used for, in the customer's words")],
    kind: Annotated[str, typer.Option(help=", ".join(req.KINDS))] = "sensitive-use",
    urgency: Annotated[str, typer.Option(help=", ".join(req.URGENCIES))] = "routine",
    service_id: Annotated[str | None, typer.Option("--service", help="The service asked for")] = None,
    subscription: Annotated[list[str] | None, typer.Option(help="Subscriptions concerned (repeat)")] = None,
    requester: Annotated[str | None, typer.Option(help="Who asked, at the customer (sealed)")] = None,
    case: Annotated[str | None, typer.Option(help="Attach to a case you are a member of")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a sensitive-use or emergency request as received."""
    keys = sealer(required=requester is not None)
    engine = open_engine()
    with acting(engine) as (session, actor):
        r = req.add_request(
            session, actor, kind=kind, org_id=org, purpose=purpose, urgency=urgency, service_id=service_id,
            subscription_ids=subscription or [], requester=requester, sealer=keys, case_id=case,
        )  # fmt: skip
        data = _request_json(r)
    if as_json:
        _print_json(data)
        return
    console.print(f"Recorded request [bold]{data['id']}[/] ({kind}, {urgency}). Next: vigie request triage {data['id']}")


def _print_triage(t: dict[str, Any]) -> None:
    policy = t["policy"]
    console.print(f"Triage under policy {policy['id']} {policy['version']} ({policy['digest']}):")
    for h in t["harms"]:
        cue = f"the purpose says {h['cue']!r}" if h["cue"] else "named by the triager"
        console.print(f"  harm {h['harm']}: {escape(cue)}")
    if t["clauses"]:
        table = Table("clause", "prohibits", "because", title="Prohibited-use clauses that apply")
        for c in t["clauses"]:
            table.add_row(c["clause"], escape(c["text"]), escape(c["why"]))
        console.print(table)
    else:
        console.print("  no prohibited-use clause applies")
    for f in t["factors"]:
        console.print(f"  {f['clause']}: {escape(f['why'])}")
    console.print(f"approval needed: [bold]{t['approval']}[/]; recommendation: {escape(t['recommendation'])}")


@request_app.command("triage")
def request_triage(
    request_id: Annotated[str, typer.Argument()],
    harm: Annotated[list[str] | None, typer.Option(help="A harm the purpose implies that its words do not say")] = None,
    as_json: JsonOption = False,
) -> None:
    """Name the policy clauses that apply to a request and the approval it needs."""
    policy = _policy()
    engine = open_engine()
    with acting(engine) as (session, actor):
        result = req.triage_request(session, actor, request_id, policy, harm or [])
    if as_json:
        _print_json(result.as_json())
        return
    _print_triage(result.as_json())


@request_app.command("decide")
def request_decide(
    request_id: Annotated[str, typer.Argument()],
    outcome: Annotated[str, typer.Option(help=", ".join(req.OUTCOMES))],
    rationale: Annotated[str, typer.Option(help="Why")],
    conditions: Annotated[str | None, typer.Option(help="The conditions of an approval with conditions")] = None,
) -> None:
    """Decide a triaged request, with the approval its triage named."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        r = req.decide_request(session, actor, request_id, outcome, rationale, conditions)
        decided_by = r.decided_by
    console.print(f"Request {request_id}: {outcome} by {decided_by}.")


@request_app.command("list")
def request_list(
    status: Annotated[str | None, typer.Option(help="received, triaged, or an outcome")] = None,
    as_json: JsonOption = False,
) -> None:
    """Requests, undecided and most urgent first."""
    engine = open_engine()
    with acting(engine) as (session, _actor):
        rows = [_request_json(r) for r in req.list_requests(session, status)]
    if as_json:
        _print_json(rows)
        return
    table = Table("request", "kind", "urgency", "organisation", "service / subscriptions", "status", "clauses",
                  "approval", "received", title="Requests")  # fmt: skip
    for r in rows:
        triage = r["triage"] or {}
        table.add_row(
            r["id"], r["kind"], r["urgency"], r["org_id"], r["service_id"] or ", ".join(r["subscription_ids"]),
            r["status"], ", ".join(c["clause"] for c in triage.get("clauses", [])), triage.get("approval", ""),
            r["received_at"][:19],
        )  # fmt: skip
    console.print(table)


@request_app.command("show")
def request_show(request_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """One request with its triage and decision; who asked is shown when the key is configured."""
    keys = sealer(required=False)
    engine = open_engine()
    with acting(engine) as (session, actor):
        r = req.get_request(session, request_id)
        data = _request_json(r)
        data["requester"] = "(sealed)" if r.requester_sealed else None
        if keys is not None and r.requester_sealed and actor.roles & set(req.REQUESTER_READERS):
            data["requester"] = req.reveal_requester(session, actor, request_id, keys)
    if as_json:
        _print_json(data)
        return
    console.rule(f"[bold]{data['id']}[/] {data['kind']}, {data['urgency']}: {data['status']}")
    console.print(f"from {data['org_id']}" + (f" ({escape(data['requester'])})" if data["requester"] else ""))
    console.print(f"purpose: {escape(data['purpose'])}")
    if data["triage"]:
        _print_triage(data["triage"])
    if data["outcome"]:
        console.print(f"decided {data['outcome']} by {data['decided_by']}: {escape(data['rationale'] or '')}")
        if data["conditions"]:
            console.print(f"conditions: {escape(data['conditions'])}")


# ------------------------------------------------------------------------------------------ decisions


def _decision_json(d: dec.DecisionView) -> dict[str, Any]:
    data = {k: v for k, v in d.__dict__.items() if k != "approvals"}
    data["subscription_ids"] = list(d.subscription_ids)
    data["review_date"] = d.review_date.isoformat()
    data["approvals"] = [a.__dict__ for a in d.approvals]
    return data


def _decision_table(found: list[dec.DecisionView], title: str, today: date | None = None) -> Table:
    table = Table("decision", "action", "status", "organisation", "subscriptions", "proposed by", "approved by",
                  "review", title=title)  # fmt: skip
    for d in found:
        review = d.review_date.isoformat()
        if today is not None and d.review_date < today:
            late = (today - d.review_date).days
            review += f" [red]({late} day{'s' if late != 1 else ''} overdue)[/]"
        table.add_row(
            d.id, d.action, d.status, d.org_id, ", ".join(d.subscription_ids), d.proposed_by, d.approved_by or "",
            review,
        )  # fmt: skip
    return table


@decision_app.command("propose")
def decision_propose(
    action: Annotated[str, typer.Option(help=", ".join(dec.ACTIONS))],
    rationale: Annotated[str, typer.Option(help="Why")],
    review: Annotated[str, typer.Option("--review-date", help="When to review it, YYYY-MM-DD")],
    org: Annotated[str | None, typer.Option(help="The relationship: all its subscriptions that have not ended")] = None,
    subscription: Annotated[list[str] | None, typer.Option(help="Only these subscriptions (repeat)")] = None,
    conditions: Annotated[str | None, typer.Option(help="The conditions, or what is restricted")] = None,
    exit_impact: Annotated[str | None, typer.Option(help="Terminate: the impact of leaving")] = None,
    exit_notice: Annotated[str | None, typer.Option(help="Terminate: the notice given")] = None,
    exit_kept: Annotated[str | None, typer.Option(help="Terminate: what is kept (data, records, access)")] = None,
    case: Annotated[str | None, typer.Option(help="The case it comes from (you must be a member)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose a decision; suspend and terminate then need a second person with the approver role."""
    when = _date("--review-date", review)
    plan = None
    if exit_impact or exit_notice or exit_kept:
        plan = {"impact": exit_impact or "", "notice": exit_notice or "", "kept": exit_kept or ""}
    engine = open_engine()
    with acting(engine) as (session, actor):
        d = dec.propose(
            session, actor, action=action, rationale=rationale, review_date=when, org_id=org,
            subscription_ids=subscription or [], conditions=conditions, exit_plan=plan, case_id=case,
        )  # fmt: skip
    if as_json:
        _print_json(_decision_json(d))
        return
    second = " It needs a second person with the approver role." if d.needs_two_people else ""
    console.print(f"Proposed [bold]{d.id}[/]: {d.action} {d.org_id} ({', '.join(d.subscription_ids)}).{second}")


@decision_app.command("approve")
def decision_approve(
    decision_id: Annotated[str, typer.Argument()],
    note: Annotated[str | None, typer.Option(help="A note for the record")] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a proposed decision and issue its enforcement orders, in one transaction.

    Approver role; never your own suspension or termination. The orders (one per subscription) are
    then delivered by `vigie enforce deliver`.
    """
    engine = open_engine()
    with acting(engine) as (session, actor):
        approved = approve_and_issue(session, actor, decision_id, note)
    d, orders = approved.decision, approved.orders
    if as_json:
        _print_json({**_decision_json(d), "orders": [o.as_dict() for o in orders]})
        return
    console.print(f"Approved {d.id}: {d.action} {d.org_id} ({', '.join(d.subscription_ids)}), proposed by "
                  f"{d.proposed_by}, approved by {d.approved_by}.")  # fmt: skip
    if not orders:
        console.print("It calls for no enforcement order.")
        return
    console.print(f"Issued {len(orders)} order(s), pending delivery by `vigie enforce deliver`:")
    for o in orders:
        console.print(f"  {o.id}  {o.action} {o.subscription_id} → {o.target_status} once acknowledged")


@decision_app.command("refuse")
def decision_refuse(
    decision_id: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option(help="Why it is refused")],
) -> None:
    """Refuse a proposed decision (approver role), saying why."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        d = dec.refuse(session, actor, decision_id, note)
    console.print(f"Refused {d.id}.")


@decision_app.command("withdraw")
def decision_withdraw(
    decision_id: Annotated[str, typer.Argument()],
    note: Annotated[str | None, typer.Option(help="Why")] = None,
) -> None:
    """Withdraw your own proposal."""
    engine = open_engine()
    with acting(engine) as (session, actor):
        d = dec.withdraw(session, actor, decision_id, note)
    console.print(f"Withdrew {d.id}.")


@decision_app.command("review")
def decision_review(
    decision_id: Annotated[str, typer.Argument()],
    next_review: Annotated[str, typer.Option("--next", help="The next review date, YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="What the review found")],
) -> None:
    """Record that an approved decision was reviewed, and when to review it next."""
    when = _date("--next", next_review)
    engine = open_engine()
    with acting(engine) as (session, actor):
        d = dec.review(session, actor, decision_id, when, note)
    console.print(f"Reviewed {d.id}; next review {d.review_date.isoformat()}.")


@decision_app.command("list")
def decision_list(
    status: Annotated[str | None, typer.Option(help=", ".join(dec.STATUSES))] = None,
    org: Annotated[str | None, typer.Option(help="Only this organisation")] = None,
    case: Annotated[str | None, typer.Option(help="Only decisions from this case")] = None,
    as_json: JsonOption = False,
) -> None:
    """Decisions, oldest first."""
    engine = open_engine()
    with acting(engine) as (session, _actor):
        found = dec.list_decisions(session, status, org, case)
    if as_json:
        _print_json([_decision_json(d) for d in found])
        return
    console.print(_decision_table(found, "Decisions"))


@decision_app.command("show")
def decision_show(decision_id: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """One decision with its rationale, conditions, exit plan and approvals."""
    engine = open_engine()
    with acting(engine) as (session, _actor):
        d = dec.get_decision(session, decision_id)
    if as_json:
        _print_json(_decision_json(d))
        return
    console.rule(f"[bold]{d.id}[/] {d.action}: {d.status}")
    console.print(f"{d.org_id}: {', '.join(d.subscription_ids)}; case: {d.case_id or '—'}")
    console.print(f"proposed {d.proposed_at[:19]} by {d.proposed_by}; review by {d.review_date.isoformat()}")
    console.print(f"rationale: {escape(d.rationale)}")
    if d.conditions:
        console.print(f"conditions: {escape(d.conditions)}")
    if d.exit_plan:
        for key in dec.EXIT_FIELDS:
            console.print(f"exit plan, {key}: {escape(d.exit_plan[key])}")
    for a in d.approvals:
        console.print(f"{a.verdict} by {a.user} at {a.at[:19]}" + (f": {escape(a.note)}" if a.note else ""))


@decision_app.command("overdue")
def decision_overdue(
    as_of: Annotated[str | None, typer.Option(help="As of this date, YYYY-MM-DD (default: today)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Decisions whose review date has passed; exits 1 when there are any, so it can run on a schedule."""
    today = _date("--as-of", as_of) if as_of else date.today()
    engine = open_engine()
    with acting(engine) as (session, _actor):
        found = dec.overdue(session, today)
    if as_json:
        _print_json([_decision_json(d) for d in found])
    elif not found:
        console.print(f"No decision is overdue for review as of {today.isoformat()}.")
    else:
        console.print(_decision_table(found, f"Overdue reviews as of {today.isoformat()}", today))
    if found:
        raise typer.Exit(1)


def install(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    app.add_typer(request_app, name="request")
    app.add_typer(decision_app, name="decision")

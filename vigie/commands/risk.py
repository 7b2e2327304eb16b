"""`vigie risk ...` and `vigie policy ...`."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from vigie.commands.common import console, fail, open_engine, progress_bar, settings
from vigie.register.tables import Organisation, Service, Subscription
from vigie.risk import gather, service
from vigie.risk.evidence_source import claims_from_evidence
from vigie.risk.incremental import Reassessor
from vigie.risk.policy import Policy, PolicyError, load_policy, policy_digest
from vigie.risk.service import ReassessReport
from vigie.risk.tables import AssessmentRecord
from vigie.store.engine import session_scope

risk_app = typer.Typer(
    help="UNGP assessments of every relationship, ranked, explained and versioned.", no_args_is_help=True
)
policy_app = typer.Typer(help="The due-diligence policy the assessments follow.", no_args_is_help=True)


def current_policy() -> Policy:
    try:
        return load_policy(settings().policy_path)
    except PolicyError as exc:
        fail(str(exc))


def _provider_names() -> tuple[str, ...]:
    name = settings().provider
    return (name,) if name else ()


def reassessor() -> Reassessor:
    """How the commands that change evidence or the register re-assess what they touched (vigie/risk/incremental.py)."""
    return Reassessor(settings().actor, current_policy, date.today(), _provider_names())


def reassessed_note(report: ReassessReport | None) -> str:
    """The line a command prints after re-assessing what it changed."""
    if report is None:
        return ""
    return f" Re-assessed {report.assessed} relationship(s): {report.changed} changed, {report.unchanged} unchanged."


@risk_app.command("assess")
def assess(
    org: Annotated[list[str] | None, typer.Option(help="Only the relationships of these organisations")] = None,
    subscription: Annotated[list[str] | None, typer.Option(help="Only these subscriptions")] = None,
    as_of: Annotated[str | None, typer.Option(help="Date of the assessment, YYYY-MM-DD (default: today)")] = None,
    reason: Annotated[str, typer.Option(help="Why, for the record")] = "assessment",
) -> None:
    """Assess relationships (all by default); a new version is kept only where something changed."""
    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        fail(f"--as-of must be YYYY-MM-DD, got {as_of!r}")
    engine = open_engine()
    policy = current_policy()
    with progress_bar(enabled=sys.stderr.isatty()) as bar, session_scope(engine) as session:
        report = service.reassess(
            session, policy, claims_from_evidence, settings().actor, reason, when,
            subscription_ids=subscription, org_ids=org, progress=bar, provider_names=_provider_names(),
        )  # fmt: skip
    console.print(
        f"Assessed {report.assessed} relationship(s) under policy {policy.id} {policy.version}: "
        f"{report.changed} changed, {report.unchanged} unchanged."
    )


def _names(session: Any, records: list[AssessmentRecord]) -> tuple[dict[str, str], dict[str, str]]:
    """Organisation and service names for these records, read in chunks (`risk list --limit 0` can list millions)."""
    orgs: dict[str, str] = {}
    for chunk in _chunks(sorted({r.org_id for r in records})):
        orgs.update(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(chunk))).all())
    services: dict[str, str] = {}
    for chunk in _chunks(sorted({r.service_id for r in records})):
        services.update(session.execute(select(Service.id, Service.name).where(Service.id.in_(chunk))).all())
    return orgs, services


def _chunks(ids: list[str]) -> list[list[str]]:
    """Slices of at most `gather.MAX_IDS_PER_QUERY` ids: one bound parameter each, under the drivers' limits."""
    size = gather.MAX_IDS_PER_QUERY
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def ranking_table(session: Any, records: list[AssessmentRecord], title: str = "Relationships by priority") -> Table:
    orgs, services = _names(session, records)
    table = Table(
        "#",
        "subscription",
        "customer",
        "service",
        "worst harm",
        "sev.",
        "lik.",
        "involvement",
        "HRDD",
        "priority",
        "action",
        title=title,
    )
    for rank, r in enumerate(records, start=1):
        table.add_row(
            str(rank), r.subscription_id, orgs.get(r.org_id, r.org_id), services.get(r.service_id, r.service_id),
            r.worst_harm or "—", f"{r.severity:.2f}", f"{r.likelihood:.2f}", r.involvement,
            "yes" if r.heightened else "", f"{r.priority:.2f} {r.band}", r.action,
        )  # fmt: skip
    return table


@risk_app.command("list")
def list_(
    limit: Annotated[int, typer.Option(help="How many (0 for all)")] = 50,
    band: Annotated[str | None, typer.Option(help="Only this priority band")] = None,
    org: Annotated[str | None, typer.Option(help="Only this organisation id")] = None,
    heightened: Annotated[
        bool | None, typer.Option("--heightened/--not-heightened", help="Filter on heightened diligence")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Current assessments, highest priority first."""
    engine = open_engine()
    with session_scope(engine) as session:
        records = service.current_assessments(session, limit or None, band, org, heightened)
        if as_json:
            sys.stdout.write(json.dumps([_record_json(r) for r in records], ensure_ascii=False, indent=2) + "\n")
            return
        if not records:
            fail("no assessments yet: run `vigie risk assess`")
        console.print(ranking_table(session, records))


def _record_json(r: AssessmentRecord) -> dict[str, Any]:
    return {
        "subscription": r.subscription_id, "organisation": r.org_id, "service": r.service_id, "version": r.version,
        "priority": r.priority, "band": r.band, "action": r.action, "severity": r.severity, "likelihood": r.likelihood,
        "involvement": r.involvement, "heightened": r.heightened, "worst_harm": r.worst_harm,
        "policy": {"id": r.policy_id, "version": r.policy_version}, "created_at": r.created_at, "reason": r.reason,
    }  # fmt: skip


@risk_app.command("explain")
def explain(
    target: Annotated[str, typer.Argument(help="A subscription id, or an organisation id or name")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The whole reasoning behind an assessment: every factor, its sources and the policy clauses."""
    engine = open_engine()
    policy = current_policy()
    with session_scope(engine) as session:
        records = _records_for(session, target)
        if not records:
            fail(
                f"no current assessment for {target!r} (is it a subscription or organisation id? run `vigie risk assess`)"
            )
        if as_json:
            sys.stdout.write(json.dumps([r.body for r in records], ensure_ascii=False, indent=2) + "\n")
            return
        orgs, services = _names(session, records)
        for r in records:
            _explain(r, orgs, services, policy)


def _records_for(session: Any, target: str) -> list[AssessmentRecord]:
    current = select(AssessmentRecord).where(AssessmentRecord.current.is_(True))
    found = list(session.scalars(current.where(AssessmentRecord.subscription_id == target)))
    if found:
        return found
    org_ids = set(
        session.scalars(select(Organisation.id).where((Organisation.id == target) | (Organisation.name.ilike(target))))
    )
    if not org_ids:
        from vigie.register.service import find_organisations

        org_ids = {o.id for o in find_organisations(session, target)}
    # The subscriptions first, then their assessments by subscription id: given a subquery, SQLite's
    # planner reads every current assessment instead (see migration 0004_risk_indexes).
    subs = list(
        session.scalars(
            select(Subscription.id).where(Subscription.customer_id.in_(org_ids) | Subscription.end_user_id.in_(org_ids))
        )
    )
    records: list[AssessmentRecord] = []
    for chunk in _chunks(subs):
        records.extend(session.scalars(current.where(AssessmentRecord.subscription_id.in_(chunk))))
    return sorted(records, key=lambda r: (-r.priority, r.subscription_id))


def _explain(r: AssessmentRecord, orgs: dict[str, str], services: dict[str, str], policy: Policy) -> None:
    body = r.body
    console.rule(
        f"[bold]{r.subscription_id}[/]: {escape(orgs.get(r.org_id, r.org_id))} × {escape(services.get(r.service_id, r.service_id))}"
    )
    console.print(
        f"Assessment v{r.version} of {r.created_at[:10]} as of {body['as_of']}, under policy {r.policy_id} {r.policy_version} "
        f"({body['policy_digest']}). Reason: {escape(r.reason)}.",
        highlight=False,
    )
    console.print(
        f"[bold]Priority {r.priority:.2f} ({r.band}) → recommended action: {r.action}[/] — "
        f"{policy.actions.get(r.action, '')}",  # type: ignore[call-overload]
        highlight=False,
    )
    console.print(
        f"Severity {r.severity:.2f}, likelihood {r.likelihood:.2f}, involvement: {r.involvement}, "
        f"heightened due diligence: {'yes' if r.heightened else 'no'}; territories: {', '.join(body['territories']) or 'none declared or alleged'}.",
        highlight=False,
    )
    for factor in body["factors"]:
        _factor(factor, "")
    if not body["harms"]:
        console.print("No harm is alleged in the evidence about this relationship.")
    for harm in body["harms"]:
        console.print(
            f"\n[bold]Harm: {escape(harm['label'])}[/] ({harm['harm']}) — severity {harm['severity']:.2f}, likelihood "
            f"{harm['likelihood']:.2f}, priority {harm['priority']:.2f}; independent sources: {', '.join(harm['sources'])}; "
            f"would breach: {', '.join(harm['clauses']) or 'no prohibited-use clause'}",
            highlight=False,
        )
        for factor in harm["factors"]:
            _factor(factor, "  ")
        for denial in harm["denials"]:
            console.print(
                f"  [yellow]against it[/]: {escape(denial['publisher'])} ({denial['source_kind']}, {denial['published'] or 'undated'}): "
                f"“{escape(denial['quote'])}” [dim]{denial['document_id']} {denial['start']}-{denial['end']}[/]",
                highlight=False,
            )


def _factor(factor: dict[str, Any], indent: str) -> None:
    clauses = f" [dim][{', '.join(factor['clauses'])}][/]" if factor["clauses"] else ""
    console.print(
        f"{indent}• {factor['name']}: {factor['value']:g} — {escape(factor['explanation'])}{clauses}", highlight=False
    )
    for c in factor["citations"]:
        console.print(
            f"{indent}    “{escape(c['quote'])}” — {escape(c['publisher'])} ({c['source_kind']}, {c['published'] or 'undated'}), "
            f"[dim]{c['document_id']} {c['start']}-{c['end']}[/]",
            highlight=False,
        )


@risk_app.command("diff")
def diff(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What changed since the last review, and why."""
    engine = open_engine()
    with session_scope(engine) as session:
        review, changes = service.diff_since_review(session)
        rows: list[dict[str, Any]] = [
            {"subscription": d.subscription_id, "reasons": d.reasons,
             "changes": {k: {"before": v[0], "after": v[1]} for k, v in d.fields.items()}}
            for d in changes
        ]  # fmt: skip
    if as_json:
        console.print_json(json.dumps({"since_review": review.id if review else None, "changes": rows}))
        return
    since = f"review {review.id} by {review.actor} at {review.at}" if review else "the first assessment"
    if not rows:
        console.print(f"Nothing changed since {since}.")
        return
    table = Table("subscription", "what changed", "why", title=f"Changes since {since}")
    for row in rows:
        what = "; ".join(f"{k}: {v['before']} → {v['after']}" for k, v in row["changes"].items())
        table.add_row(row["subscription"], what, "; ".join(dict.fromkeys(row["reasons"])))
    console.print(table)


@risk_app.command("review")
def review(note: Annotated[str | None, typer.Option(help="What was reviewed")] = None) -> None:
    """Mark the current assessments as reviewed; `vigie risk diff` then starts from here."""
    engine = open_engine()
    with session_scope(engine) as session:
        mark = service.mark_reviewed(session, settings().actor, note)
        console.print(f"Review {mark.id} recorded at {mark.at}.")


@policy_app.command("check")
def policy_check(path: Annotated[Path, typer.Argument(help="A policy file (YAML)")]) -> None:
    """Validate a policy file; every problem is listed with the key it concerns."""
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        for line in str(exc).splitlines():
            console.print(f"[red]✗[/] {escape(line)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(
        f"[green]OK[/]: {policy.id} {policy.version} (effective {policy.effective}), fingerprint {policy_digest(policy)}."
    )


@policy_app.command("show")
def policy_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The policy in force: harms and their severity, involvement, tiers, bands and prohibited uses."""
    policy = current_policy()
    if as_json:
        sys.stdout.write(policy.model_dump_json(indent=2) + "\n")
        return
    console.print(
        f"[bold]{escape(policy.title)}[/]\n{policy.id} {policy.version}, effective {policy.effective}, fingerprint {policy_digest(policy)}"
    )
    harms = Table("harm", "scale", "scope", "irremediability", "clauses", title=f"Harms [{policy.severity.clause}]")
    for hid, h in policy.harms.items():
        harms.add_row(
            f"{hid}: {h.label}", str(h.scale), str(h.scope), str(h.irremediability), ", ".join(policy.clauses_for(hid))
        )
    console.print(harms)
    bands = Table("band", "from priority", "recommended action", title=f"Priority bands [{policy.priority.clause}]")
    for b in policy.priority.bands:
        bands.add_row(b.name, f"{b.min:g}", b.action)
    console.print(bands)
    uses = Table("clause", "prohibited use", "harms", title="Acceptable-use policy and AI code of conduct")
    for clause, use in policy.prohibited_uses.items():
        uses.add_row(clause, use.text, ", ".join(use.harms))
    console.print(uses)
    console.print(
        f"Involvement by capability [{policy.involvement.clause}]: "
        + ", ".join(f"{k} → {v}" for k, v in policy.involvement.capabilities.items())
    )
    console.print(
        f"Source credibility [{policy.credibility.clause}]: "
        + ", ".join(f"{k} {v:g}" for k, v in policy.credibility.tiers.items())
    )
    console.print(
        f"Heightened due diligence [{policy.context.clause}]: territories flagged {', '.join(policy.context.heightened_flags)}."
    )


def install(app: typer.Typer) -> None:
    app.add_typer(risk_app, name="risk")
    app.add_typer(policy_app, name="policy")

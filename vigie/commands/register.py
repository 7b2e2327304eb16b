"""`vigie init`, `vigie register ...` and `vigie audit ...`."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from vigie.audit.verify import history, verify
from vigie.commands.common import console, err_console, fail, open_engine, progress_bar, settings
from vigie.commands.risk import reassessed_note, reassessor
from vigie.register import service
from vigie.register.errors import ImportFailed
from vigie.register.export import dump_json, export_csv, export_json, write_csv
from vigie.register.importer import Plan
from vigie.register.specs import SPECS
from vigie.risk import incremental
from vigie.store.engine import session_scope
from vigie.store.migrate import upgrade

register_app = typer.Typer(
    help="The book of business: organisations, services, subscriptions, territories.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log of every change.", no_args_is_help=True)


def init(
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: VIGIE_DATABASE_URL, vigie.toml, or sqlite:///vigie.db)")
    ] = None,
) -> None:
    """Create the database, or migrate it to the newest schema."""
    engine = open_engine(database, must_exist=False)
    before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        console.print(f"{where} is up to date (schema {after}).")
    elif before is None:
        console.print(f"Created {where} (schema {after}).")
    else:
        console.print(f"Migrated {where} from {before} to {after}.")


@register_app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="CSV files named for their entity type, JSON documents, or FtM .ftm.json files")
    ],
    kind: Annotated[
        str | None, typer.Option(help=f"Entity type of CSV files whose name does not say: {', '.join(SPECS)}")
    ] = None,
    assess: Annotated[
        bool, typer.Option(help="Re-assess, in the same transaction, the relationships the changes touch")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Import files as one change: every row is written, or none is; what it touched is re-assessed with it."""
    if kind is not None and kind not in SPECS:
        fail(f"--kind must be one of: {', '.join(SPECS)}")
    engine = open_engine()

    def announce(plan: Plan) -> None:
        # Tells a watcher (and the kill test) that validation passed and writing has begun.
        writes = sum(len(p.added) + len(p.changed) for p in plan.specs.values())
        err_console.print(f"writing {writes} change(s)…", highlight=False)

    try:
        with progress_bar(enabled=not as_json and sys.stderr.isatty()) as bar:
            report, reassessed = incremental.import_register(
                engine, paths, settings().actor, reassessor() if assess else None, kind, bar, announce
            )
    except ImportFailed as exc:
        for error in exc.errors:
            err_console.print(str(error), highlight=False, markup=False, soft_wrap=True)
        fail(f"{len(exc.errors)} error(s); nothing was imported")
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "files": report.files,
                    "counts": report.counts,
                    "nothing_changed": report.nothing_changed,
                    "reassessed": asdict(reassessed) if reassessed else None,
                }
            )
        )
        return
    if report.nothing_changed:
        console.print("Nothing changed: the register already holds exactly this data.")
    table = Table("entity type", "added", "changed", "unchanged", title="Import")
    for name, counts in report.counts.items():
        table.add_row(name, str(counts["added"]), str(counts["changed"]), str(counts["unchanged"]))
    console.print(table)
    if reassessed is not None:
        console.print(reassessed_note(reassessed).strip(), highlight=False)


@register_app.command("export")
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, json or ftm")] = "json",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A folder for csv; a file for json and ftm (default: standard output)"),
    ] = None,
    entity: Annotated[str | None, typer.Option(help="With csv and no --output: which entity type to print")] = None,
) -> None:
    """Write the register out, sorted and canonical (an export re-imports as a no-op)."""
    engine = open_engine()
    with session_scope(engine) as session:
        if format == "csv":
            if output is not None:
                counts = export_csv(session, output)
                err_console.print(
                    f"Wrote {', '.join(f'{n} {k}' for k, n in counts.items())} to {output}/", highlight=False
                )
            else:
                if entity not in SPECS:
                    fail(f"with --format csv and no --output, name one --entity of: {', '.join(SPECS)}")
                write_csv(session, SPECS[entity], sys.stdout)
        elif format == "json":
            text = dump_json(export_json(session))
            _emit(text, output)
        elif format == "ftm":
            from vigie.register.ftm import export_ftm  # followthemoney takes a second to import

            text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in export_ftm(session))
            _emit(text, output)
        else:
            fail("--format must be csv, json or ftm")


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"Wrote {output}", highlight=False)


@register_app.command("show")
def show(
    name_or_id: Annotated[
        str, typer.Argument(help="An organisation's id, name or alias (any language), or a subscription id")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """An organisation with its parent, units, aliases and subscriptions; or one subscription."""
    engine = open_engine()
    with session_scope(engine) as session:
        sub = service.find_subscription(session, name_or_id)
        if sub is not None:
            from vigie.register.importer import state_of_row

            state = state_of_row(SPECS["subscriptions"], sub)
            if as_json:
                console.print_json(json.dumps(state))
            else:
                table = Table("field", "value", title=f"Subscription {sub.id}", show_header=False)
                for key, value in state.items():
                    table.add_row(key, "" if value is None else str(value))
                console.print(table)
            return
        found = service.find_organisations(session, name_or_id)
        if not found:
            fail(f"no organisation or subscription matches {name_or_id!r}")
        if len(found) > 1 and not any(o.id == name_or_id for o in found):
            table = Table("id", "name", "kind", "country", title=f"{len(found)} organisations match {name_or_id!r}")
            for org in found:
                table.add_row(org.id, org.name, org.kind, org.country or "")
            console.print(table)
            return
        view = service.organisation_view(session, found[0])
        if as_json:
            console.print_json(json.dumps(_view_json(view)))
            return
        _print_view(view)


def _view_json(view: service.OrganisationView) -> dict[str, Any]:
    from vigie.register.importer import state_of_row

    return {
        "organisation": state_of_row(SPECS["organisations"], view.organisation),
        "parent": view.parent.id if view.parent else None,
        "units": [u.id for u in view.units],
        "aliases": [state_of_row(SPECS["aliases"], a) for a in view.aliases],
        "subscriptions": [state_of_row(SPECS["subscriptions"], s) for s, _svc in view.subscriptions],
        "gazetteer_body": view.body,
    }


def _print_view(view: service.OrganisationView) -> None:
    org = view.organisation
    label = " [yellow](fictional)[/]" if org.fictional else ""
    console.print(f"[bold]{org.name}[/]{label}  [dim]{org.id}[/]")
    console.print(
        f"kind: {org.kind}   country: {org.country or '—'}   parent: {view.parent.name if view.parent else '—'}"
    )
    if org.identifiers:
        console.print("identifiers: " + ", ".join(f"{k}={v}" for k, v in sorted(org.identifiers.items())))
    if org.source:
        console.print(f"source: {org.source}", highlight=False)
    if view.body:
        console.print(f"gazetteer: {view.body} (`vigie names bodies --country {org.country or ''}`)", highlight=False)
    if view.aliases:
        console.print("aliases: " + "; ".join(f"{a.name} ({a.lang or '?'}, {a.script or '?'})" for a in view.aliases))
    if view.units:
        console.print("units: " + "; ".join(f"{u.name} [dim]{u.id}[/]" for u in view.units))
    if view.subscriptions:
        table = Table(
            "subscription", "service", "capabilities", "region", "status", "declared end use", title="Subscriptions"
        )
        for sub, svc in view.subscriptions:
            table.add_row(
                sub.id, svc.name, ", ".join(svc.capabilities), sub.region or "", sub.status, sub.declared_end_use or ""
            )
        console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; name every entry edited or deleted outside vigie."""
    engine = open_engine()
    with session_scope(engine) as session:
        result = verify(session)
    if result.ok:
        console.print(f"[green]OK[/]: {result.entries} entries, the chain is intact.")
        return
    for problem in result.problems:
        err_console.print(f"[red]✗[/] {problem.message}", highlight=False)
    fail(f"the audit log has been tampered with ({len(result.problems)} problem(s) in {result.entries} entries)")


@audit_app.command("log")
def audit_log(
    entity_id: Annotated[str, typer.Argument(help="The id of the entity whose history to show")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The history of one entity: who changed what, when, before → after."""
    engine = open_engine()
    with session_scope(engine) as session:
        entries = history(session, entity_id)
        rows: list[dict[str, Any]] = [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "before": json.loads(e.before) if e.before else None,
                "after": json.loads(e.after) if e.after else None,
                "context": e.context,
            }
            for e in entries
        ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    if not rows:
        fail(f"no audit entries for {entity_id!r}")
    table = Table("#", "when", "who", "what", "changes", title=f"History of {entity_id}")
    for row in rows:
        table.add_row(
            str(row["seq"]), row["at"], row["actor"], row["action"], _describe_change(row["before"], row["after"])
        )
    console.print(table)


def _describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before is None and after is not None:
        return "created: " + ", ".join(f"{k}={v}" for k, v in after.items() if v not in (None, [], {}, False))
    if after is None:
        return "deleted"
    assert before is not None
    return "; ".join(f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in after if before.get(k) != after.get(k))


def install(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(register_app, name="register")
    app.add_typer(audit_app, name="audit")

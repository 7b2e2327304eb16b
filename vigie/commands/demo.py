"""`vigie demo`."""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from vigie import demo
from vigie.access.service import actor_of, get_user
from vigie.audit.verify import verify
from vigie.commands.common import console, fail, settings
from vigie.demo.investigation import INVESTIGATOR, Companions, Story, timeline
from vigie.register.service import territory_flags
from vigie.register.tables import Organisation, Service, Subscription
from vigie.settings import CasesSettings, EnforceSettings, Settings
from vigie.store.engine import session_scope

if TYPE_CHECKING:
    from vigie.report.publish import Written


def run_demo(
    database: Annotated[Path, typer.Option(help="The SQLite file to (re)build; its key, env file and outbox are replaced beside it")] = Path("vigie-demo.db"),
    serve: Annotated[bool, typer.Option("--serve", help="Then serve it in the browser (vigie serve) with the demo users")] = False,
    port: Annotated[int, typer.Option(help="With --serve: the TCP port")] = 8000,
) -> None:
    """Build an illustrative register in a fresh SQLite file and tour it; with --serve, then serve it."""
    console.rule("[bold]vigie demo")
    console.print(
        "Cumulo Cloud is a fictional provider. Real organisations appear with public facts only, "
        "each citing its source; everything invented is marked fictional.\n"
    )
    ctx = demo.build(database, console)
    with session_scope(ctx.engine) as session:
        orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)))
        tree = Tree("[bold]Customers[/]")
        children: dict[str | None, list[Organisation]] = {}
        for org in orgs:
            children.setdefault(org.parent_id, []).append(org)

        def add(node: Tree, parent: str | None) -> None:
            for org in children.get(parent, []):
                label = f"{org.name} [dim]({org.kind}, {org.country}{', fictional' if org.fictional else ''})[/]"
                add(node.add(label), org.id)

        add(tree, None)
        console.print(tree)
        table = Table(
            "subscription", "customer", "service", "capabilities", "data centre", "status", title="Subscriptions"
        )
        names = {o.id: o.name for o in orgs}
        for sub, svc in session.execute(
            select(Subscription, Service).join(Service, Service.id == Subscription.service_id).order_by(Subscription.id)
        ):
            table.add_row(
                sub.id,
                names[sub.customer_id],
                svc.name,
                ", ".join(svc.capabilities),
                sub.datacentre_country or "",
                sub.status,
            )
        console.print(table)
        flags = Table("territory", "flag", "as of", title="Territory context (sources: vigie register export)")
        for territory, flag in territory_flags(session):
            flags.add_row(territory.name, flag.flag, flag.as_of.isoformat())
        console.print(flags)
        from vigie.commands.risk import ranking_table
        from vigie.risk.service import current_assessments

        console.print(
            ranking_table(
                session, current_assessments(session, limit=None), "Relationships by priority (vigie risk list)"
            )
        )
        story = ctx.story
        if story is not None:
            console.print(timeline_table(session, story))
    reports = write_reports(ctx.engine, database, story)
    with session_scope(ctx.engine) as session:
        result = verify(session)
    if not result.ok:
        fail("the demo's audit log does not verify")
    console.print(f"Audit log: {result.entries} entries, chain intact.")
    console.print(
        f"\nThe demo database is [bold]{database}[/]. Explore it with, for example:\n"
        f"  VIGIE_DATABASE_URL=sqlite:///{database} vigie register show 'Unité 8200'\n"
        f"  VIGIE_DATABASE_URL=sqlite:///{database} vigie risk explain sub-8200-storage\n"
        f"  VIGIE_DATABASE_URL=sqlite:///{database} vigie evidence allegations\n"
        f"  VIGIE_DATABASE_URL=sqlite:///{database} vigie audit log sub-8200-storage",
        highlight=False,
    )
    print_reports(reports)
    if story is not None:
        print_credentials(story)
    if serve:
        from vigie.commands.web import serve_app

        console.print(f"\nOpen http://127.0.0.1:{port}/ and sign in as one of the users above with their password.",
                      highlight=False)  # fmt: skip
        serve_app("127.0.0.1", port, demo_settings(database))


@dataclass(frozen=True)
class DemoReports:
    """What the demo's last step wrote: the public report of the year and the dossier of the top relationship."""

    folder: Path
    period: str
    transparency: Written
    dossier_subject: str | None
    dossier_reader: str | None
    dossier: Written | None


def reports_folder(database: Path) -> Path:
    """`vigie-demo.db` → `vigie-demo-reports/`, beside the database like its other companions."""
    return database.with_name(f"{database.with_suffix('').name}-reports")


def demo_settings(database: Path) -> Settings:
    """The settings the demo's own commands use (`vigie-demo.env`): its database, key file, case files and
    outbox, so that the served demo opens interviews and delivers orders as the command line does."""
    companions = Companions.of(database)
    return replace(
        settings(),
        database_url=f"sqlite:///{database}",
        cases=CasesSettings(secret_key_file=companions.key, files=companions.files),
        enforce=EnforceSettings(connector="outbox", outbox=companions.outbox),
    )


def write_reports(engine: Engine, database: Path, story: Story | None) -> DemoReports:
    """The transparency report of the year the demo's events happened in (they happen now, so the audit log's
    clock says which), and the dossier of the relationship the story investigated, read by the case's lead."""
    # matplotlib and WeasyPrint load only now, not whenever the command line starts
    from vigie.report.publish import write_dossier, write_transparency
    from vigie.report.queries import data_year

    folder = reports_folder(database)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)  # start afresh, like the database: last run's reports describe a record that is gone
    with session_scope(engine) as session:
        period = data_year(session)
    console.print(f"Writing the transparency report {period.label} and the top relationship's dossier…",
                  highlight=False)  # fmt: skip
    public = write_transparency(engine, period, folder, f"{demo.DEMO_PROVIDER} (fictional)", demo.DEMO_ACTOR)
    if story is None:
        return DemoReports(folder, period.label, public, None, None, None)
    with session_scope(engine) as session:
        reader = actor_of(get_user(session, INVESTIGATOR))
        dossier = write_dossier(session, reader, story.top_subscription, folder)
    return DemoReports(folder, period.label, public, story.top_subscription, reader.name, dossier)


def print_reports(reports: DemoReports) -> None:
    public = reports.transparency
    lines = [
        f"\nReports (vigie report), in {reports.folder}/:",
        f"  Transparency report {reports.period}, public:",
        f"    {public.html}",
        f"    {public.pdf}",
        f"    {public.html.parent / 'data'}/   every table as CSV and JSON; the register and evidence as FollowTheMoney",
    ]
    if reports.dossier is not None:
        lines.append(f"  Dossier of {reports.dossier_subject}, internal (read as {reports.dossier_reader}):")
        lines += [f"    {p}" for p in reports.dossier.all]
    console.print("\n".join(lines), highlight=False, soft_wrap=True)


def timeline_table(session: Session, story: Story) -> Table:
    """The case from opening to enforcement, read back from the audit log."""
    rows = timeline(session, story.case_id)
    day = rows[0].at[:10] if rows else ""
    table = Table(title=f"Timeline of case {story.case_id}, {day} (audit log)")
    table.add_column("#", justify="right")
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("who", overflow="fold")
    table.add_column("step", max_width=12)
    table.add_column("what", ratio=1, overflow="fold")
    for row in rows:
        table.add_row(str(row.seq), row.at[11:19], row.actor, row.step, escape(row.what))
    return table


def print_credentials(story: Story) -> None:
    """The fictional users' passwords and tokens, to try the case commands; never the secret key."""
    files = story.companions
    console.print(
        "\nThe case commands act as a user (VIGIE_TOKEN). The demo's users are fictional; their passwords and "
        "tokens are random, made for this run:",
        highlight=False,
    )
    for user in story.users:
        console.print(
            f"  [bold]{user.name}[/] ({', '.join(user.roles)}) — {user.does}; password {user.password}\n"
            f"    {user.env_var}={user.token}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"Interviews are sealed with the key in {files.key} (not printed; keep it apart from the database). "
        f"{files.env} sets the tokens, the settings and the story's ids for you:\n"
        f"  . {shlex.quote(str(files.env) if files.env.is_absolute() else f'./{files.env}')}\n"
        "  VIGIE_TOKEN=$DEMO_INVESTIGATOR_TOKEN vigie case list\n"
        "  VIGIE_TOKEN=$DEMO_INVESTIGATOR_TOKEN vigie case show $DEMO_CASE\n"
        "  VIGIE_TOKEN=$DEMO_INVESTIGATOR_TOKEN vigie case view $DEMO_INTERVIEW   # opened with the key file\n"
        "  VIGIE_TOKEN=$DEMO_ADMIN_TOKEN vigie case list      # an admin sees that the case exists, not what is in it\n"
        "  VIGIE_TOKEN=$DEMO_APPROVER_TOKEN vigie decision show $DEMO_DECISION\n"
        "  VIGIE_TOKEN=$DEMO_ADMIN_TOKEN vigie enforce list\n"
        "  VIGIE_TOKEN=$DEMO_ADMIN_TOKEN vigie enforce status",
        highlight=False,
        soft_wrap=True,
    )


def install(app: typer.Typer) -> None:
    app.command("demo")(run_demo)

"""`vigie demo`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie import demo
from vigie.audit.verify import verify
from vigie.commands.common import console, fail
from vigie.demo.investigation import Story, timeline
from vigie.register.service import territory_flags
from vigie.register.tables import Organisation, Service, Subscription
from vigie.store.engine import session_scope


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
    if story is not None:
        print_credentials(story)
    if serve:
        from vigie.commands.web import serve_app

        console.print(f"\nOpen http://127.0.0.1:{port}/ and sign in as one of the users above with their password.",
                      highlight=False)  # fmt: skip
        serve_app("127.0.0.1", port, f"sqlite:///{database}")


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

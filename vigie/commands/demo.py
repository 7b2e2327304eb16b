"""`vigie demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree
from sqlalchemy import select

from vigie import demo
from vigie.audit.verify import verify
from vigie.commands.common import console, fail
from vigie.register.service import territory_flags
from vigie.register.tables import Organisation, Service, Subscription
from vigie.store.engine import session_scope


def run_demo(
    database: Annotated[Path, typer.Option(help="The SQLite file to (re)build")] = Path("vigie-demo.db"),
) -> None:
    """Build an illustrative register in a fresh SQLite file and tour it."""
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


def install(app: typer.Typer) -> None:
    app.command("demo")(run_demo)

"""The `vigie` command: one Typer application; each stage adds its commands from vigie/commands/."""

from __future__ import annotations

import typer

from vigie.commands import cases as cases_commands
from vigie.commands import demo as demo_commands
from vigie.commands import enforce as enforce_commands
from vigie.commands import evidence as evidence_commands
from vigie.commands import names as names_commands
from vigie.commands import register as register_commands
from vigie.commands import report as report_commands
from vigie.commands import risk as risk_commands
from vigie.commands import users as users_commands
from vigie.commands import web as web_commands

app = typer.Typer(
    help="Heightened human-rights due diligence for cloud and AI providers.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
register_commands.install(app)
evidence_commands.install(app)
risk_commands.install(app)
names_commands.install(app)
users_commands.install(app)
cases_commands.install(app)
enforce_commands.install(app)
report_commands.install(app)
demo_commands.install(app)
web_commands.install(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

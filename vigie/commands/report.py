"""`vigie report transparency|dossier`: the public report of a period, the internal dossier of a relationship."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vigie.commands.common import acting, console, fail, open_engine, settings

if TYPE_CHECKING:
    from vigie.report.publish import Written

report_app = typer.Typer(help="Reports: the transparency report of a period, the dossier of one relationship.")


def _listing(written: Written, folder: Path) -> str:
    return "\n".join(f"  {p}" for p in written.all if p.parent == folder) + (
        f"\n  {folder / 'data'}/ ({sum(p.parent != folder for p in written.all)} files)"
        if any(p.parent != folder for p in written.all)
        else ""
    )


@report_app.command("transparency")
def transparency_command(
    period: Annotated[str, typer.Option(help="A year (2025) or FIRST..LAST days (2025-01-01..2025-06-30)")],
    output: Annotated[Path, typer.Option(help="Folder to write the report and its data to")] = Path("reports"),
    provider: Annotated[str, typer.Option(help="The provider's name, for the title page")] = "The provider",
) -> None:
    """The public transparency report of a period: HTML, PDF, every table as CSV and JSON, and the register and
    evidence it may disclose as FollowTheMoney entities."""
    from vigie.report.publish import write_transparency  # matplotlib and WeasyPrint load only when asked for
    from vigie.report.queries import Period

    try:
        when = Period.parse(period)
    except ValueError as exc:
        fail(str(exc))
    try:
        written = write_transparency(open_engine(), when, output, provider, settings().actor)
    except OSError as exc:
        fail(f"{output}: {exc}")
    console.print(f"Transparency report {when.label}:\n{_listing(written, output)}", highlight=False)


@report_app.command("dossier")
def dossier_command(
    subject: Annotated[str, typer.Argument(help="An organisation (id, name or alias) or a subscription id")],
    output: Annotated[Path, typer.Option(help="Folder to write the dossier to")] = Path("reports"),
) -> None:
    """The internal dossier of one relationship, as the user of VIGIE_TOKEN may read it."""
    from vigie.report.publish import write_dossier

    with acting(open_engine()) as (session, actor):
        written = write_dossier(session, actor, subject, output)
    console.print(f"Dossier of {subject}:\n{_listing(written, output)}", highlight=False)


def install(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")

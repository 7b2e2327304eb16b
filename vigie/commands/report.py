"""`vigie report transparency|dossier`: the public report of a period, the internal dossier of a relationship."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from vigie.commands.common import acting, console, fail, open_engine
from vigie.report import dossier as dossiers
from vigie.report import exports
from vigie.report.html import render, transparency_html
from vigie.report.pdf import write_pdf
from vigie.report.queries import Period, transparency
from vigie.store.engine import session_scope

report_app = typer.Typer(help="Reports: the transparency report of a period, the dossier of one relationship.")


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path
    data: list[Path]


def write_transparency(engine: Engine, period: Period, folder: Path, provider: str) -> Written:
    """HTML, PDF and the data behind them, for `period`, in `folder`."""
    with session_scope(engine) as session:
        report = transparency(session, period)
    folder.mkdir(parents=True, exist_ok=True)
    html = transparency_html(report, provider)
    stem = f"transparency-{re.sub(r'[^0-9A-Za-z-]+', '_', period.label)}"
    html_path = folder / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = write_pdf(html, folder / f"{stem}.pdf")
    return Written(html_path, pdf_path, exports.write_transparency(report, folder))


def write_dossier(engine: Engine, ref: str, folder: Path) -> Written:
    """The dossier of `ref` as the user of VIGIE_TOKEN may read it (HTML, PDF, JSON)."""
    with acting(engine) as (session, actor):
        found = dossiers.build(session, actor, ref)
        html = render("dossier.html", d=found, footer=f"Dossier {found.organisation.id} · internal · vigie")
        data = dossiers.as_json(found)
        key = ref if any(s.id == ref for s, _ in found.subscriptions) else found.organisation.id
        stem = f"dossier-{re.sub(r'[^0-9A-Za-z-]+', '_', key)}"
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    json_path = folder / f"{stem}.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return Written(html_path, write_pdf(html, folder / f"{stem}.pdf"), [json_path])


@report_app.command("transparency")
def transparency_command(
    period: Annotated[str, typer.Option(help="A year (2025) or FIRST..LAST days (2025-01-01..2025-06-30)")],
    output: Annotated[Path, typer.Option(help="Folder to write the report and its data to")] = Path("reports"),
    provider: Annotated[str, typer.Option(help="The provider's name, for the title page")] = "The provider",
) -> None:
    """The public transparency report of a period: HTML, PDF, and every table as CSV and JSON."""
    try:
        when = Period.parse(period)
    except ValueError as exc:
        fail(str(exc))
    written = write_transparency(open_engine(), when, output, provider)
    console.print(f"Transparency report {when.label}: {written.html}, {written.pdf}", highlight=False)
    console.print(f"Data behind it: {len(written.data)} files in {output / 'data'}", highlight=False)


@report_app.command("dossier")
def dossier_command(
    subject: Annotated[str, typer.Argument(help="An organisation (id, name or alias) or a subscription id")],
    output: Annotated[Path, typer.Option(help="Folder to write the dossier to")] = Path("reports"),
) -> None:
    """The internal dossier of one relationship, as the user of VIGIE_TOKEN may read it."""
    written = write_dossier(open_engine(), subject, output)
    console.print(f"Dossier of {subject}: {written.html}, {written.pdf}, {written.data[0]}", highlight=False)


def install(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")

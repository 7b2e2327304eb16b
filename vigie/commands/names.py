"""`vigie screen ...` and `vigie names ...`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from vigie.commands.common import console, err_console, fail, open_engine, progress_bar, settings
from vigie.names import MATCH, compare
from vigie.names.lexicon import LexiconError
from vigie.names.tables import ScreenMatch
from vigie.register.errors import ImportFailed
from vigie.store.engine import session_scope

screen_app = typer.Typer(help="Screen the register against lists, and review the matches.")
names_app = typer.Typer(help="Compare names; the security-sector gazetteer.", no_args_is_help=True)


def _match_json(m: ScreenMatch) -> dict[str, Any]:
    return {
        "id": m.id, "subject_kind": m.subject_kind, "subject": m.subject_id, "subject_name": m.subject_name,
        "list": m.list_name, "candidate": m.candidate_id, "candidate_name": m.candidate_name, "score": m.score,
        "judgement": m.judgement, "features": m.features,
    }  # fmt: skip


def _print_matches(matches: list[ScreenMatch]) -> None:
    table = Table(title="Screening matches")
    for column in ("id", "score", "register / mention", "list", "list entry", "judgement"):
        table.add_column(column)
    for m in matches:
        table.add_row(
            str(m.id),
            f"{m.score:.2f}",
            escape(f"{m.subject_name} ({m.subject_id})"),
            escape(m.list_name),
            escape(f"{m.candidate_name} ({m.candidate_id})"),
            m.judgement or "open",
        )
    console.print(table)


@contextmanager
def _cluster(workers: int, scheduler: str | None) -> Iterator[Any]:
    if scheduler:
        from vigie.names.cluster import connect

        with connect(scheduler) as client:
            yield client
    elif workers:
        from vigie.names.cluster import local_cluster

        with local_cluster(workers) as client:
            yield client
    else:
        yield None


@screen_app.callback(invoke_without_command=True)
def screen(
    ctx: typer.Context,
    lists: Annotated[
        list[Path] | None, typer.Option("--list", help="A list to screen against: FtM JSON lines or CSV (repeatable)")
    ] = None,
    mentions: Annotated[bool, typer.Option(help="Also match the evidence's unlinked mentions against the register")] = False,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Least score to report")] = MATCH,
    workers: Annotated[
        int, typer.Option(min=0, help="Score on a local Dask cluster of this many processes (0: in this process)")
    ] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="Score on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Screen every register organisation, with its aliases, against lists; store the matches."""
    if ctx.invoked_subcommand is not None:
        return
    if not lists and not mentions:
        fail("nothing to screen: give --list FILE (repeatable) and/or --mentions")
    from vigie.names.service import run_screen

    if workers and scheduler:
        fail("give --workers or --scheduler, not both")
    engine = open_engine()
    try:
        with _cluster(workers, scheduler) as client, progress_bar(enabled=not as_json and sys.stderr.isatty()) as bar:
            report = run_screen(engine, lists or [], settings().actor, mentions, threshold, bar, client)
    except ImportFailed as exc:
        for error in exc.errors:
            err_console.print(f"[red]✗[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        fail(f"{len(exc.errors)} problem(s) in the lists; nothing was screened")
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "run": report.run_id, "subjects": report.subjects, "candidates": report.candidates,
                    "pairs": report.pairs, "matches": [_match_json(m) for m in report.hits],
                }
            )
        )
        return
    _print_matches(report.hits)
    console.print(
        f"Run {report.run_id}: {report.subjects:,} names screened against {report.candidates:,}, "
        f"{report.pairs:,} pairs scored, {len(report.hits):,} matches."
    )


@screen_app.command("matches")
def matches(
    open_only: Annotated[bool, typer.Option("--open", help="Only matches no reviewer has judged")] = False,
    explain: Annotated[bool, typer.Option(help="Show each match's features")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The latest run's matches, best first, with the reviewers' judgements."""
    from vigie.names.service import latest_matches

    with session_scope(open_engine()) as session:
        found = latest_matches(session, open_only)
        if as_json:
            console.print_json(json.dumps([_match_json(m) for m in found]))
            return
        _print_matches(found)
        if explain:
            for m in found:
                console.print(f"[bold]{m.id}[/] {escape(m.subject_name)} ~ {escape(m.candidate_name)}: {m.score:.2f}")
                for f in m.features:
                    console.print(f"    {escape(f['feature'])}: {f['value']:+.2f}  {escape(f['detail'])}", highlight=False)


def _judge(match_id: int, verdict: str, note: str | None) -> None:
    from vigie.names.service import JudgementError, judge

    with session_scope(open_engine()) as session:
        try:
            judgement = judge(session, match_id, verdict, settings().actor, note)
        except JudgementError as exc:
            fail(str(exc))
        console.print(
            f"{verdict.capitalize()}: {escape(judgement.subject_id)} ~ {escape(judgement.candidate_id)} "
            f"({escape(judgement.list_name)}); later runs will keep this."
        )


@screen_app.command("confirm")
def confirm(
    match_id: Annotated[int, typer.Argument(help="A match id from `vigie screen matches`")],
    note: Annotated[str | None, typer.Option(help="Why")] = None,
) -> None:
    """Confirm a match: the register organisation is the list's entry."""
    _judge(match_id, "confirmed", note)


@screen_app.command("reject")
def reject(
    match_id: Annotated[int, typer.Argument(help="A match id from `vigie screen matches`")],
    note: Annotated[str | None, typer.Option(help="Why")] = None,
) -> None:
    """Reject a match: later runs store it as rejected and do not show it as open."""
    _judge(match_id, "rejected", note)


@names_app.command("compare")
def compare_cmd(
    a: Annotated[str, typer.Argument(help="A name")],
    b: Annotated[str, typer.Argument(help="Another name")],
    person: Annotated[bool, typer.Option("--person", help="Compare as person names")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Score two names and show why."""
    try:
        match = compare(a, b, "person" if person else "organisation")
    except LexiconError as exc:
        fail(str(exc))
    if as_json:
        console.print_json(json.dumps(match.as_json(), ensure_ascii=False))
        return
    verdict = "[green]match[/]" if match.is_match else "[yellow]no match[/]"
    console.print(f"{escape(a)} ~ {escape(b)}: [bold]{match.score:.2f}[/] {verdict} (threshold {MATCH})")
    for f in match.features:
        console.print(f"  {escape(f.name)}: {f.value:+.2f}  {escape(f.detail)}", highlight=False)


@names_app.command("bodies")
def bodies(
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The security-sector gazetteer: public bodies with their names, acronyms and sources."""
    from vigie.names.gazetteer import gazetteer

    try:
        gaz = gazetteer()
    except LexiconError as exc:
        fail(str(exc))
    found = sorted(
        (b for b in gaz.bodies.values() if country is None or b.country == country.upper()), key=lambda b: b.id
    )
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {
                        "id": b.id, "country": b.country, "kind": b.kind, "role": b.role, "parent": b.parent,
                        "names": [{"lang": lang, "name": n} for lang, n in b.names], "acronyms": list(b.acronyms),
                        "aliases": list(b.aliases), "source": b.source,
                    }
                    for b in found
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"Security-sector gazetteer: {len(found)} bodies")
    for column in ("id", "kind", "name", "acronyms", "parent", "source"):
        table.add_column(column)
    for b in found:
        table.add_row(b.id, b.kind, escape(b.label), escape(", ".join(b.acronyms)), b.parent or "", b.source)
    console.print(table)


@names_app.command("link")
def link() -> None:
    """Link the register's organisations to the gazetteer's public bodies their names stand for."""
    from vigie.names.service import link_register

    with session_scope(open_engine()) as session:
        links, changed = link_register(session, settings().actor)
        for item in links:
            console.print(f"{escape(item.org_id)} → {item.body_id}  [dim]({escape(item.name)})[/]")
        console.print(f"{len(links)} organisation(s) linked to the gazetteer, {changed} change(s).")


def install(app: typer.Typer) -> None:
    app.add_typer(screen_app, name="screen")
    app.add_typer(names_app, name="names")

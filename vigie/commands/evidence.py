"""`vigie ingest`, `vigie extract` and `vigie evidence ...`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.commands.common import console, err_console, fail, open_engine, progress_bar, settings
from vigie.commands.risk import reassessed_note, reassessor
from vigie.evidence import service
from vigie.evidence.extract import KINDS, Extractor
from vigie.evidence.lexicon import publisher_table
from vigie.evidence.read import Unreadable, read_path
from vigie.evidence.tables import ClaimRecord, Document, MentionRecord
from vigie.risk import incremental
from vigie.store.engine import session_scope
from vigie.store.migrate import current_revision, head_revision

evidence_app = typer.Typer(
    help="Documents, mentions, claims and allegations; reviewers' corrections.", no_args_is_help=True
)


def _kind_option(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        fail(f"--kind must be one of: {', '.join(KINDS)}")
    return kind


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders (recursively) and files listing URLs")],
    kind: Annotated[str | None, typer.Option(help=f"Source kind for all of them: {', '.join(KINDS)}")] = None,
    reextract: Annotated[bool, typer.Option(help="Extract again documents already ingested")] = False,
    ner: Annotated[bool, typer.Option(help="Use spaCy's French model for unknown organisations")] = True,
    assess: Annotated[bool, typer.Option(help="Re-assess the relationships the new evidence touches")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest documents: read, extract mentions and claims, store them with their provenance."""
    engine = open_engine()
    actor = settings().actor
    with progress_bar(enabled=not as_json and sys.stderr.isatty()) as bar:
        report, reassessed = incremental.ingest(
            engine, paths, actor, reassessor() if assess else None, _kind_option(kind), reextract, ner, bar
        )
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "added": [d.id for d in report.added],
                    "reextracted": [d.id for d in report.reextracted],
                    "duplicates": [{"origin": o, "document": d} for o, d in report.duplicates],
                    "failed": [{"origin": o, "reason": r} for o, r in report.failed],
                    "reassessed": asdict(reassessed) if reassessed else None,
                }
            )
        )
    else:
        for doc in report.added + report.reextracted:
            console.print(
                f"[green]+[/] {doc.id}  {escape(doc.title or doc.origin)[:90]}  [dim]{doc.kind}, {doc.language}[/]",
                highlight=False,
            )
        for origin, doc_id in report.duplicates:
            console.print(f"[dim]= {origin}: already ingested as {doc_id}[/]", highlight=False)
        for origin, reason in report.failed:
            err_console.print(f"[red]✗[/] {escape(origin)}: {escape(reason)}", highlight=False, soft_wrap=True)
        console.print(
            f"{len(report.added)} added, {len(report.reextracted)} re-extracted, "
            f"{len(report.duplicates)} already there, {len(report.failed)} unreadable." + reassessed_note(reassessed)
        )
    if report.failed and not (report.added or report.reextracted or report.duplicates):
        raise typer.Exit(1)


def extract(
    path: Annotated[Path, typer.Argument(help="One document")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the extraction contract as JSON")] = False,
    kind: Annotated[str | None, typer.Option(help="Source kind override")] = None,
    ner: Annotated[bool, typer.Option(help="Use spaCy's French model for unknown organisations")] = True,
) -> None:
    """Extract mentions and claims from one document without writing anything."""
    names = None
    config = settings()
    from vigie.store.engine import make_engine

    url = config.database_url
    sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    engine = make_engine(url)
    try:
        if (sqlite_file is None or Path(sqlite_file).exists()) and current_revision(engine) == head_revision():
            with session_scope(engine) as session:
                names = service.register_names(session)
    except Exception:
        names = None
    try:
        source = read_path(path)
    except Unreadable as exc:
        fail(f"{path}: {exc}")
    result = Extractor(names, ner).extract(source, _kind_option(kind))
    if as_json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        return
    doc = result.document
    console.print(
        f"[bold]{escape(doc.title or path.name)}[/]  {doc.publisher or '?'} ({doc.kind}), "
        f"{doc.date or 'undated'}, {doc.language}"
    )
    for claim in result.claims:
        console.print(f"[cyan]{claim.stance}[/] {escape(claim.quote[:160])}", highlight=False)


@evidence_app.command("documents")
def documents(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every ingested document with its provenance."""
    engine = open_engine()
    with session_scope(engine) as session:
        docs = list(session.scalars(select(Document).order_by(Document.published.desc(), Document.id)))
        rows: list[dict[str, Any]] = [
            {"id": d.id, "title": d.title, "publisher": d.publisher, "kind": d.kind, "published": d.published,
             "language": d.language, "origin": d.origin, "sha256": d.sha256}
            for d in docs
        ]  # fmt: skip
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "published", "kind", "publisher", "lang", "title", title="Documents")
    for r in rows:
        table.add_row(
            r["id"][:16],
            r["published"] or "",
            r["kind"],
            r["publisher"] or "",
            r["language"] or "",
            (r["title"] or "")[:60],
        )
    console.print(table)


@evidence_app.command("show")
def show(doc_id: Annotated[str, typer.Argument(help="A document id (or its beginning)")]) -> None:
    """A document: provenance, mentions and claims with their offsets."""
    engine = open_engine()
    with session_scope(engine) as session:
        doc = service.find_document(session, doc_id)
        if doc is None:
            fail(f"no document {doc_id!r}")
        console.print(f"[bold]{escape(doc.title or doc.origin)}[/]\n{doc.id}  sha256 {doc.sha256}")
        console.print(
            f"{doc.publisher or '?'} ({doc.kind}), published {doc.published or '?'}, {doc.language}, from {doc.origin}",
            highlight=False,
        )
        for note in doc.notes:
            console.print(f"[dim]note: {escape(note)}[/]")
        mentions = session.scalars(
            select(MentionRecord).where(MentionRecord.document_id == doc.id).order_by(MentionRecord.start)
        )
        table = Table("at", "text", "kind", "linked to", "via", title="Mentions")
        for m in mentions:
            table.add_row(f"{m.start}-{m.end}", escape(m.text), m.kind, m.entity_id or "[yellow]unlinked[/]", m.via)
        console.print(table)
        _print_claims(
            session.scalars(select(ClaimRecord).where(ClaimRecord.document_id == doc.id).order_by(ClaimRecord.start))
        )


def _print_claims(claims: Any) -> None:
    table = Table("claim", "stance", "harms", "date", "attributed to", "quote", title="Claims")
    for c in claims:
        stance = c.stance + (f" ({', '.join(c.actions)})" if c.actions else "")
        if c.rejected:
            stance = f"[strike]{stance}[/] rejected"
        table.add_row(
            c.id.split(":", 1)[1],
            stance,
            ", ".join(c.harms),
            c.date or "",
            c.attributed_to or "",
            escape(c.quote[:140]),
        )
    console.print(table)


@evidence_app.command("mentions")
def mentions(
    unlinked: Annotated[bool, typer.Option(help="Only organisations not linked to the register")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mentions across documents; --unlinked lists those waiting for a reviewer."""
    engine = open_engine()
    with session_scope(engine) as session:
        query = select(MentionRecord).order_by(MentionRecord.document_id, MentionRecord.start)
        if unlinked:
            query = query.where(MentionRecord.kind == "organisation", MentionRecord.entity_id.is_(None))
        rows: list[dict[str, Any]] = [
            {"document": m.document_id, "start": m.start, "end": m.end, "text": m.text, "kind": m.kind,
             "entity_id": m.entity_id, "via": m.via}
            for m in session.scalars(query)
        ]  # fmt: skip
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table("document", "at", "text", "kind", "linked to", "via", title="Mentions")
    for r in rows:
        table.add_row(
            r["document"][:16], f"{r['start']}-{r['end']}", escape(r["text"]), r["kind"], r["entity_id"] or "", r["via"]
        )
    console.print(table)


@evidence_app.command("claims")
def claims(
    org: Annotated[str | None, typer.Option(help="Only claims naming this organisation id")] = None,
    stance: Annotated[str | None, typer.Option(help="Only this stance")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Claims across documents, with their quotes."""
    engine = open_engine()
    with session_scope(engine) as session:
        found = [r for r, _d in service.claim_views(session, [org] if org else None, include_rejected=True)]
        if stance:
            found = [c for c in found if c.stance == stance]
        if as_json:
            console.print_json(json.dumps([
                {"id": c.id, "document": c.document_id, "start": c.start, "end": c.end, "quote": c.quote,
                 "stance": c.stance, "actions": c.actions, "harms": c.harms, "actors": c.actors, "services": c.services,
                 "places": c.places, "date": c.date, "attributed_to": c.attributed_to, "origin": c.origin,
                 "rejected": c.rejected}
                for c in found
            ]))  # fmt: skip
            return
        _print_claims(found)


@evidence_app.command("allegations")
def allegations_cmd(
    org: Annotated[str | None, typer.Option(help="Only this organisation id")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Claims grouped per organisation × service × harm, with sources and the denials beside them."""
    engine = open_engine()
    with session_scope(engine) as session:
        found = service.allegations(session, [org] if org else None)
    strength = publisher_table().strength
    if as_json:
        console.print_json(json.dumps([a.as_json(strength) for a in found]))
        return
    table = Table(
        "organisation",
        "service",
        "harm",
        "sources",
        "strongest",
        "first seen",
        "last seen",
        "denials",
        title="Allegations",
    )
    for a in found:
        table.add_row(
            a.org_id,
            a.service,
            a.harm,
            str(len(a.sources)),
            a.strongest_kind(strength),
            a.first_seen or "",
            a.last_seen or "",
            str(len(a.denials)),
        )
    console.print(table)


@evidence_app.command("link")
def link(
    doc_id: Annotated[str, typer.Argument()],
    span: Annotated[str, typer.Argument(help="START-END offsets of the mention")],
    org_id: Annotated[str, typer.Argument(help="The register organisation it names")],
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Link a mention to a register organisation (survives re-ingestion)."""
    start, end = _span(span)
    _correct(lambda s: service.link_mention(s, doc_id, start, end, org_id, settings().actor, note))


@evidence_app.command("reject")
def reject(
    claim_id: Annotated[str, typer.Argument(help="The claim's id (see `vigie evidence show`)")],
    note: Annotated[str | None, typer.Option(help="Why")] = None,
) -> None:
    """Reject a wrong claim: it stays visible, struck out, and stops counting."""
    _correct(lambda s: service.reject_claim(s, claim_id, settings().actor, note))


@evidence_app.command("add-claim")
def add_claim(
    doc_id: Annotated[str, typer.Argument()],
    span: Annotated[str, typer.Argument(help="START-END offsets of the quote")],
    stance: Annotated[str, typer.Option(help="alleges, denies, confirms, acts, demands or finds")],
    harm: Annotated[list[str] | None, typer.Option(help="Harm ids (repeat)")] = None,
    org: Annotated[list[str] | None, typer.Option(help="Organisation ids (repeat)")] = None,
    service_id: Annotated[list[str] | None, typer.Option("--service", help="Service ids (repeat)")] = None,
    place: Annotated[list[str] | None, typer.Option(help="Territory ids (repeat)")] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD or YYYY-MM")] = None,
    attributed_to: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a claim by hand, quoting the document by offsets."""
    start, end = _span(span)
    _correct(
        lambda s: service.add_claim(
            s,
            doc_id,
            start,
            end,
            stance,
            settings().actor,
            harm or [],
            org or [],
            service_id or [],
            place or [],
            date,
            attributed_to,
            note,
        )
    )


def _span(span: str) -> tuple[int, int]:
    try:
        start, end = (int(p) for p in span.split("-", 1))
    except ValueError:
        fail(f"offsets must be START-END, got {span!r}")
    return start, end


def _correct(action: Callable[[Session], service.Corrected]) -> None:
    """Apply a correction and re-assess what it changed, together (`vigie.risk.incremental.correct`)."""
    engine = open_engine()
    try:
        with session_scope(engine) as session:
            corrected, reassessed = incremental.correct(session, reassessor(), action)
    except service.CorrectionError as exc:
        fail(str(exc))
    correction = corrected.correction
    console.print(
        f"Correction {correction.id} recorded for document {correction.document_sha256[:12]}; "
        "it is applied again on every re-extraction." + reassessed_note(reassessed),
        highlight=False,
    )


def install(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("extract")(extract)
    app.add_typer(evidence_app, name="evidence")

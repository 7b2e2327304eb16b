"""Writing the register out: CSV (one file per entity type), one JSON document, or FtM entities.

Exports are sorted and spelled canonically, so an export imported into an empty database and
exported again is byte-for-byte the same.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.register.fields import LIST_SEP, MAP_SEP
from vigie.register.importer import state_of_row
from vigie.register.specs import ORDER, SPECS, EntitySpec


def iter_states(session: Session, spec: EntitySpec, chunk: int = 50_000) -> Iterator[dict[str, Any]]:
    """Every stored row of one entity type, in id order, streamed in chunks."""
    table = spec.sql
    columns = [table.c[c] for c in spec.columns]
    last: str | None = None
    while True:
        query = select(*columns).order_by(table.c.id).limit(chunk)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = session.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield state_of_row(spec, row)
        last = rows[-1].id


def csv_cell(spec: EntitySpec, column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in spec.list_fields:
        return LIST_SEP.join(value)
    if column in spec.map_fields:
        return LIST_SEP.join(f"{k}{MAP_SEP}{v}" for k, v in sorted(value.items()))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(session: Session, spec: EntitySpec, out: io.TextIOBase | Any) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.columns)
    count = 0
    for state in iter_states(session, spec):
        writer.writerow([csv_cell(spec, c, state[c]) for c in spec.columns])
        count += 1
    return count


def export_csv(session: Session, directory: Path) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in ORDER:
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            counts[name] = write_csv(session, SPECS[name], fh)
    return counts


def export_json(session: Session) -> dict[str, list[dict[str, Any]]]:
    return {name: list(iter_states(session, SPECS[name])) for name in ORDER}


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

"""CSV and JSON of every table behind a report, so anyone can check or re-use its numbers.

One CSV per table (a header row, then the rows) and one JSON file holding every table with its
title and how it was computed, and the headline figures with their units. Durations are whole
seconds here, as stored; only the page rounds them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from vigie.report.queries import Table, Transparency


@dataclass(frozen=True)
class Published:
    """A file published with a report, as the report lists it."""

    name: str
    what: str
    count: int
    unit: str  # singular: "row", "entity"

    @property
    def counted(self) -> str:
        if self.count == 1:
            return f"1 {self.unit}"
        return f"{self.count} {self.unit[:-1] + 'ies' if self.unit.endswith('y') else self.unit + 's'}"


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return out.getvalue()


def transparency_json(report: Transparency) -> dict[str, Any]:
    return {
        "period": {"label": report.period.label, "start": report.period.lo, "end_exclusive": report.period.hi},
        "generated_at": report.generated_at,
        "figures": {
            k: {"label": f.label, "value": f.value, "unit": f.unit, "how": f.how} for k, f in report.figures.items()
        },
        "tables": {k: t.as_json() for k, t in report.tables.items()},
        "withheld": report.withheld.as_json(),
    }


def tables(report: Transparency) -> dict[str, Table]:
    """Every table behind the report, the withheld one included, by file stem."""
    return {**report.tables, "withheld": report.withheld}


def transparency_files(report: Transparency) -> dict[str, bytes]:
    """`<table>.csv` for every table and `transparency.json`, by file name."""
    files = {f"{key}.csv": csv_text(t).encode("utf-8") for key, t in tables(report).items()}
    text = json.dumps(transparency_json(report), indent=2, ensure_ascii=False) + "\n"
    files["transparency.json"] = text.encode("utf-8")
    return files


def describe(report: Transparency, register: list[Any], evidence: list[Any]) -> list[Published]:
    """The files of `data/`, for the report's last section."""
    listed = [Published(f"{key}.csv", t.title, len(t.rows), "row") for key, t in tables(report).items()]
    listed += [
        Published("transparency.json", "every figure and table of this report, with how each was computed",
                  len(report.figures) + len(tables(report)), "item"),
        Published("register.ftm.json", "the register entries this report may name, as FollowTheMoney entities",
                  len(register), "entity"),
        Published("evidence.ftm.json", "the documents, claims and mentions behind section 3, as FollowTheMoney "
                  "entities", len(evidence), "entity"),
    ]  # fmt: skip
    return listed

"""CSV and JSON of every table behind a report, so anyone can check or re-use its numbers.

One CSV per table (a header row, then the rows) and one JSON file holding every table with its
title and how it was computed, and the headline figures.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from vigie.report.queries import Table, Transparency


def write_csv(table: Table, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(table.columns)
        writer.writerows(["" if v is None else v for v in row] for row in table.rows)
    return path


def transparency_json(report: Transparency) -> dict[str, Any]:
    return {
        "period": {"label": report.period.label, "start": report.period.lo, "end_exclusive": report.period.hi},
        "generated_at": report.generated_at,
        "figures": {k: {"label": f.label, "value": f.value, "how": f.how} for k, f in report.figures.items()},
        "tables": {k: t.as_json() for k, t in report.tables.items()},
        "withheld": report.withheld.as_json(),
    }


def write_transparency(report: Transparency, folder: Path) -> list[Path]:
    """`folder/data/<table>.csv` for every table, and `folder/data/transparency.json`."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    paths = [write_csv(t, data / f"{key}.csv") for key, t in report.tables.items()]
    paths.append(write_csv(report.withheld, data / "withheld.csv"))
    target = data / "transparency.json"
    target.write_text(json.dumps(transparency_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths.append(target)
    return paths

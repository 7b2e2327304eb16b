"""Reading CSV rows: a row with every cell filled takes a shorter way than one with empty cells; both must
give the same raw rows, with the row and line numbers errors point to."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.register.errors import ImportFailed
from vigie.register.files import read_path


def rows_of(tmp_path: Path, text: str) -> list[tuple[int, int | None, dict[str, object]]]:
    path = tmp_path / "organisations.csv"
    path.write_text(text, encoding="utf-8")
    return [(raw.row, raw.line, raw.data) for raw in read_path(path)]


def test_empty_and_blank_cells_are_absent_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    text = (
        "id,name,kind,country\n"
        "org-a,A,company,FR\n"
        "\n"
        " , \t,,\n"
        "org-b,B,ngo,\n"
        "org-c,C, ,  \n"
        'org-d,"D\non two lines",company,IE\n'
        "org-e, E ,company,DE\n"
    )
    assert rows_of(tmp_path, text) == [
        (1, 2, {"id": "org-a", "name": "A", "kind": "company", "country": "FR"}),
        (4, 5, {"id": "org-b", "name": "B", "kind": "ngo"}),
        (5, 6, {"id": "org-c", "name": "C"}),
        (6, 8, {"id": "org-d", "name": "D\non two lines", "kind": "company", "country": "IE"}),
        (7, 9, {"id": "org-e", "name": " E ", "kind": "company", "country": "DE"}),  # the parsers strip
    ]


def test_a_row_with_too_few_or_too_many_cells_is_named(tmp_path: Path) -> None:
    path = tmp_path / "organisations.csv"
    path.write_text("id,name,kind\norg-a,A,company\norg-b,B\norg-c,C,ngo,extra\n,,\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_path(path)
    assert [(e.row, e.line, e.message) for e in failed.value.errors] == [
        (2, 3, "has 2 cells, the header has 3"),
        (3, 4, "has 4 cells, the header has 3"),
    ]

"""What no column can hold is refused at validation, with the file, row and field, on both backends: text
longer than its column, the NUL character, FtM properties that are not lists of strings. Nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.helpers import write_csv
from vigie.audit.tables import AuditEntry
from vigie.register.errors import ImportFailed
from vigie.register.service import import_files
from vigie.risk.incremental import import_register
from vigie.store.engine import session_scope


def entries(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_text_too_long_for_its_column_or_holding_nul_is_named(engine: Engine, tmp_path: Path) -> None:
    orgs = write_csv(
        tmp_path / "organisations.csv",
        ("id", "name", "kind", "country"),
        [("org-ok", "Fine", "company", "FR"), ("org-long", "N" * 501, "company", "FR"), ("org-nul", "A\x00B", "company", "")],
    )
    aliases = write_csv(tmp_path / "aliases.csv", ("org_id", "name"), [("o" * 199, "Alias")])
    with pytest.raises(ImportFailed) as failed:
        import_files(engine, [orgs, aliases], "alice")
    where = {(Path(e.file).name, e.row, e.field): e.message for e in failed.value.errors}
    assert where[("organisations.csv", 2, "name")] == "at most 500 characters, got 501"
    assert "NUL" in where[("organisations.csv", 3, "name")]
    assert where[("aliases.csv", 1, "id")].startswith("at most 200 characters")  # the id derived from it
    assert entries(engine) == 0


def test_ftm_properties_must_be_lists_of_strings(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    lines = [
        {"schema": "Organization", "id": "a", "properties": {"name": [{"nested": 1}]}},
        {"schema": "Organization", "id": "b", "properties": 3},
        {"schema": "Organization", "id": "c", "properties": {"name": "not a list"}},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_files(engine, [path], "alice")
    assert [(e.row, "list of strings" in e.message) for e in failed.value.errors] == [(1, True), (2, True), (3, True)]


def test_an_import_can_name_its_files_for_the_record(engine: Engine, tmp_path: Path) -> None:
    """An upload is kept in a temporary folder; the audit log names the files as the user sent them."""
    orgs = write_csv(tmp_path / "organisations.csv", ("id", "name", "kind"), [("org-a", "A", "company")])
    import_register(engine, [orgs], "alice", None, names=["organisations.csv"])
    with session_scope(engine) as session:
        contexts = set(session.scalars(select(AuditEntry.context)))
    assert contexts == {"import organisations.csv"}

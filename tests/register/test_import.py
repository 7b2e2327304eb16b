from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.helpers import ORGS_HEADER, SUBS_HEADER, small_register, write_csv
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.register.errors import ImportFailed
from vigie.register.service import import_files
from vigie.register.tables import Alias, Organisation, Subscription
from vigie.store.engine import session_scope


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_import_then_reimport_is_a_noop(engine: Engine, tmp_path: Path) -> None:
    paths = small_register(tmp_path, subscriptions=5)
    first = import_files(engine, paths, "alice")
    assert first.counts["organisations"] == {"added": 3, "changed": 0, "unchanged": 0}
    assert first.counts["subscriptions"]["added"] == 5
    audited = count(engine, AuditEntry)
    assert audited == 3 + 2 + 5

    again = import_files(engine, paths, "alice")
    assert again.nothing_changed
    assert again.counts["subscriptions"] == {"added": 0, "changed": 0, "unchanged": 5}
    assert count(engine, AuditEntry) == audited, "a no-op import must not write audit entries"


def test_changed_file_reports_added_changed_unchanged(engine: Engine, tmp_path: Path) -> None:
    paths = small_register(tmp_path, subscriptions=3)
    import_files(engine, paths, "alice")
    write_csv(
        tmp_path / "subscriptions.csv",
        SUBS_HEADER,
        [
            ("sub-00000", "org-min", "svc-ai", "2024-01-01", "active", "0.50", "EUR"),  # unchanged
            ("sub-00001", "org-unit", "svc-store", "2024-01-01", "suspended", "1.50", "EUR"),  # status changed
            ("sub-00009", "org-shop", "svc-ai", "2025-02-01", "active", "", ""),  # new
        ],
    )
    report = import_files(engine, [tmp_path / "subscriptions.csv"], "bob")
    assert report.counts["subscriptions"] == {"added": 1, "changed": 1, "unchanged": 1}
    with session_scope(engine) as session:
        assert session.get(Subscription, "sub-00001").status == "suspended"  # type: ignore[union-attr]
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == "sub-00001").order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and entry.actor == "bob" and entry.action == "update"
        assert json.loads(entry.before or "{}")["status"] == "active"
        assert json.loads(entry.after or "{}")["status"] == "suspended"
        assert verify(session).ok


def test_columns_absent_from_the_file_keep_their_stored_values(engine: Engine, tmp_path: Path) -> None:
    write_csv(
        tmp_path / "organisations.csv",
        ("id", "name", "kind", "country", "description"),
        [("org-a", "A", "company", "FR", "kept")],
    )
    import_files(engine, [tmp_path / "organisations.csv"], "alice")
    write_csv(tmp_path / "organisations-2.csv", ("id", "name", "kind"), [("org-a", "A renamed", "company")])
    report = import_files(engine, [tmp_path / "organisations-2.csv"], "alice")
    assert report.counts["organisations"]["changed"] == 1
    with session_scope(engine) as session:
        org = session.get(Organisation, "org-a")
        assert org is not None and org.name == "A renamed" and org.description == "kept" and org.country == "FR"


def errors_of(engine: Engine, paths: list[Path]) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        import_files(engine, paths, "alice")
    return [str(e) for e in caught.value.errors]


def test_every_kind_of_bad_input_is_reported_at_once_with_file_row_and_field(engine: Engine, tmp_path: Path) -> None:
    orgs = write_csv(tmp_path / "organisations.csv", ORGS_HEADER, [("org-a", "A", "company", "FR", "")])
    services = write_csv(
        tmp_path / "services.csv",
        ("id", "name", "provider", "capabilities"),
        [("svc-x", "X", "P", "storage;telepathy")],
    )
    subs = write_csv(
        tmp_path / "subscriptions.csv",
        SUBS_HEADER,
        [
            ("sub-1", "org-a", "svc-x", "2024-02-30", "active", "", ""),
            ("sub-2", "org-missing", "svc-x", "2024-01-01", "active", "", ""),
        ],
    )
    messages = errors_of(engine, [orgs, services, subs])
    assert any("services.csv, row 1 (line 2), field 'capabilities'" in m and "telepathy" in m for m in messages)
    assert any("subscriptions.csv, row 1 (line 2), field 'start_date'" in m for m in messages)
    assert any("subscriptions.csv, row 2 (line 3), field 'customer_id'" in m and "org-missing" in m for m in messages)
    assert count(engine, Organisation) == 0, "a failed import writes nothing, not even the valid files"
    assert count(engine, AuditEntry) == 0


def test_wrong_and_missing_columns_are_named(engine: Engine, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "organisations.csv", ("id", "nom", "kind"), [("org-a", "A", "company")])
    messages = errors_of(engine, [bad])
    assert any("field 'nom': unknown column" in m for m in messages)
    assert any("field 'name': required column missing" in m for m in messages)


def test_unknown_file_kind_and_bad_json_are_reported(engine: Engine, tmp_path: Path) -> None:
    mystery = write_csv(tmp_path / "customers.csv", ("id",), [("x",)])
    broken = tmp_path / "register.json"
    broken.write_text('{"organisations": [ {"id": "a", }', encoding="utf-8")
    messages = errors_of(engine, [mystery, broken])
    assert any("customers.csv" in m and "cannot tell which entity type" in m for m in messages)
    assert any("register.json" in m and "not valid JSON" in m for m in messages)


def test_json_rows_are_validated_like_csv(engine: Engine, tmp_path: Path) -> None:
    doc = tmp_path / "register.json"
    doc.write_text(
        json.dumps(
            {
                "organisations": [
                    {"id": "org-a", "name": "A", "kind": "company", "country": "FR"},
                    {"id": "org-b", "name": "B", "kind": "spaceship", "colour": "red"},
                ]
            }
        ),
        encoding="utf-8",
    )
    messages = errors_of(engine, [doc])
    assert any("register.json#organisations, row 2, field 'kind'" in m and "spaceship" in m for m in messages)
    assert any("register.json#organisations, row 2, field 'colour': unknown field" in m for m in messages)


def test_a_bad_row_at_900_of_1000_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    paths = small_register(tmp_path, subscriptions=1000)
    rows = (tmp_path / "subscriptions.csv").read_text(encoding="utf-8").splitlines()
    cells = rows[900].split(",")
    cells[3] = "not-a-date"
    rows[900] = ",".join(cells)
    (tmp_path / "subscriptions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    messages = errors_of(engine, paths)
    assert messages == [
        "{}, row 900 (line 901), field 'start_date': 'not-a-date' is not a date in the form YYYY-MM-DD".format(
            tmp_path / "subscriptions.csv"
        )
    ]
    assert count(engine, Subscription) == 0 and count(engine, Organisation) == 0


def test_aliases_get_their_script_detected(engine: Engine, tmp_path: Path) -> None:
    orgs = write_csv(tmp_path / "organisations.csv", ORGS_HEADER, [("org-a", "Ministry", "ministry", "IL", "")])
    aliases = write_csv(
        tmp_path / "aliases.csv",
        ("org_id", "name", "lang"),
        [("org-a", "משרד הביטחון", "he"), ("org-a", "Министерство обороны", "ru"), ("org-a", "Ministère", "fr")],
    )
    import_files(engine, [orgs, aliases], "alice")
    with session_scope(engine) as session:
        scripts = {a.lang: a.script for a in session.scalars(select(Alias))}
    assert scripts == {"he": "Hebr", "ru": "Cyrl", "fr": "Latn"}


def test_parent_cycles_are_refused(engine: Engine, tmp_path: Path) -> None:
    orgs = write_csv(
        tmp_path / "organisations.csv",
        ORGS_HEADER,
        [("org-a", "A", "ministry", "FR", "org-b"), ("org-b", "B", "military-unit", "FR", "org-a")],
    )
    messages = errors_of(engine, [orgs])
    assert any("parents form a cycle" in m for m in messages)

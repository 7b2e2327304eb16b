from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import Engine

from vigie.demo import DATA, TERRITORIES
from vigie.register.export import dump_json, export_csv, export_json
from vigie.register.ftm import export_ftm
from vigie.register.service import import_files
from vigie.store.engine import make_engine, session_scope
from vigie.store.migrate import upgrade


def fresh(tmp_path: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    return engine


def ftm_text(engine: Engine) -> str:
    with session_scope(engine) as session:
        return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in export_ftm(session))


def test_csv_db_csv_is_identical(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    with session_scope(engine) as session:
        export_csv(session, tmp_path / "first")
    second = fresh(tmp_path, "second.db")
    paths = sorted((tmp_path / "first").glob("*.csv"))
    import_files(second, paths, "bob")
    with session_scope(second) as session:
        export_csv(session, tmp_path / "second")
    for path in paths:
        assert path.read_bytes() == (tmp_path / "second" / path.name).read_bytes(), path.name
    assert "Unité 8200" in (tmp_path / "second" / "aliases.csv").read_text(encoding="utf-8")


def test_json_db_json_is_identical(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    with session_scope(engine) as session:
        first = dump_json(export_json(session))
    (tmp_path / "register.json").write_text(first, encoding="utf-8")
    second = fresh(tmp_path, "second.db")
    import_files(second, [tmp_path / "register.json"], "bob")
    with session_scope(second) as session:
        assert dump_json(export_json(session)) == first


def test_ftm_db_ftm_is_identical(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    first = ftm_text(engine)
    schemata = {json.loads(line)["schema"] for line in first.splitlines()}
    assert schemata == {"PublicBody", "Company", "Organization", "Asset", "Contract"}
    (tmp_path / "register.ftm.json").write_text(first, encoding="utf-8")
    second = fresh(tmp_path, "second.db")
    # Territories have no FtM schema; subscriptions refer to them, so they travel as JSON.
    import_files(second, [TERRITORIES, tmp_path / "register.ftm.json"], "bob")
    assert ftm_text(second) == first
    again = import_files(second, [tmp_path / "register.ftm.json"], "bob")
    assert again.nothing_changed


def test_ftm_entities_carry_names_aliases_and_hierarchy(engine: Engine) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    entities = {e["id"]: e for e in (json.loads(line) for line in io.StringIO(ftm_text(engine)))}
    unit = entities["org-il-unit-8200"]
    assert unit["schema"] == "PublicBody"
    assert "Unité 8200" in unit["properties"]["alias"]
    assert unit["properties"]["parent"] == ["org-il-aman"]
    contract = entities["sub-8200-storage"]
    assert contract["properties"]["authority"] == ["org-il-unit-8200"]
    assert "vigie:service=svc-cumulo-object-storage" in contract["properties"]["keywords"]

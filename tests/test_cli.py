"""The command line as a user drives it: init, import, show, export, audit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import small_register
from vigie.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIGIE_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIE_USER", "carol")
    return database_url


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def invoke_json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_commands_refuse_an_uninitialised_database(cli_env: str) -> None:
    code, out = invoke("register", "show", "x")
    assert code == 1 and "run `vigie init`" in out


def test_init_import_show_export_and_audit(cli_env: str, tmp_path: Path) -> None:
    code, out = invoke("init")
    assert code == 0 and "Created" in out
    code, out = invoke("init")
    assert code == 0 and "up to date" in out
    paths = [str(p) for p in small_register(tmp_path)]
    report = invoke_json("register", "import", *paths)
    assert report["counts"]["organisations"]["added"] == 3  # type: ignore[index]
    code, out = invoke("register", "import", *paths)
    assert code == 0 and "Nothing changed" in out

    shown = invoke_json("register", "show", "unité 42")
    assert shown["organisation"]["id"] == "org-unit" and shown["parent"] == "org-min"  # type: ignore[index]

    code, out = invoke("register", "export", "--format", "csv", "--entity", "organisations")
    assert code == 0 and out.splitlines()[0].startswith("id,name,kind,country,parent_id")

    history = invoke_json("audit", "log", "org-unit")
    assert history[0]["actor"] == "carol"  # type: ignore[index]
    code, out = invoke("audit", "verify")
    assert code == 0 and "chain is intact" in out


def test_bad_import_exits_non_zero_and_names_the_problem(cli_env: str, tmp_path: Path) -> None:
    invoke("init")
    bad = tmp_path / "services.csv"
    bad.write_text("id,name,provider,capabilities\nsvc-1,S,P,mind-reading\n", encoding="utf-8")
    code, out = invoke("register", "import", str(bad))
    assert code == 1
    assert "services.csv, row 1 (line 2), field 'capabilities'" in out and "nothing was imported" in out


def test_verify_exits_non_zero_after_tampering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "t.db"
    monkeypatch.setenv("VIGIE_DATABASE_URL", f"sqlite:///{db}")
    invoke("init")
    invoke("register", "import", *map(str, small_register(tmp_path)))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_log SET after = '{}' WHERE seq = 1")
    code, out = invoke("audit", "verify")
    assert code == 1 and "entry 1 (" in out and "tampered" in out


def test_configuration_from_vigie_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vigie.toml").write_text('[database]\nurl = "sqlite:///from-toml.db"\n', encoding="utf-8")
    code, _ = invoke("init")
    assert code == 0 and (tmp_path / "from-toml.db").exists()


def test_default_database_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIGIE_DATABASE_URL", raising=False)
    monkeypatch.delenv("VIGIE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _ = invoke("init")
    assert code == 0 and (tmp_path / "vigie.db").exists()

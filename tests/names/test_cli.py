"""`vigie screen ...` and `vigie names ...` as a user drives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import write_csv
from vigie.cli import app
from vigie.demo import DATA, TERRITORIES

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIGIE_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIE_USER", "carol")
    assert runner.invoke(app, ["init"]).exit_code == 0
    imported = runner.invoke(app, ["register", "import", str(TERRITORIES), str(DATA / "register.json")])
    assert imported.exit_code == 0, imported.output
    return database_url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_screen_review_and_rescreen(cli_env: str, tmp_path: Path) -> None:
    listing = write_csv(
        tmp_path / "list.csv", ("id", "name", "aliases"), [("e1", "IMOD", "Misrad HaBitahon"), ("e2", "Unit 8201", "")]
    )
    result = runner.invoke(app, ["screen", "--list", str(listing), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found = {(m["subject"], m["candidate"]) for m in report["matches"]}
    assert found == {("org-il-mod", "e1")}
    match_id = report["matches"][0]["id"]
    assert report["matches"][0]["features"]

    code, out = run("screen", "reject", str(match_id), "--note", "checked")
    assert code == 0 and "Rejected" in out
    code, out = run("screen", "confirm", "999999")
    assert code == 1 and "no screening match 999999" in out

    code, out = run("screen", "--list", str(listing))
    assert code == 0 and "1 matches" in out
    still_open = json.loads(runner.invoke(app, ["screen", "matches", "--open", "--json"]).stdout)
    assert still_open == []
    everything = json.loads(runner.invoke(app, ["screen", "matches", "--json"]).stdout)
    assert [m["judgement"] for m in everything] == ["rejected"]
    code, out = run("screen", "matches", "--explain")
    assert code == 0 and "il-mod" in out


def test_a_bad_list_fails_with_its_file_row_and_field(cli_env: str, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", ("id", "name"), [("e1", "")])
    code, out = run("screen", "--list", str(bad))
    assert code == 1
    assert "bad.csv" in out and "row 1" in out and "'name'" in out and "nothing was screened" in out
    code, out = run("screen")
    assert code == 1 and "nothing to screen" in out


def test_names_compare_bodies_and_link(cli_env: str) -> None:
    result = runner.invoke(app, ["names", "compare", "Unité 8200", "Unit 8201", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["score"] < 0.7
    code, out = run("names", "compare", "Smith, John", "J. Smith", "--person")
    assert code == 0 and "match" in out
    bodies = json.loads(runner.invoke(app, ["names", "bodies", "--country", "IL", "--json"]).stdout)
    assert {"il-mod", "il-unit-8200"} <= {b["id"] for b in bodies}
    assert all(b["source"].startswith("https://") for b in bodies)
    code, out = run("names", "link")
    assert code == 0 and "org-il-unit-8200 → il-unit-8200" in out
    shown = json.loads(runner.invoke(app, ["register", "show", "org-il-unit-8200", "--json"]).stdout)
    assert shown["gazetteer_body"] == "il-unit-8200"

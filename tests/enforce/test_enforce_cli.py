"""`vigie enforce ...` as people drive it, each acting with their own API token and roles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.enforce.conftest import World
from vigie.audit.verify import verify
from vigie.cli import app
from vigie.store.engine import session_scope

runner = CliRunner()


@pytest.fixture
def cli(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("VIGIE_DATABASE_URL", world.database_url)
    monkeypatch.setenv("VIGIE_ENFORCE_CONNECTOR", "outbox")
    monkeypatch.setenv("VIGIE_ENFORCE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("VIGIE_CONFIG", raising=False)
    return world


def run(world: World, user: str | None, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    environment = {"VIGIE_TOKEN": world.tokens[user] if user else "", **(env or {})}
    result = runner.invoke(app, ["enforce", *args], env=environment)
    return result.exit_code, result.output


def run_json(world: World, user: str, *args: str, env: dict[str, str] | None = None) -> Any:
    environment = {"VIGIE_TOKEN": world.tokens[user], **(env or {})}
    result = runner.invoke(app, ["enforce", *args, "--json"], env=environment)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_issue_deliver_ack_restore(cli: World, tmp_path: Path) -> None:
    decision = cli.decide("suspend", ["sub-00000", "sub-00003"])

    code, out = run(cli, "ann", "issue", "--decision", decision)
    assert code == 1 and "ann (roles: analyst) may not issue enforcement orders" in out
    code, out = run(cli, None, "issue", "--decision", decision)
    assert code == 1 and "VIGIE_TOKEN" in out

    orders = run_json(cli, "abe", "issue", "--decision", decision)
    assert [o["subscription_id"] for o in orders] == ["sub-00000", "sub-00003"]
    ids = [o["id"] for o in orders]

    code, out = run(cli, "abe", "deliver")
    assert code == 1 and "may not deliver enforcement orders" in out
    report = run_json(cli, "root", "deliver")
    assert report["connector"] == "outbox" and sorted(report["sent"]) == sorted(ids)
    assert (tmp_path / "outbox" / f"{ids[0]}.json").exists()

    listed = run_json(cli, "ann", "list", "--state", "sent")
    assert sorted(o["id"] for o in listed) == sorted(ids)
    status = run_json(cli, "ann", "status")
    assert status["overdue"] == [] and status["dead"] == [] and status["open"] == 2
    assert cli.status_of("sub-00000") == "active"

    first = run_json(cli, "root", "ack", ids[0], "--note", "seen disabled in the console")
    assert first["applied_now"] and first["status_changed"] and first["acknowledgement"]["note"]
    again = run_json(cli, "root", "ack", ids[0])
    assert not again["applied_now"]
    code, out = run(cli, "root", "ack", ids[0])
    assert code == 0 and "already acknowledged" in out
    assert cli.status_of("sub-00000") == "suspended"

    code, out = run(cli, "root", "show", ids[0])
    assert code == 0 and "Delivery attempts" in out and "sent" in out

    (restore,) = run_json(cli, "abe", "restore", "sub-00000", "--reason", "the review cleared the customer")
    assert restore["action"] == "restore" and restore["decision_id"] is None
    run_json(cli, "root", "deliver")
    run_json(cli, "root", "ack", restore["id"])
    assert cli.status_of("sub-00000") == "active"
    assert cli.status_changes("sub-00000") == [("active", "suspended"), ("suspended", "active")]
    with session_scope(cli.engine) as session:
        assert verify(session).ok


def test_status_check_fails_on_overdue_orders(cli: World) -> None:
    decision = cli.decide("suspend", ["sub-00000"])
    (order,) = run_json(cli, "abe", "issue", "--decision", decision, env={"VIGIE_ENFORCE_ACK_WITHIN_HOURS": "0"})
    code, out = run(cli, "ann", "status", "--check")
    assert code == 1 and "Not acknowledged in time" in out and order["id"] in out
    status = run_json(cli, "ann", "status")
    assert [o["id"] for o in status["overdue"]] == [order["id"]]


def test_refusals_name_what_is_wrong_and_write_nothing(cli: World) -> None:
    decision = cli.decide("suspend", ["sub-00000"])
    before = cli.counts()
    code, out = run(cli, "abe", "issue", "--decision", decision, "--action", "suspend", "sub-00000", "sub-zzz")
    assert code == 1 and "unknown subscription(s) sub-zzz" in out
    code, out = run(cli, "abe", "restore", "sub-00000", "--reason", "x", env={"VIGIE_ENFORCE_MAX_ATTEMPTS": "many"})
    assert code == 1 and "enforce.max_attempts (VIGIE_ENFORCE_MAX_ATTEMPTS) must be a number" in out
    code, out = run(cli, "root", "deliver", env={"VIGIE_ENFORCE_CONNECTOR": "webhook"})
    assert code == 1 and "enforce.webhook_url" in out
    code, out = run(cli, "ann", "list", "--state", "lost")
    assert code == 1 and "state: 'lost' is not one of" in out
    assert cli.counts() == before

"""The outbox folder and the command connector, delivering for real: files on disk, a real child process."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from tests.enforce.conftest import World, settings_for
from vigie.audit.verify import verify
from vigie.enforce import service
from vigie.enforce.connectors import Message
from vigie.enforce.connectors.outbox import OutboxConnector, write_atomically
from vigie.enforce.orders import idempotency_key, message_body
from vigie.settings import EnforceSettings
from vigie.store.engine import session_scope


def orders_for(world: World, subs: list[str], action: str = "suspend") -> list[service.OrderView]:
    decision = world.decide(action, subs)
    with session_scope(world.engine) as session:
        return service.orders_for_decision(session, "abe", decision)


def outbox_settings(fast: EnforceSettings, folder: Path) -> EnforceSettings:
    return settings_for(fast, connector="outbox", outbox=folder)


def test_outbox_files_are_complete_and_acknowledged_by_ack_files(
    world: World, fast: EnforceSettings, tmp_path: Path
) -> None:
    folder = tmp_path / "outbox"
    orders = orders_for(world, ["sub-00000", "sub-00003"])
    report = service.deliver(world.engine, "root", outbox_settings(fast, folder))
    assert sorted(report.sent) == sorted(o.id for o in orders)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*(f"{o.id}.json" for o in orders), "acks"])

    written = {}
    for o in orders:
        data = json.loads((folder / f"{o.id}.json").read_text(encoding="utf-8"))
        # Complete: the whole payload, and its key is the hash of the rest of it.
        assert data["order_id"] == o.id and data["action"] == "suspend" and data["target_status"] == "suspended"
        assert data["idempotency_key"] == o.idempotency_key
        assert idempotency_key({k: v for k, v in data.items() if k != "idempotency_key"}) == o.idempotency_key
        written[o.id] = data
    assert {o.state for o in service_list(world)} == {"sent"}
    assert world.status_of("sub-00000") == "active", "sent is not applied"

    # The collector acknowledges one order with a file; a file for another order with a wrong key is refused.
    first, second = orders
    (folder / "acks" / "a.json").write_text(
        json.dumps({"order_id": first.id, "idempotency_key": first.idempotency_key, "applied": True}), encoding="utf-8"
    )
    (folder / "acks" / "b.json").write_text(
        json.dumps({"order_id": second.id, "idempotency_key": "0" * 64, "applied": True}), encoding="utf-8"
    )
    (folder / "acks" / "c.json").write_text("{not json", encoding="utf-8")
    report = service.deliver(world.engine, "root", outbox_settings(fast, folder))
    assert report.acks_from_files == [first.id]
    assert len(report.ack_file_errors) == 2
    assert (
        "b.json: idempotency_key" in report.ack_file_errors[0] and "c.json: not readable" in report.ack_file_errors[1]
    )
    assert (folder / "acks" / "done" / "a.json").exists() and not (folder / "acks" / "a.json").exists()
    assert (folder / "acks" / "b.json").exists(), "a refused acknowledgement stays for someone to look at"
    assert world.status_of(first.subscription_id) == "suspended"
    assert world.status_of(second.subscription_id) == "active"

    # The other one is acknowledged by hand.
    with session_scope(world.engine) as session:
        service.acknowledge(session, "root", second.id, answer={"note": "checked in the console"})
    assert world.status_of(second.subscription_id) == "suspended"
    with session_scope(world.engine) as session:
        assert verify(session).ok


def service_list(world: World) -> list[service.OrderView]:
    with session_scope(world.engine) as session:
        return service.list_orders(session)


def test_redelivering_to_the_outbox_rewrites_the_same_bytes(tmp_path: Path) -> None:
    connector = OutboxConnector(tmp_path / "out")
    payload = {"order_id": "ord-1", "action": "suspend"}
    key = idempotency_key(payload)
    message = Message("ord-1", key, message_body(payload, key))
    assert connector.deliver(message).outcome == "sent"
    first = connector.path_for("ord-1").read_bytes()
    assert connector.deliver(message).outcome == "sent"
    assert connector.path_for("ord-1").read_bytes() == first == message.body + b"\n"
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == [], "no temporary file left"


def test_a_reader_never_sees_half_a_file(tmp_path: Path) -> None:
    """A collector reading `*.json` while files are (re)written sees each complete, or not at all."""
    folder = tmp_path / "out"
    folder.mkdir()
    bodies = [json.dumps({"order_id": f"ord-{i}", "pad": str(i) * 200_000}).encode() for i in range(4)]
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def collector() -> None:
        while not done.is_set():
            for path in folder.glob("*.json"):
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue
                try:
                    json.loads(data)
                    seen.append(len(data))
                except ValueError:
                    problems.append(f"{path.name}: {len(data)} bytes, not complete JSON")

    reader = threading.Thread(target=collector)
    reader.start()
    try:
        for round_ in range(30):
            for i, body in enumerate(bodies):
                write_atomically(folder / f"ord-{(i + round_) % 4}.json", body)
    finally:
        done.set()
        reader.join()
    assert problems == []
    assert seen, "the collector read some files"


COMMAND = r"""
import json, os, sys
order = json.loads(sys.stdin.read())
mode = sys.argv[1]
with open(sys.argv[2], "a", encoding="utf-8") as log:
    log.write(json.dumps({"key": os.environ["VIGIE_IDEMPOTENCY_KEY"], "order": order["order_id"],
                          "env_order": os.environ["VIGIE_ORDER_ID"]}) + "\n")
if mode == "fail":
    print("control plane unreachable", file=sys.stderr)
    sys.exit(3)
if mode == "accept":
    sys.exit(0)
print(json.dumps({"applied": True, "idempotency_key": order["idempotency_key"], "ticket": "CHG-42"}))
"""


@pytest.mark.parametrize("mode", ["apply", "accept", "fail"])
def test_the_command_connector(world: World, fast: EnforceSettings, tmp_path: Path, mode: str) -> None:
    script = tmp_path / "control_plane.py"
    script.write_text(COMMAND, encoding="utf-8")
    log = tmp_path / "calls.jsonl"
    (order,) = orders_for(world, ["sub-00000"])
    config = settings_for(fast, connector="command", command=f"{sys.executable} {script} {mode} {log}", max_attempts=2)
    report = service.deliver(world.engine, "root", config, wait=True)
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {c["key"] for c in calls} == {order.idempotency_key}
    assert {c["order"] for c in calls} == {c["env_order"] for c in calls} == {order.id}
    with session_scope(world.engine) as session:
        view = service.get_order(session, order.id)
    if mode == "apply":
        assert report.acknowledged == [order.id] and len(calls) == 1
        assert view.acknowledgement is not None and view.acknowledgement["ticket"] == "CHG-42"
        assert world.status_of("sub-00000") == "suspended"
    elif mode == "accept":
        assert report.sent == [order.id] and view.state == "sent"
        assert world.status_of("sub-00000") == "active"
    else:
        assert report.dead == [order.id] and len(calls) == 2
        assert "exited with status 3: control plane unreachable" in (view.last_error or "")
        assert world.status_of("sub-00000") == "active"

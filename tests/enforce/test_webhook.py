"""The signed webhook against the reference receiver, really listening on 127.0.0.1.

Nothing is mocked: vigie's webhook connector POSTs over TCP to `vigie.enforce.receiver`, which
checks the signature and applies each idempotency key once. Retries use millisecond backoff, and
the tests wait for events (an attempt recorded, a thread finished), never for a fixed time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.enforce.conftest import SECRET, World, settings_for
from vigie.audit.verify import verify
from vigie.enforce import service
from vigie.enforce.connectors import Message
from vigie.enforce.connectors.webhook import WebhookConnector
from vigie.enforce.orders import message_body
from vigie.enforce.receiver import Receiver
from vigie.enforce.signing import sign
from vigie.enforce.tables import DeliveryAttempt, Order
from vigie.settings import EnforceSettings
from vigie.store.engine import session_scope

GUARD = 120.0  # seconds: only a guard against a hung test, never the thing under test


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def orders_for(world: World, subs: list[str]) -> list[str]:
    decision = world.decide("suspend", subs)
    with session_scope(world.engine) as session:
        return [o.id for o in service.orders_for_decision(session, "abe", decision)]


def attempts(world: World, order_id: str) -> list[tuple[int, str, str | None]]:
    with session_scope(world.engine) as session:
        rows = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.order_id == order_id).order_by(DeliveryAttempt.number)
        )
        return [(a.number, a.outcome, a.error) for a in rows]


def order(world: World, order_id: str) -> service.OrderView:
    with session_scope(world.engine) as session:
        return service.get_order(session, order_id)


def test_receiver_down_then_retries_then_success(world: World, fast: EnforceSettings, held_port: socket.socket) -> None:
    (order_id,) = orders_for(world, ["sub-00000"])
    port = held_port.getsockname()[1]
    config = settings_for(fast, webhook_url=f"http://127.0.0.1:{port}/orders", max_attempts=10_000)
    reports: list[service.DeliveryReport] = []
    deliverer = threading.Thread(
        target=lambda: reports.append(service.deliver(world.engine, "root", config, wait=True))
    )
    deliverer.start()
    try:
        wait_until(lambda: len(attempts(world, order_id)) >= 3, "three refused attempts")
        assert world.status_of("sub-00000") == "active"
        receiver = Receiver(SECRET, sock=held_port).start()  # the receiver comes up on the same port
    finally:
        deliverer.join(GUARD)
    try:
        assert not deliverer.is_alive()
        log = attempts(world, order_id)
        assert [outcome for _n, outcome, _e in log[:-1]] == ["failed"] * (len(log) - 1)
        assert all("cannot reach" in (error or "") for _n, _o, error in log[:-1])
        assert log[-1][1] == "acknowledged"
        assert [n for n, _o, _e in log] == list(range(1, len(log) + 1))
        assert reports[0].acknowledged == [order_id]
        view = order(world, order_id)
        assert view.state == "acknowledged" and view.acknowledgement is not None
        assert view.acknowledgement["applied"] is True and view.acknowledgement["via"] == "webhook"
        assert [o["order_id"] for o in receiver.applied] == [order_id]
        assert world.status_of("sub-00000") == "suspended"
        with session_scope(world.engine) as session:
            assert verify(session).ok
    finally:
        receiver.stop()


def test_the_same_order_delivered_twice_is_applied_once(world: World, fast: EnforceSettings) -> None:
    order_ids = orders_for(world, ["sub-00000", "sub-00003"])
    with Receiver(SECRET) as receiver:
        config = settings_for(fast, webhook_url=receiver.url)
        report = service.deliver(world.engine, "root", config)
        assert sorted(report.acknowledged) == sorted(order_ids)

        # The very same bytes again, as after a lost answer: the receiver recognises the key.
        with session_scope(world.engine) as session:
            row = session.get(Order, order_ids[0])
            assert row is not None
            message = Message(row.id, row.idempotency_key, message_body(row.payload, row.idempotency_key))
        answer = WebhookConnector(receiver.url, SECRET, 30).deliver(message)
        assert answer.outcome == "acknowledged"
        assert answer.answer is not None and answer.answer["duplicate"] is True
        assert receiver.deliveries[message.idempotency_key] == 2
        assert [o["order_id"] for o in receiver.applied].count(order_ids[0]) == 1

        # Delivering again through vigie finds nothing due; acknowledging again changes nothing.
        assert service.deliver(world.engine, "root", config).attempts == 0
        with session_scope(world.engine) as session:
            again = service.acknowledge(session, "root", order_ids[0], answer=answer.answer)
        assert not again.applied_now
    assert world.status_changes("sub-00000") == [("active", "suspended")]
    assert world.status_changes("sub-00003") == [("active", "suspended")]


def test_two_deliverers_at_once_apply_each_order_once(world: World, fast: EnforceSettings) -> None:
    subs = [f"sub-{i:05d}" for i in (0, 3)]
    order_ids = orders_for(world, subs)
    with Receiver(SECRET) as receiver:
        config = settings_for(fast, webhook_url=receiver.url)
        threads = [threading.Thread(target=service.deliver, args=(world.engine, "root", config)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(GUARD)
        assert sorted(o["order_id"] for o in receiver.applied) == sorted(order_ids)
    for sub in subs:
        assert world.status_changes(sub) == [("active", "suspended")]
    with session_scope(world.engine) as session:
        assert verify(session).ok


def test_a_bad_signature_is_refused_by_the_receiver(world: World, fast: EnforceSettings) -> None:
    (order_id,) = orders_for(world, ["sub-00000"])
    with Receiver(SECRET) as receiver:
        config = settings_for(fast, webhook_url=receiver.url, webhook_secret="not-the-shared-secret")
        report = service.deliver(world.engine, "root", config)
        assert receiver.refused == ["bad signature"] and receiver.applied == []
        # Retrying with the wrong secret cannot help: straight to the dead letters.
        assert report.dead == [order_id]
        view = order(world, order_id)
        assert view.state == "dead" and "HTTP 401" in (view.last_error or "")
        assert world.status_of("sub-00000") == "active"

        # A tampered body with a signature made for another one, and a stale timestamp, are refused too.
        body = b'{"order_id":"ord-x","idempotency_key":"k"}'
        headers = {"Idempotency-Key": "k", **sign(SECRET, b'{"order_id":"ord-y","idempotency_key":"k"}', time.time())}
        assert post(receiver.url, body, headers)[0] == 401
        stale = {"Idempotency-Key": "k", **sign(SECRET, body, time.time() - 3600)}
        status, answer = post(receiver.url, body, stale)
        assert status == 401 and "more than" in answer["error"]
        assert receiver.applied == []

        # With the secret fixed, the dead letter goes back in the queue and is applied.
        with session_scope(world.engine) as session:
            service.retry(session, "root", order_id)
        report = service.deliver(world.engine, "root", settings_for(fast, webhook_url=receiver.url))
        assert report.acknowledged == [order_id]
    assert world.status_of("sub-00000") == "suspended"


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_dead_letters_after_the_last_attempt_are_listed(
    world: World, fast: EnforceSettings, held_port: socket.socket
) -> None:
    (order_id,) = orders_for(world, ["sub-00000"])
    port = held_port.getsockname()[1]
    config = settings_for(fast, webhook_url=f"http://127.0.0.1:{port}/orders", max_attempts=3)
    report = service.deliver(world.engine, "root", config, wait=True)
    assert report.dead == [order_id] and len(report.retrying) == 2
    assert [outcome for _n, outcome, _e in attempts(world, order_id)] == ["failed"] * 3
    with session_scope(world.engine) as session:
        status = service.status(session)
    assert [o.id for o in status.dead] == [order_id] and status.attention
    assert world.status_of("sub-00000") == "active"


def test_a_control_plane_failure_is_retried(world: World, fast: EnforceSettings) -> None:
    (order_id,) = orders_for(world, ["sub-00000"])
    calls: list[str] = []

    def flaky_control_plane(order: dict[str, Any]) -> dict[str, Any]:
        calls.append(order["order_id"])
        if len(calls) == 1:
            raise RuntimeError("control plane busy")
        return {"ticket": "CP-1"}

    with Receiver(SECRET, flaky_control_plane) as receiver:
        report = service.deliver(world.engine, "root", settings_for(fast, webhook_url=receiver.url), wait=True)
        assert report.acknowledged == [order_id] and report.retrying == [order_id]
        assert len(receiver.applied) == 1
    log = attempts(world, order_id)
    assert [o for _n, o, _e in log] == ["failed", "acknowledged"] and "HTTP 500" in (log[0][2] or "")
    view = order(world, order_id)
    assert view.acknowledgement is not None and view.acknowledgement["ticket"] == "CP-1"

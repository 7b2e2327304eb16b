"""A deliverer killed between "order sent" and "acknowledged": the order is neither lost nor applied twice.

`vigie enforce deliver` runs in its own process against the reference receiver, listening in this
process. The receiver applies the order and then holds its answer until the test has killed the
deliverer with SIGKILL, so the kill lands exactly after the control plane applied the order and
before vigie heard about it. After a restart the order is delivered again with the same
idempotency key; the receiver answers "already applied", and vigie records the acknowledgement.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

from sqlalchemy import select

from tests.enforce.conftest import SECRET, World
from vigie.audit.verify import verify
from vigie.enforce import service
from vigie.enforce.receiver import Receiver
from vigie.enforce.tables import DeliveryAttempt
from vigie.store.engine import session_scope

GUARD = 120.0  # seconds: a guard against a hung test only


def deliverer(world: World, url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "VIGIE_DATABASE_URL": world.database_url,
        "VIGIE_TOKEN": world.tokens["root"],
        "VIGIE_ENFORCE_CONNECTOR": "webhook",
        "VIGIE_ENFORCE_WEBHOOK_URL": url,
        "VIGIE_ENFORCE_WEBHOOK_SECRET": SECRET,
        "VIGIE_ENFORCE_TIMEOUT": str(GUARD),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "vigie.cli", "enforce", "deliver", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_between_sent_and_acknowledged(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000"])
    with session_scope(world.engine) as session:
        (order,) = service.orders_for_decision(session, "abe", decision)

    applied = threading.Event()
    release = threading.Event()
    first_call = [True]

    def control_plane(payload: dict[str, Any]) -> dict[str, Any]:
        """Applies the order, then (the first time only) holds the answer until the deliverer is dead."""
        if first_call[0]:
            first_call[0] = False
            applied.set()
            release.wait(GUARD)
        return {}

    with Receiver(SECRET, control_plane) as receiver:
        proc = deliverer(world, receiver.url)
        try:
            assert applied.wait(GUARD), "the deliverer never reached the receiver"
            # "Sent": the control plane has the order; vigie is waiting for the answer.
            proc.send_signal(signal.SIGKILL)
            proc.wait(GUARD)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL

        # Not lost: still pending, its attempt started and never finished; not applied to the register.
        view = service_view(world, order.id)
        assert view.state == "pending" and view.acknowledged_at is None
        assert [(a.number, a.outcome) for a in view.attempt_log] == [(1, "started")]
        assert world.status_of("sub-00000") == "active"

        # Restart: delivered again, with the same key; the receiver does not apply it again.
        proc = deliverer(world, receiver.url)
        out, err = proc.communicate(timeout=GUARD)
        assert proc.returncode == 0, err
        assert f'"{order.id}"' in out

        assert receiver.deliveries[order.idempotency_key] == 2
        assert [o["order_id"] for o in receiver.applied] == [order.id], "applied exactly once at the receiver"

    view = service_view(world, order.id)
    assert view.state == "acknowledged"
    assert view.acknowledgement is not None and view.acknowledgement["duplicate"] is True
    assert [(a.number, a.outcome) for a in view.attempt_log] == [(1, "interrupted"), (2, "acknowledged")]
    assert world.status_of("sub-00000") == "suspended"
    assert world.status_changes("sub-00000") == [("active", "suspended")], "applied exactly once in the register"
    with session_scope(world.engine) as session:
        assert verify(session).ok
        stray = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outcome == "started")).all()
        assert stray == []


def service_view(world: World, order_id: str) -> service.OrderView:
    with session_scope(world.engine) as session:
        return service.get_order(session, order_id)

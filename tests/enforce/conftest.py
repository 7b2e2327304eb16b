"""A small book of business with users and approved decisions, a shared secret, and fast retries.

Decisions are made the way the cases stage makes them (proposed by an investigator, approved by a
second person), so enforcement is tested on the records it will really receive. Every test here
runs on SQLite and PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.helpers import small_register
from vigie.access import Actor
from vigie.access.service import actor_of, add_user, get_user, issue_token
from vigie.audit.tables import AuditEntry
from vigie.cases import decisions
from vigie.enforce.tables import DeliveryAttempt, Order
from vigie.register.service import import_files
from vigie.register.tables import Subscription
from vigie.settings import EnforceSettings
from vigie.store.engine import session_scope

SECRET = "test-secret-0123456789abcdef"  # fixture value, not a real credential


@dataclass
class World:
    engine: Engine
    database_url: str
    tokens: dict[str, str]  # user name -> API token
    actors: dict[str, Actor]

    def decide(self, action: str, subscriptions: list[str], *, approve: bool = True) -> str:
        """A decision proposed by the investigator and (by default) approved by the approver."""
        extra: dict[str, object] = {}
        if action == "terminate":
            extra["exit_plan"] = {"impact": "none (test)", "notice": "30 days", "kept": "records"}
        if action in ("restrict", "continue-with-conditions"):
            extra["conditions"] = "no AI features (test)"
        with session_scope(self.engine) as session:
            view = decisions.propose(
                session, self.actors["ivy"], action=action, rationale="test decision",
                review_date=date.today() + timedelta(days=90), subscription_ids=subscriptions, **extra,  # type: ignore[arg-type]
            )  # fmt: skip
            if approve:
                decisions.approve(session, self.actors["abe"], view.id)
        return view.id

    def status_of(self, subscription_id: str) -> str:
        with session_scope(self.engine) as session:
            sub = session.get(Subscription, subscription_id)
            assert sub is not None
            return sub.status

    def counts(self) -> tuple[int, int, int]:
        """(orders, attempts, audit entries): what "nothing was written" is checked against."""
        with session_scope(self.engine) as session:
            return (
                int(session.scalar(select(func.count()).select_from(Order)) or 0),
                int(session.scalar(select(func.count()).select_from(DeliveryAttempt)) or 0),
                int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            )

    def status_changes(self, subscription_id: str) -> list[tuple[str, str]]:
        """Every audited change of a subscription's status, as (before, after)."""
        import json

        with session_scope(self.engine) as session:
            entries = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "subscription", AuditEntry.entity_id == subscription_id)
                .order_by(AuditEntry.seq)
            )
            changes = []
            for e in entries:
                if e.before is None or e.after is None:
                    continue
                before, after = json.loads(e.before), json.loads(e.after)
                if before["status"] != after["status"]:
                    changes.append((before["status"], after["status"]))
            return changes


@pytest.fixture
def world(engine: Engine, database_url: str, tmp_path: Path) -> World:
    folder = tmp_path / "register"
    folder.mkdir()
    import_files(engine, small_register(folder, subscriptions=6), "loader")
    tokens: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    with session_scope(engine) as session:
        add_user(session, None, "root", ["admin"])
        root = actor_of(get_user(session, "root"))
        for name, roles in (("ivy", ["investigator"]), ("abe", ["approver"]), ("ann", ["analyst"])):
            add_user(session, root, name, roles)
        for name in ("root", "ivy", "abe", "ann"):
            actors[name] = actor_of(get_user(session, name))
            tokens[name] = issue_token(session, root, name).token
    return World(engine, database_url, tokens, actors)


@pytest.fixture
def fast() -> EnforceSettings:
    """Retries in milliseconds, so tests wait for events, never for the clock."""
    return EnforceSettings(
        connector="webhook", webhook_secret=SECRET, max_attempts=5, backoff_base=0.01, backoff_max=0.05, timeout=30
    )


def settings_for(base: EnforceSettings, **changes: object) -> EnforceSettings:
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def held_port() -> Iterator[socket.socket]:
    """A bound but not listening socket: connections to its port are refused until a receiver takes it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()

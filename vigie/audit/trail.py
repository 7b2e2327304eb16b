"""Appending to the audit log inside the caller's transaction.

Every service function that writes calls `record` (or `AuditTrail.record_many` for bulk work) on
the same session, so the change and its audit entry commit or roll back together. Writers take a
lock on the single head row, which keeps the hash chain linear when several processes write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigie.audit.chain import GENESIS, canonical_json, entry_hash
from vigie.audit.tables import AuditEntry, AuditHead
from vigie.store.bulk import insert_rows

_INFO_KEY = "vigie.audit.head"
LOG_TABLE = cast(Table, AuditEntry.__table__)
LOG_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "context",
    "prev_hash",
    "hash",
)


@dataclass
class Change:
    """One audited change, before it is chained."""

    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _insert_head_if_absent(session: Session) -> Any:
    values = {"id": 1, "seq": 0, "hash": GENESIS}
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"])
    return sqlite.insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"])


class AuditTrail:
    """Chains changes onto the log for one session and one acting user."""

    def __init__(self, session: Session, actor: str, context: str | None = None) -> None:
        self.session = session
        self.actor = actor
        self.context = context

    def _head(self) -> tuple[int, str]:
        """The chain's head for this transaction, locked on first use."""
        transaction = self.session.get_transaction()
        cached = self.session.info.get(_INFO_KEY)
        if cached is not None and cached[0] is transaction:
            return cached[1], cached[2]
        locked = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
        row = self.session.execute(locked).first()
        if row is None:
            # The first write ever: two writers may both find no head. Inserting it only if absent makes
            # the second one wait for the first to commit and then lock the row the first one made.
            self.session.execute(_insert_head_if_absent(self.session))
            row = self.session.execute(locked).first()
        assert row is not None
        seq, last = int(row.seq), str(row.hash)
        self.session.info[_INFO_KEY] = (self.session.get_transaction(), seq, last)
        return seq, last

    def chain(self, changes: list[Change]) -> list[tuple[Any, ...]]:
        """The log rows for these changes, chained onto the head; the caller inserts them, then `save_head`."""
        seq, last = self._head()
        at = now_iso()
        rows: list[tuple[Any, ...]] = []
        actor, context = self.actor, self.context
        for change in changes:
            seq += 1
            before = canonical_json(change.before)
            after = canonical_json(change.after)
            action, entity_type, entity_id = change.action, change.entity_type, change.entity_id
            digest = entry_hash(seq, at, actor, action, entity_type, entity_id, before, after, context, last)
            rows.append((seq, at, actor, action, entity_type, entity_id, before, after, context, last, digest))
            last = digest
        self.session.info[_INFO_KEY] = (self.session.get_transaction(), seq, last)
        return rows

    def lock(self) -> None:
        """Take the chain's lock now, before reading what a decision to write depends on (e.g. whether
        any user exists yet), so that two writers cannot both decide on the same stale read."""
        self._head()

    def save_head(self) -> int:
        seq, last = self._head()
        self.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=last))
        return seq

    def record_many(self, changes: list[Change]) -> int:
        """Append many entries with one round trip; returns the last sequence number."""
        if not changes:
            return self._head()[0]
        rows = self.chain(changes)
        insert_rows(self.session.connection(), LOG_TABLE, LOG_COLUMNS, rows)
        return self.save_head()

    def record(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> int:
        return self.record_many([Change(action, entity_type, entity_id, before, after)])


def record(
    session: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    context: str | None = None,
) -> int:
    """Append one entry in the session's transaction; the shortcut most service functions use."""
    return AuditTrail(session, actor, context).record(action, entity_type, entity_id, before, after)

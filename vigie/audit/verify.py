"""Checking the chain: recompute every hash and name each entry that was edited or removed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.audit.chain import GENESIS, entry_hash
from vigie.audit.tables import AuditEntry, AuditHead


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str  # "edited", "missing", "head"
    message: str


@dataclass(frozen=True)
class Verification:
    entries: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(entry: AuditEntry) -> str:
    return f"{entry.action} {entry.entity_type} {entry.entity_id} by {entry.actor} at {entry.at}"


def _stream(session: Session, chunk: int = 20_000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(
            session.scalars(select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(chunk))
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq
        session.expunge_all()


def verify(session: Session) -> Verification:
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    for entry in _stream(session):
        count += 1
        if entry.seq != expected_seq:
            gap = (
                f"entry {expected_seq}" if entry.seq == expected_seq + 1 else f"entries {expected_seq}–{entry.seq - 1}"
            )
            problems.append(
                Problem(expected_seq, "missing", f"{gap} deleted: the log jumps from {expected_seq - 1} to {entry.seq}")
            )
        elif entry.prev_hash != prev_hash and expected_seq > 1:
            problems.append(
                Problem(
                    entry.seq - 1,
                    "edited",
                    f"entry {entry.seq - 1} was altered: entry {entry.seq} was chained to a different hash",
                )
            )
        recomputed = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.before,
            entry.after,
            entry.context,
            entry.prev_hash,
        )
        if recomputed != entry.hash:
            problems.append(
                Problem(
                    entry.seq,
                    "edited",
                    f"entry {entry.seq} ({_describe(entry)}) was edited: its content no longer matches its hash",
                )
            )
        prev_hash = entry.hash
        expected_seq = entry.seq + 1

    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or (last_seq and head.hash != prev_hash)):
        if head.seq > last_seq:
            problems.append(
                Problem(last_seq + 1, "missing", f"entries {last_seq + 1}–{head.seq} deleted from the end of the log")
            )
        else:
            problems.append(
                Problem(head.seq, "head", f"the chain head ({head.seq}) does not match the last entry ({last_seq})")
            )
    return Verification(entries=count, problems=_dedupe(problems))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, str]] = set()
    out: list[Problem] = []
    for problem in problems:
        key = (problem.seq, problem.kind)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def history(session: Session, entity_id: str, entity_type: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.entity_id == entity_id)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    return list(session.scalars(query.order_by(AuditEntry.seq)))

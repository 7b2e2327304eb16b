"""The cases stage's tables: investigations, their evidence and custody, findings, requests, decisions.

Columns ending in `_sealed` hold AES-GCM ciphertext (vigie.access.crypto): interview records and
any personal data. Everything else is what a regulator reading the decision record may see.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)  # open, closed
    origin: Mapped[str] = mapped_column(String(20))  # allegation, assessment, manual
    origin_ref: Mapped[str | None] = mapped_column(String(400))
    org_id: Mapped[str | None] = mapped_column(String(200), index=True)
    subscription_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[str] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[str | None] = mapped_column(String(32))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closing_note: Mapped[str | None] = mapped_column(Text)


class CaseMember(Base):
    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_members_case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # lead, member
    added_at: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[str | None] = mapped_column(String(32))
    removed_by: Mapped[str | None] = mapped_column(String(200))


class EvidenceItem(Base):
    __tablename__ = "evidence_items"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # document, file, interview
    document_id: Mapped[str | None] = mapped_column(String(40))  # an evidence-stage document
    sha256: Mapped[str] = mapped_column(String(64))  # of the content as added
    size: Mapped[int] = mapped_column(Integer)
    label_sealed: Mapped[str | None] = mapped_column(Text)  # description, original file name
    added_at: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(200))


class CustodyEvent(Base):
    __tablename__ = "custody_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))  # added, viewed, exported
    sha256: Mapped[str] = mapped_column(String(64))  # the content's hash at that moment
    note: Mapped[str | None] = mapped_column(Text)


class Interview(Base):
    __tablename__ = "interviews"

    item_id: Mapped[str] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True)
    conducted_on: Mapped[date] = mapped_column(Date)
    conducted_by: Mapped[str] = mapped_column(String(200))
    record_sealed: Mapped[str] = mapped_column(Text)  # interviewee, affiliation, consent, text


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    allegation: Mapped[str] = mapped_column(String(400))
    conclusion: Mapped[str] = mapped_column(String(30))
    rationale: Mapped[str] = mapped_column(Text)
    evidence_item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    supersedes: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(200))


class UseRequest(Base):
    __tablename__ = "use_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # sensitive-use, emergency
    org_id: Mapped[str] = mapped_column(String(200), index=True)
    requester_sealed: Mapped[str | None] = mapped_column(Text)  # the person who asked
    service_id: Mapped[str | None] = mapped_column(String(200))
    subscription_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20))  # routine, urgent, emergency
    status: Mapped[str] = mapped_column(String(30), index=True)  # received, triaged, approved, ...
    received_at: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    triaged_at: Mapped[str | None] = mapped_column(String(32))
    triaged_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(30))
    conditions: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(200))


class Decision(Base):
    """What the provider decided about a relationship; the enforcement stage's orders refer to it."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    org_id: Mapped[str] = mapped_column(String(200), index=True)
    subscription_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)  # proposed, approved, refused, withdrawn
    rationale: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    exit_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_date: Mapped[date] = mapped_column(Date, index=True)
    proposed_at: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[str | None] = mapped_column(String(32))


class DecisionApproval(Base):
    """Every approval or refusal given on a decision, by whom, with their note."""

    __tablename__ = "decision_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    user_name: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(20))  # approve, refuse, withdraw
    at: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

"""The names stage's tables: screening runs and their matches, reviewers' judgements, gazetteer links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class ScreenRun(Base):
    __tablename__ = "screen_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    lists: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, file, sha256, entries
    threshold: Mapped[float] = mapped_column(Float)
    engine: Mapped[str] = mapped_column(String(40))
    subjects: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)
    pairs: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)


class ScreenMatch(Base):
    """One match a run found: a register organisation (or an unlinked mention) and a list entry."""

    __tablename__ = "screen_matches"
    __table_args__ = (Index("ix_screen_matches_pair", "subject_id", "list_name", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screen_runs.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # organisation, mention
    subject_id: Mapped[str] = mapped_column(String(300))
    subject_name: Mapped[str] = mapped_column(Text)
    list_name: Mapped[str] = mapped_column(String(300))  # the list's file name, or "register" for mentions
    candidate_id: Mapped[str] = mapped_column(String(300))
    candidate_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    judgement: Mapped[str | None] = mapped_column(String(20))  # as judged when the run stored it


class ScreenJudgement(Base):
    """A reviewer's word on a pair; it outlives runs, and later runs apply it."""

    __tablename__ = "screen_judgements"
    __table_args__ = (UniqueConstraint("subject_id", "list_name", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(300))
    list_name: Mapped[str] = mapped_column(String(300))
    candidate_id: Mapped[str] = mapped_column(String(300))
    judgement: Mapped[str] = mapped_column(String(20))  # confirmed, rejected
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class OrganisationBody(Base):
    """A register organisation linked to the public body of the gazetteer it is."""

    __tablename__ = "organisation_bodies"

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(Text)  # the register's name that the gazetteer knows
    linked_at: Mapped[str] = mapped_column(String(32))

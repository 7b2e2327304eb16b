"""Assessments are kept, one version per change, so the team can see what changed and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class AssessmentRecord(Base):
    __tablename__ = "assessments"
    # `current` comes after the subscription and the organisation, so that "the current assessment
    # of these subscriptions" reads only those rows (migration 0004_risk_indexes). The ranking indexes
    # (after the class) hold the list's whole order, priority down then subscription id, for all current
    # assessments and within a band, a heightened flag or both (the list's filters): a page is read off
    # an index, never sorted out of a million rows (migration 0008_risk_ranking).
    __table_args__ = (
        Index("ix_assessments_subscription_current", "subscription_id", "current"),
        Index("ix_assessments_org_current_priority", "org_id", "current", "priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[str] = mapped_column(String(200))
    severity: Mapped[float] = mapped_column(Float)
    likelihood: Mapped[float] = mapped_column(Float)
    involvement: Mapped[str] = mapped_column(String(20))
    heightened: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    worst_harm: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


Index(
    "ix_assessments_current_rank",
    AssessmentRecord.current,
    AssessmentRecord.priority.desc(),
    AssessmentRecord.subscription_id,
)
Index(
    "ix_assessments_current_band_rank",
    AssessmentRecord.current,
    AssessmentRecord.band,
    AssessmentRecord.priority.desc(),
    AssessmentRecord.subscription_id,
)
Index(
    "ix_assessments_current_band_heightened_rank",
    AssessmentRecord.current,
    AssessmentRecord.band,
    AssessmentRecord.heightened,
    AssessmentRecord.priority.desc(),
    AssessmentRecord.subscription_id,
)
Index(
    "ix_assessments_current_heightened_rank",
    AssessmentRecord.current,
    AssessmentRecord.heightened,
    AssessmentRecord.priority.desc(),
    AssessmentRecord.subscription_id,
)


class AssessmentTally(Base):
    """How many current assessments there are per band and heightened flag.

    Counting a million current assessments takes 100 ms of PostgreSQL's time, and the risk list
    tells every page the length of the whole list. `store_assessments`, the one writer of
    assessments, keeps these counts in the transaction that changes them, so they are exact
    whenever the assessments are (migration 0008_risk_ranking).
    """

    __tablename__ = "assessment_tallies"

    band: Mapped[str] = mapped_column(String(20), primary_key=True)
    heightened: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class RiskReview(Base):
    """A reviewer's mark: "we have looked at the assessments as they stand now"."""

    __tablename__ = "risk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    last_assessment_id: Mapped[int] = mapped_column(Integer)

"""Assessments are kept, one version per change, so the team can see what changed and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class AssessmentRecord(Base):
    __tablename__ = "assessments"
    # `current` comes after the subscription and the organisation, so that "the current assessment
    # of these subscriptions" reads only those rows (migration 0004_risk_indexes).
    __table_args__ = (
        Index("ix_assessments_current_priority", "current", "priority"),
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


class RiskReview(Base):
    """A reviewer's mark: "we have looked at the assessments as they stand now"."""

    __tablename__ = "risk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    last_assessment_id: Mapped[int] = mapped_column(Integer)

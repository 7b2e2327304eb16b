"""Enforcement orders and their delivery attempts.

An order is kept forever, with every attempt to deliver it, so that "did we act on it in time?" has
an answer a regulator can check: when it was issued, by whom, from which decision, each attempt
and its error, and when (and how) the control plane acknowledged it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class Order(Base):
    __tablename__ = "enforcement_orders"
    __table_args__ = (
        # One order per subscription per decision: issuing a decision's orders twice finds the first ones.
        UniqueConstraint("decision_id", "subscription_id"),
        Index("ix_enforcement_orders_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # suspend, disable, terminate, restore
    target_status: Mapped[str] = mapped_column(String(20))  # the subscription's status once acknowledged
    decision_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("decisions.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[str] = mapped_column(String(32))
    due_by: Mapped[str] = mapped_column(String(32))  # acknowledgement expected by then
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # exactly what every delivery sends
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20))  # pending, sent, acknowledged, dead, cancelled
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[str | None] = mapped_column(String(32))
    connector: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[str | None] = mapped_column(String(32))
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledgement: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the control plane's answer
    closed_reason: Mapped[str | None] = mapped_column(Text)  # why an order was cancelled


class DeliveryAttempt(Base):
    __tablename__ = "enforcement_attempts"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("enforcement_orders.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    connector: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text)  # the URL, folder or command, for the record
    started_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32))
    # started (in flight, or the process died), interrupted, acknowledged, sent, failed
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)  # the start of what the connector answered

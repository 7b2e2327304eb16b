"""The register's tables: the provider's book of business and the context of the territories it touches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class Alias(Base):
    __tablename__ = "aliases"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str | None] = mapped_column(String(8))
    script: Mapped[str | None] = mapped_column(String(4))
    source: Mapped[str | None] = mapped_column(Text)


class Service(Base):
    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    provider: Mapped[str] = mapped_column(String(200))
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"), index=True)
    end_user_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    datacentre_country: Mapped[str | None] = mapped_column(String(2))
    use_territories: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    declared_end_use: Mapped[str | None] = mapped_column(Text)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str | None] = mapped_column(Text)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class Territory(Base):
    __tablename__ = "territories"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str | None] = mapped_column(Text)


class TerritoryFlag(Base):
    __tablename__ = "territory_flags"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    flag: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

"""The evidence stage's tables: documents with provenance, their mentions and claims, corrections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigie.store.base import Base


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "doc-" + the first 32 hex of the hash
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    published: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str | None] = mapped_column(String(8))
    media_type: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    ingested_at: Mapped[str] = mapped_column(String(32))
    ingested_by: Mapped[str] = mapped_column(String(200))
    extractor: Mapped[str] = mapped_column(String(40))  # fingerprint of the rules that made the claims
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)


class MentionRecord(Base):
    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_kind_entity", "kind", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20))
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)


class ClaimRecord(Base):
    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # document id : start : end : stance
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    stance: Mapped[str] = mapped_column(String(20))
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    actors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    services: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    harms: Mapped[list[str]] = mapped_column(JSON, default=list)
    places: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    date: Mapped[str | None] = mapped_column(String(10))
    attributed_to: Mapped[str | None] = mapped_column(Text)
    cues: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    origin: Mapped[str] = mapped_column(String(20))  # extracted, reviewer
    rejected: Mapped[bool] = mapped_column(Boolean, default=False)


class ClaimLink(Base):
    """What a claim is about, one row per organisation, service or territory, for lookups."""

    __tablename__ = "claim_links"
    __table_args__ = (Index("ix_claim_links_kind_entity", "kind", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # organisation, service, territory
    entity_id: Mapped[str] = mapped_column(String(200))


class Correction(Base):
    """A reviewer's correction, keyed by the document's content so it survives re-extraction."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_sha256: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(20))  # link-mention, reject-claim, add-claim
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

"""What an assessment looks at, as plain data: the relationship and the claims about it.

The risk stage reads these from the register and the evidence stage (see `gather.py`), but the
assessment itself is a pure function of them, which makes it deterministic and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    flags: tuple[tuple[str, str, str], ...] = ()  # (flag, source, as_of)


@dataclass(frozen=True)
class Relationship:
    """One subscription seen as a relationship: customer (with its hierarchy) × service × territories."""

    subscription_id: str
    org_id: str
    org_name: str
    org_kind: str
    lineage: tuple[str, ...]  # the organisation's ancestors, nearest first
    units: tuple[str, ...]  # the organisation's descendants
    service_id: str
    service_name: str
    capabilities: tuple[str, ...]
    status: str
    declared_territories: tuple[Territory, ...] = ()


@dataclass(frozen=True)
class Claim:
    """One extracted statement from one document, as the risk stage needs it."""

    claim_id: str
    document_id: str
    document_title: str
    publisher: str
    source_kind: str  # un-body, court, ngo, media, company-statement, internal, other
    published: date | None
    quote: str
    start: int
    end: int
    stance: str  # alleges, denies, confirms, acts, demands, finds
    harms: tuple[str, ...] = ()
    org_ids: tuple[str, ...] = ()
    service_ids: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    territories: tuple[Territory, ...] = ()
    attributed_to: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

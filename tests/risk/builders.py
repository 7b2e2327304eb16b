"""Relationships and claims for risk tests, written by hand."""

from __future__ import annotations

from datetime import date
from itertools import count

from vigie.risk.inputs import Claim, Relationship, Territory

GAZA = Territory(
    "gaza-strip", "Gaza Strip", (("conflict-affected", "UN OCHA", "2025-10-10"), ("occupied", "ICJ", "2024-07-19"))
)
PARIS = Territory("FR", "France")
AS_OF = date(2025, 12, 1)
_ids = count(1)


def unit_storage(**overrides: object) -> Relationship:
    values: dict[str, object] = {
        "subscription_id": "sub-unit-storage",
        "org_id": "org-unit",
        "org_name": "Unit 99",
        "org_kind": "military-unit",
        "lineage": ("org-army", "org-ministry"),
        "units": (),
        "service_id": "svc-storage",
        "service_name": "Object Storage",
        "capabilities": ("storage",),
        "status": "active",
        "declared_territories": (),
    }
    values.update(overrides)
    return Relationship(**values)  # type: ignore[arg-type]


def claim(
    stance: str = "alleges",
    harms: tuple[str, ...] = ("privacy",),
    orgs: tuple[str, ...] = ("org-unit",),
    publisher: str = "Rights Watch (test)",
    kind: str = "ngo",
    published: date | None = date(2025, 10, 1),
    capabilities: tuple[str, ...] = ("storage",),
    services: tuple[str, ...] = (),
    territories: tuple[Territory, ...] = (GAZA,),
    attributed_to: str | None = None,
) -> Claim:
    n = next(_ids)
    return Claim(
        claim_id=f"c{n}",
        document_id=f"d{n}",
        document_title=f"Document {n}",
        publisher=publisher,
        source_kind=kind,
        published=published,
        quote=f"quote {n}",
        start=0,
        end=7,
        stance=stance,
        harms=harms,
        org_ids=orgs,
        service_ids=services,
        capabilities=capabilities,
        territories=territories,
        attributed_to=attributed_to,
    )

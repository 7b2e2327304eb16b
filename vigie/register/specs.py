"""The register's entity types, described once and used by import, export and display.

Like followthemoney's schemata, a spec is data: its columns, which of them are lists or maps,
which refer to another entity type, and how an id is derived when a file gives none.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table

from vigie.register import schema
from vigie.register.tables import (
    Alias,
    Organisation,
    Service,
    Subscription,
    Territory,
    TerritoryFlag,
)
from vigie.store.base import Base


def slug(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:limit].rstrip("-") or "x"


def short_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _org_id(row: Mapping[str, Any]) -> str:
    country = (row.get("country") or "xx").lower()
    return f"org-{country}-{slug(row['name'])}"


def _alias_id(row: Mapping[str, Any]) -> str:
    return f"{row['org_id']}~{short_hash(row['name'], row.get('lang') or '')}"


def _service_id(row: Mapping[str, Any]) -> str:
    return f"svc-{slug(row['provider'], 20)}-{slug(row['name'])}"


def _subscription_id(row: Mapping[str, Any]) -> str:
    return "sub-" + short_hash(
        row["customer_id"], row["service_id"], row.get("region") or "", row.get("start_date") or ""
    )


def _flag_id(row: Mapping[str, Any]) -> str:
    return f"{row['territory_id']}~{row['flag']}"


@dataclass(frozen=True)
class EntitySpec:
    name: str  # plural, the file and table name users see
    entity_type: str  # singular, as written in the audit log
    table: type[Base]
    model: type[BaseModel]
    columns: tuple[str, ...]
    derive_id: Callable[[Mapping[str, Any]], str] | None
    list_fields: frozenset[str] = frozenset()
    map_fields: frozenset[str] = frozenset()
    refs: Mapping[str, str] = field(default_factory=dict)  # column -> spec name
    label: str = "name"

    @property
    def sql(self) -> Table:
        return cast(Table, self.table.__table__)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(n for n, f in self.model.model_fields.items() if f.is_required())


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec(
            "territories",
            "territory",
            Territory,
            schema.TerritoryRow,
            ("id", "name", "kind", "country", "source"),
            None,
        ),
        EntitySpec(
            "territory_flags",
            "territory_flag",
            TerritoryFlag,
            schema.TerritoryFlagRow,
            ("id", "territory_id", "flag", "active", "source", "as_of", "note"),
            _flag_id,
            refs={"territory_id": "territories"},
            label="flag",
        ),
        EntitySpec(
            "organisations",
            "organisation",
            Organisation,
            schema.OrganisationRow,
            ("id", "name", "kind", "country", "parent_id", "identifiers", "description", "source", "fictional"),
            _org_id,
            map_fields=frozenset({"identifiers"}),
            refs={"parent_id": "organisations"},
        ),
        EntitySpec(
            "aliases",
            "alias",
            Alias,
            schema.AliasRow,
            ("id", "org_id", "name", "lang", "script", "source"),
            _alias_id,
            refs={"org_id": "organisations"},
        ),
        EntitySpec(
            "services",
            "service",
            Service,
            schema.ServiceRow,
            ("id", "name", "provider", "capabilities", "description", "source", "fictional"),
            _service_id,
            list_fields=frozenset({"capabilities"}),
        ),
        EntitySpec(
            "subscriptions",
            "subscription",
            Subscription,
            schema.SubscriptionRow,
            (
                "id",
                "customer_id",
                "service_id",
                "end_user_id",
                "region",
                "datacentre_country",
                "use_territories",
                "start_date",
                "end_date",
                "status",
                "declared_end_use",
                "value",
                "currency",
                "source",
                "fictional",
            ),
            _subscription_id,
            list_fields=frozenset({"use_territories"}),
            refs={
                "customer_id": "organisations",
                "service_id": "services",
                "end_user_id": "organisations",
                "use_territories": "territories",
            },
            label="id",
        ),
    )
}

# The order in which entity types are written, so that every reference already exists.
ORDER = tuple(SPECS)


def spec_for_file_stem(stem: str) -> EntitySpec | None:
    """`subscriptions.csv`, `subscriptions-2025.csv` and `Subscriptions_eu.csv` all hold subscriptions."""
    lowered = stem.lower()
    for name in sorted(SPECS, key=len, reverse=True):
        if lowered == name or lowered.startswith((name + "-", name + "_", name + ".")):
            return SPECS[name]
    return None

"""The register's entity types, described once and used by import, export and display.

Like followthemoney's schemata, a spec is data: its fields and how each is parsed, which fields
refer to another entity type, how an id is derived when a file gives none, and the checks that
look at a whole row.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table

from vigie.register import fields as f
from vigie.register.fields import Field
from vigie.register.tables import Alias, Organisation, Service, Subscription, Territory, TerritoryFlag
from vigie.store.base import Base

RowCheck = Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]]


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
    parts = (row["customer_id"], row["service_id"], row.get("region") or "", row.get("start_date") or "")
    return "sub-" + short_hash(*parts)


def _flag_id(row: Mapping[str, Any]) -> str:
    return f"{row['territory_id']}~{row['flag']}"


def _not_own_parent(row: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    if row.get("parent_id") is not None and row.get("parent_id") == row.get("id"):
        yield "parent_id", "an organisation cannot be its own parent"


def _dates_in_order(row: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    start, end = row.get("start_date"), row.get("end_date")
    if start and end and end < start:  # ISO dates sort as text
        yield "end_date", f"ends ({end}) before it starts ({start})"


@dataclass(frozen=True)
class EntitySpec:
    name: str  # plural, the file and table name users see
    entity_type: str  # singular, as written in the audit log
    table: type[Base]
    fields: tuple[Field, ...]
    derive_id: Callable[[Mapping[str, Any]], str] | None
    refs: Mapping[str, str] = field(default_factory=dict)  # field -> spec name it refers to
    checks: tuple[RowCheck, ...] = ()
    doc: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(fl.name for fl in self.fields)

    @property
    def list_fields(self) -> frozenset[str]:
        return frozenset(fl.name for fl in self.fields if fl.shape == "list")

    @property
    def map_fields(self) -> frozenset[str]:
        return frozenset(fl.name for fl in self.fields if fl.shape == "map")

    @property
    def required(self) -> frozenset[str]:
        return frozenset(fl.name for fl in self.fields if fl.required)

    @property
    def sql(self) -> Table:
        return cast(Table, self.table.__table__)


def _id(required: bool = False) -> Field:
    doc = "Stable identifier." if required else "Stable identifier; derived from the content when empty."
    return Field("id", f.ident, required=required, doc=doc)


_SOURCE = Field("source", f.text, doc="Where the facts of this row come from (a citation or URL), or 'fictional'.")
_FICTIONAL = Field("fictional", f.boolean, default=False, doc="true for invented data (demos, tests).")

SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec(
            "territories",
            "territory",
            Territory,
            (
                _id(required=True),
                Field("name", f.text, required=True, doc="Name in English."),
                Field("kind", f.vocabulary("territory_kinds"), required=True, doc="country or territory."),
                Field("country", f.country, doc="ISO 3166-1 alpha-2 code of the state it belongs to or is."),
                _SOURCE,
            ),
            None,
            doc="Countries and named territories (e.g. gaza-strip) that subscriptions and evidence refer to.",
        ),
        EntitySpec(
            "territory_flags",
            "territory_flag",
            TerritoryFlag,
            (
                _id(),
                Field("territory_id", f.ident, required=True, doc="The territory flagged."),
                Field("flag", f.vocabulary("territory_flags"), required=True, doc="conflict-affected, occupied, ..."),
                Field("active", f.boolean, default=True, doc="false once the source says the situation has ended."),
                Field("source", f.text, required=True, doc="The public source that supports the flag."),
                Field("as_of", f.iso_date, required=True, doc="Date of the source's statement."),
                Field("note", f.text, doc="Free text."),
            ),
            _flag_id,
            refs={"territory_id": "territories"},
            doc="Context of a territory, each flag with its source and date.",
        ),
        EntitySpec(
            "organisations",
            "organisation",
            Organisation,
            (
                _id(),
                Field("name", f.text, required=True, doc="Name in its usual form (any language)."),
                Field("kind", f.vocabulary("organisation_kinds"), required=True, doc="ministry, military-unit, ..."),
                Field("country", f.country, doc="ISO 3166-1 alpha-2 code."),
                Field("parent_id", f.ident, doc="The organisation it is part of (a unit inside a ministry)."),
                Field("identifiers", f.mapping, default={}, shape="map", doc="scheme=value pairs, e.g. wikidata=Q1."),
                Field("description", f.text, doc="Free text."),
                _SOURCE,
                _FICTIONAL,
            ),
            _org_id,
            refs={"parent_id": "organisations"},
            checks=(_not_own_parent,),
            doc="Customers and end users, with their hierarchy.",
        ),
        EntitySpec(
            "aliases",
            "alias",
            Alias,
            (
                _id(),
                Field("org_id", f.ident, required=True, doc="The organisation this is another name of."),
                Field("name", f.text, required=True, doc="The other name, acronym or spelling."),
                Field("lang", f.lang, doc="ISO 639 language code."),
                Field("script", f.script, doc="ISO 15924 script; detected from the name when empty."),
                _SOURCE,
            ),
            _alias_id,
            refs={"org_id": "organisations"},
            doc="Other names of organisations, in any language and script.",
        ),
        EntitySpec(
            "services",
            "service",
            Service,
            (
                _id(),
                Field("name", f.text, required=True, doc="Product name."),
                Field("provider", f.text, required=True, doc="The company that provides it."),
                Field(
                    "capabilities",
                    f.list_of(f.vocabulary("capabilities")),
                    default=[],
                    shape="list",
                    doc="Capability tags separated by ';'.",
                ),
                Field("description", f.text, doc="Free text."),
                _SOURCE,
                _FICTIONAL,
            ),
            _service_id,
            doc="The provider's service catalogue.",
        ),
        EntitySpec(
            "subscriptions",
            "subscription",
            Subscription,
            (
                _id(),
                Field("customer_id", f.ident, required=True, doc="The organisation that contracts."),
                Field("service_id", f.ident, required=True, doc="The service."),
                Field("end_user_id", f.ident, doc="The organisation that uses it, when not the customer."),
                Field("region", f.text, doc="The provider's region name."),
                Field("datacentre_country", f.country, doc="Where the data is hosted (ISO alpha-2)."),
                Field(
                    "use_territories",
                    f.list_of(f.ident),
                    default=[],
                    shape="list",
                    doc="Territory ids where the customer declares it uses the service, separated by ';'.",
                ),
                Field("start_date", f.iso_date, doc="YYYY-MM-DD."),
                Field("end_date", f.iso_date, doc="YYYY-MM-DD."),
                Field("status", f.vocabulary("subscription_statuses"), default="active", doc="active, suspended, ..."),
                Field("declared_end_use", f.text, doc="What the customer says it uses the service for."),
                Field("value", f.money, doc="Contract value, with two decimals."),
                Field("currency", f.currency, doc="ISO 4217 code."),
                _SOURCE,
                _FICTIONAL,
            ),
            _subscription_id,
            refs={
                "customer_id": "organisations",
                "service_id": "services",
                "end_user_id": "organisations",
                "use_territories": "territories",
            },
            checks=(_dates_in_order,),
            doc="Customer x service x region, with status and declared end use.",
        ),
    )
}

# The order in which entity types are written, so that every reference already exists.
ORDER = tuple(SPECS)


def spec_for_file_stem(stem: str) -> EntitySpec | None:
    """`subscriptions.csv`, `subscriptions-2025.csv` and `Subscriptions_eu.csv` hold subscriptions."""
    lowered = stem.lower()
    for name in sorted(SPECS, key=len, reverse=True):
        if lowered == name or lowered.startswith((name + "-", name + "_", name + ".")):
            return SPECS[name]
    return None

"""What a register row may contain: one pydantic model per entity type.

The same models validate CSV and JSON imports, FollowTheMoney imports (after mapping) and, later,
the API, so that a value refused in one place is refused everywhere.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from vigie.register.vocabulary import countries, terms


def _in_vocabulary(name: str) -> AfterValidator:
    def check(value: str) -> str:
        allowed = terms(name)
        if value not in allowed:
            raise ValueError(f"unknown value {value!r}; expected one of: {', '.join(allowed)}")
        return value

    return AfterValidator(check)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _country(value: str) -> str:
    if value not in countries():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return value


def _sorted_unique(values: list[str]) -> list[str]:
    return sorted({v for v in values if v})


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s;|]+$")]
Text = Annotated[str, Field(min_length=1)]
Country = Annotated[str, BeforeValidator(_upper), AfterValidator(_country)]
Currency = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{3}$")]
Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Script = Annotated[str, Field(pattern=r"^[A-Z][a-z]{3}$")]
Capability = Annotated[str, _in_vocabulary("capabilities")]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class OrganisationRow(Row):
    id: Id | None = None
    name: Text
    kind: Annotated[str, _in_vocabulary("organisation_kinds")]
    country: Country | None = None
    parent_id: Id | None = None
    identifiers: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    source: str | None = None
    fictional: bool = False

    @model_validator(mode="after")
    def _not_own_parent(self) -> OrganisationRow:
        if self.parent_id is not None and self.parent_id == self.id:
            raise ValueError("parent_id: an organisation cannot be its own parent")
        return self


class AliasRow(Row):
    id: Id | None = None
    org_id: Id
    name: Text
    lang: Lang | None = None
    script: Script | None = None
    source: str | None = None


class ServiceRow(Row):
    id: Id | None = None
    name: Text
    provider: Text
    capabilities: Annotated[list[Capability], AfterValidator(_sorted_unique)] = Field(default_factory=list)
    description: str | None = None
    source: str | None = None
    fictional: bool = False


class SubscriptionRow(Row):
    id: Id | None = None
    customer_id: Id
    service_id: Id
    end_user_id: Id | None = None
    region: str | None = None
    datacentre_country: Country | None = None
    use_territories: Annotated[list[Id], AfterValidator(_sorted_unique)] = Field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    status: Annotated[str, _in_vocabulary("subscription_statuses")] = "active"
    declared_end_use: str | None = None
    value: Annotated[Decimal, AfterValidator(_money)] | None = None
    currency: Currency | None = None
    source: str | None = None
    fictional: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> SubscriptionRow:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date: ends before it starts")
        return self


class TerritoryRow(Row):
    id: Id
    name: Text
    kind: Annotated[str, _in_vocabulary("territory_kinds")]
    country: Country | None = None
    source: str | None = None


class TerritoryFlagRow(Row):
    id: Id | None = None
    territory_id: Id
    flag: Annotated[str, _in_vocabulary("territory_flags")]
    active: bool = True
    source: Text
    as_of: date
    note: str | None = None

"""The register as FollowTheMoney entities, the exchange format of the investigations field.

Organisations become `PublicBody`, `Company` or `Organization`; services become `Asset`;
subscriptions become `Contract` whose authority is the customer. What FtM has no property for
(a service's capabilities, a subscription's region or end user, the fictional label) travels in
`keywords` as `vigie:<field>=<value>`, so a register survives the round trip. Territories and their
flags have no FtM schema and are exchanged as CSV or JSON only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from sqlalchemy.orm import Session

from vigie.register.errors import ImportFailed, InputError
from vigie.register.export import iter_states
from vigie.register.files import RawRow
from vigie.register.specs import SPECS
from vigie.register.vocabulary import PUBLIC_BODY_KINDS

PREFIX = "vigie:"
FICTIONAL = "vigie:fictional"
_ID_PROPS = {"wikidata": "wikidataId", "lei": "leiCode", "registration": "registrationNumber"}


def _schema_for(kind: str) -> str:
    if kind in PUBLIC_BODY_KINDS:
        return "PublicBody"
    return "Company" if kind == "company" else "Organization"


def _kw(field: str, value: str) -> str:
    return f"{PREFIX}{field}={value}"


def entity(schema: str, entity_id: str, props: Mapping[str, Iterable[str | None]]) -> dict[str, Any]:
    """A validated entity as plain data, its values cleaned by FtM and sorted, so exports are stable."""
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for prop, values in props.items():
        for value in values:
            if value:
                proxy.add(prop, value)
    data: dict[str, Any] = proxy.to_dict()
    return {
        "id": data["id"],
        "schema": data["schema"],
        "properties": {k: sorted(v) for k, v in sorted(data["properties"].items())},
    }


def export_ftm(session: Session) -> Iterator[dict[str, Any]]:
    aliases: dict[str, list[str]] = {}
    for alias in iter_states(session, SPECS["aliases"]):
        aliases.setdefault(alias["org_id"], []).append(alias["name"])
    for org in iter_states(session, SPECS["organisations"]):
        props: dict[str, list[str]] = {
            "name": [org["name"]],
            "alias": aliases.get(org["id"], []),
            "country": [org["country"].lower()] if org["country"] else [],
            "parent": [org["parent_id"]] if org["parent_id"] else [],
            "classification": [org["kind"]],
            "description": [org["description"]] if org["description"] else [],
            "notes": [org["source"]] if org["source"] else [],
            "keywords": [FICTIONAL] if org["fictional"] else [],
        }
        for scheme, value in sorted(org["identifiers"].items()):
            prop = _ID_PROPS.get(scheme)
            if prop:
                props.setdefault(prop, []).append(value)
            else:
                props.setdefault("idNumber", []).append(f"{scheme}={value}")
        yield entity(_schema_for(org["kind"]), org["id"], props)
    for svc in iter_states(session, SPECS["services"]):
        keywords = [_kw("provider", svc["provider"])] + [_kw("capability", c) for c in svc["capabilities"]]
        if svc["fictional"]:
            keywords.append(FICTIONAL)
        yield entity(
            "Asset",
            svc["id"],
            {
                "name": [svc["name"]],
                "description": [svc["description"]] if svc["description"] else [],
                "notes": [svc["source"]] if svc["source"] else [],
                "keywords": keywords,
            },
        )
    for sub in iter_states(session, SPECS["subscriptions"]):
        keywords = [_kw("service", sub["service_id"])]
        for field in ("end_user_id", "region", "datacentre_country", "end_date"):
            if sub[field]:
                keywords.append(_kw(field, sub[field]))
        keywords += [_kw("territory", t) for t in sub["use_territories"]]
        if sub["fictional"]:
            keywords.append(FICTIONAL)
        yield entity(
            "Contract",
            sub["id"],
            {
                "title": [sub["id"]],
                "authority": [sub["customer_id"]],
                "contractDate": [sub["start_date"]] if sub["start_date"] else [],
                "status": [sub["status"]],
                "amount": [sub["value"]] if sub["value"] else [],
                "currency": [sub["currency"].lower()] if sub["currency"] else [],
                "description": [sub["declared_end_use"]] if sub["declared_end_use"] else [],
                "notes": [sub["source"]] if sub["source"] else [],
                "keywords": keywords,
            },
        )


def _first(props: dict[str, list[str]], name: str) -> str | None:
    values = props.get(name) or []
    return values[0] if values else None


def _kw_first(kw: dict[str, list[str]], field: str) -> str | None:
    values = kw.get(field)
    return values[0] if values else None


def _split_keywords(props: dict[str, list[str]]) -> tuple[dict[str, list[str]], bool]:
    fields: dict[str, list[str]] = {}
    fictional = False
    for kw in props.get("keywords", []):
        if kw == FICTIONAL:
            fictional = True
        elif kw.startswith(PREFIX) and "=" in kw:
            field, _, value = kw[len(PREFIX) :].partition("=")
            fields.setdefault(field, []).append(value)
    return fields, fictional


def _rows_for(entity: dict[str, Any], file: str, line: int) -> list[RawRow]:
    schema = entity.get("schema")
    props: dict[str, list[str]] = entity.get("properties") or {}
    entity_id = entity.get("id")
    kw, fictional = _split_keywords(props)
    if schema in ("PublicBody", "Company", "Organization"):
        identifiers: dict[str, str] = {}
        for scheme, prop in _ID_PROPS.items():
            value = _first(props, prop)
            if value:
                identifiers[scheme] = value
        for value in props.get("idNumber", []):
            scheme, sep, val = value.partition("=")
            identifiers[scheme if sep else "id"] = val if sep else value
        country = _first(props, "country")
        org = {
            "id": entity_id,
            "name": _first(props, "name"),
            "kind": _first(props, "classification")
            or ("company" if schema == "Company" else "other-public-body" if schema == "PublicBody" else "other"),
            "country": country.upper() if country else None,
            "parent_id": _first(props, "parent"),
            "identifiers": identifiers,
            "description": _first(props, "description"),
            "source": _first(props, "notes"),
            "fictional": fictional,
        }
        rows = [RawRow(SPECS["organisations"], file, line, line, org, frozenset(org))]
        for alias in props.get("alias", []):
            data = {"org_id": entity_id, "name": alias}
            rows.append(
                RawRow(SPECS["aliases"], file, line, line, data, frozenset(data) | {"lang", "script", "source"})
            )
        return rows
    if schema == "Asset":
        svc = {
            "id": entity_id,
            "name": _first(props, "name"),
            "provider": _kw_first(kw, "provider"),
            "capabilities": kw.get("capability", []),
            "description": _first(props, "description"),
            "source": _first(props, "notes"),
            "fictional": fictional,
        }
        return [RawRow(SPECS["services"], file, line, line, svc, frozenset(svc))]
    if schema == "Contract":
        currency = _first(props, "currency")
        sub = {
            "id": entity_id,
            "customer_id": _first(props, "authority"),
            "service_id": _kw_first(kw, "service"),
            "end_user_id": _kw_first(kw, "end_user_id"),
            "region": _kw_first(kw, "region"),
            "datacentre_country": _kw_first(kw, "datacentre_country"),
            "use_territories": kw.get("territory", []),
            "start_date": _first(props, "contractDate"),
            "end_date": _kw_first(kw, "end_date"),
            "status": _first(props, "status") or "active",
            "declared_end_use": _first(props, "description"),
            "value": _first(props, "amount"),
            "currency": currency.upper() if currency else None,
            "source": _first(props, "notes"),
            "fictional": fictional,
        }
        return [
            RawRow(
                SPECS["subscriptions"],
                file,
                line,
                line,
                {k: v for k, v in sub.items() if v is not None},
                frozenset(sub),
            )
        ]
    raise ValueError(
        f"schema {schema!r} is not part of a register (expected PublicBody, Company, Organization, Asset or Contract)"
    )


def read_ftm(path: Path) -> list[RawRow]:
    file = str(path)
    rows: list[RawRow] = []
    errors: list[InputError] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([InputError(file, None, None, f"cannot read: {exc}")]) from exc
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            entity = json.loads(text)
            if not isinstance(entity, dict) or not entity.get("id"):
                raise ValueError("expected an entity object with an id")
            properties = entity.get("properties", {})
            if not isinstance(properties, dict) or not all(
                isinstance(values, list) and all(isinstance(v, str) for v in values) for values in properties.values()
            ):
                raise ValueError("properties: expected an object mapping each property name to a list of strings")
            model.get_proxy(entity)  # validates schema and property names
            rows.extend(_rows_for(entity, file, number))
        except json.JSONDecodeError as exc:
            errors.append(InputError(file, number, None, f"not valid JSON: {exc.msg}"))
        except (InvalidData, ValueError) as exc:
            errors.append(InputError(file, number, "schema", str(exc)))
    if errors:
        raise ImportFailed(errors)
    return rows

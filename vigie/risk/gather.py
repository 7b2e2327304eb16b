"""Reading what an assessment needs from the register (and, through `claims`, from the evidence).

Relationships are built in bulk: the organisation tree, services and territory context are read
once, then subscriptions are streamed, so a full re-assessment of a large book of business does
not issue a query per subscription.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, or_, select, type_coerce
from sqlalchemy.orm import Session

from vigie.register.tables import Organisation, Service, Subscription, Territory, TerritoryFlag
from vigie.risk.inputs import Relationship
from vigie.risk.inputs import Territory as TerritoryContext


@dataclass
class RegisterIndex:
    """The parts of the register every assessment looks up."""

    parents: dict[str, str | None]
    kinds: dict[str, str]
    names: dict[str, str]
    children: dict[str, list[str]]
    services: dict[str, tuple[str, tuple[str, ...]]]
    territories: dict[str, TerritoryContext]

    # An organisation has many subscriptions: its lineage and units are worked out once.
    _lineages: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _units: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _declared: dict[str, tuple[TerritoryContext, ...]] = field(default_factory=dict, repr=False, compare=False)

    def lineage(self, org_id: str) -> tuple[str, ...]:
        cached = self._lineages.get(org_id)
        if cached is not None:
            return cached
        out: list[str] = []
        node = self.parents.get(org_id)
        while node is not None and node not in out and node != org_id:
            out.append(node)
            node = self.parents.get(node)
        self._lineages[org_id] = result = tuple(out)
        return result

    def units(self, org_id: str) -> tuple[str, ...]:
        cached = self._units.get(org_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = list(self.children.get(org_id, []))
        while stack:
            node = stack.pop()
            if node in seen or node == org_id:
                continue
            seen.add(node)
            stack.extend(self.children.get(node, []))
        self._units[org_id] = result = tuple(sorted(seen))
        return result

    def family(self, org_ids: Iterable[str]) -> set[str]:
        """Organisations whose relationships a change to these organisations can touch."""
        out: set[str] = set()
        for org_id in org_ids:
            out.add(org_id)
            out.update(self.lineage(org_id))
            out.update(self.units(org_id))
        return out


def load_index(session: Session) -> RegisterIndex:
    parents: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for org_id, parent, kind, name in session.execute(
        select(Organisation.id, Organisation.parent_id, Organisation.kind, Organisation.name)
    ):
        parents[org_id] = parent
        kinds[org_id] = kind
        names[org_id] = name
        if parent:
            children[parent].append(org_id)
    services = {
        sid: (name, tuple(caps or ()))
        for sid, name, caps in session.execute(select(Service.id, Service.name, Service.capabilities))
    }
    return RegisterIndex(parents, kinds, names, dict(children), services, load_territories(session))


def load_territories(session: Session) -> dict[str, TerritoryContext]:
    """Every territory with its active flags."""
    flags: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for tid, flag, source, as_of in session.execute(
        select(TerritoryFlag.territory_id, TerritoryFlag.flag, TerritoryFlag.source, TerritoryFlag.as_of).where(
            TerritoryFlag.active.is_(True)
        )
    ):
        flags[tid].append((flag, source, as_of.isoformat()))
    return {
        tid: TerritoryContext(tid, name, tuple(sorted(flags.get(tid, []))))
        for tid, name in session.execute(select(Territory.id, Territory.name))
    }


_COLUMNS = (
    Subscription.id,
    Subscription.customer_id,
    Subscription.end_user_id,
    Subscription.service_id,
    Subscription.status,
    # As stored: most subscriptions share a few lists of territories, each decoded once (`_declared`).
    type_coerce(Subscription.use_territories, Text).label("use_territories"),
)


def _declared(index: RegisterIndex, stored: str | list[str] | None) -> tuple[TerritoryContext, ...]:
    """The territories a subscription declares, from its stored JSON list (a list already on PostgreSQL)."""
    if not stored:
        return ()
    if not isinstance(stored, str):
        return tuple(index.territories[t] for t in stored if t in index.territories)
    known = index._declared.get(stored)
    if known is None:
        ids = json.loads(stored) or []
        known = index._declared[stored] = tuple(index.territories[t] for t in ids if t in index.territories)
    return known


# The register fields whose value can change what an assessment says, per entity type: what
# `load_index`, `load_territories` and `_relationship` read and `assess` uses. A register import
# re-assesses the relationships a change to one of these touches (vigie/risk/incremental.py), and
# nothing for a change to any other field. An organisation's name and a subscription's status ride
# along in the relationship (and so in its inputs digest) but no factor reads them; tests/risk/
# test_incremental.py checks that changing every field left out here leaves every assessment as it
# was. A new input of the assessment must be added here, or imports will not re-assess it.
ASSESSED_FIELDS: dict[str, tuple[str, ...]] = {
    "territories": ("name",),
    "territory_flags": ("territory_id", "flag", "active", "source", "as_of"),
    "organisations": ("kind", "parent_id"),
    "services": ("name", "capabilities"),
    "subscriptions": ("customer_id", "end_user_id", "service_id", "use_territories"),
}


def _relationship(index: RegisterIndex, sub: Any) -> Relationship:
    """`sub`: a row of `_COLUMNS`."""
    org_id = sub.end_user_id or sub.customer_id
    service_name, capabilities = index.services.get(sub.service_id, (sub.service_id, ()))
    territories = _declared(index, sub.use_territories)
    return Relationship(
        subscription_id=sub.id,
        org_id=org_id,
        org_name=index.names.get(org_id, org_id),
        org_kind=index.kinds.get(org_id, "other"),
        lineage=index.lineage(org_id),
        units=index.units(org_id),
        service_id=sub.service_id,
        service_name=service_name,
        capabilities=capabilities,
        status=sub.status,
        declared_territories=territories,
    )


# The most ids one query binds: PostgreSQL takes at most 65,535 parameters a statement and SQLite
# 32,766 in its default build; a larger selection is read in several queries.
MAX_IDS_PER_QUERY = 5_000


def _id_filters(
    subscription_ids: Iterable[str] | None, org_ids: Iterable[str] | None
) -> list[list[ColumnElement[bool]]]:
    """The selection as groups of IN conditions, each group binding at most MAX_IDS_PER_QUERY ids."""
    pairs: list[tuple[Any, list[str]]] = []
    if subscription_ids is not None:
        pairs.append((Subscription.id, sorted(set(subscription_ids))))
    if org_ids is not None:
        orgs = sorted(set(org_ids))
        pairs += [(Subscription.customer_id, orgs), (Subscription.end_user_id, orgs)]
    groups: list[list[ColumnElement[bool]]] = [[]]
    room = MAX_IDS_PER_QUERY
    for column, ids in pairs:
        for start in range(0, len(ids), MAX_IDS_PER_QUERY):
            part = ids[start : start + MAX_IDS_PER_QUERY]
            if len(part) > room:
                groups.append([])
                room = MAX_IDS_PER_QUERY
            groups[-1].append(column.in_(part))
            room -= len(part)
        if not ids:  # an empty selection selects nothing, as `IN ()` would
            groups[-1].append(column.in_([]))
    return groups


def relationships(
    session: Session,
    index: RegisterIndex,
    subscription_ids: Iterable[str] | None = None,
    org_ids: Iterable[str] | None = None,
    chunk: int = 20_000,
) -> Iterator[list[Relationship]]:
    """Relationships in chunks: all of them, or those of some subscriptions or organisations.

    Each subscription comes once, in id order within each query; a selection too large for one
    query is read in several.
    """
    query = select(*_COLUMNS).order_by(Subscription.id)
    if subscription_ids is None and org_ids is None:
        yield from _pages(session, index, query, chunk, None)
        return
    groups = _id_filters(subscription_ids, org_ids)
    seen: set[str] | None = set() if len(groups) > 1 else None
    for group in groups:
        yield from _pages(session, index, query.where(or_(*group)), chunk, seen)


def _pages(
    session: Session, index: RegisterIndex, query: Select[*tuple[Any, ...]], chunk: int, seen: set[str] | None
) -> Iterator[list[Relationship]]:
    """Keyset pages of the query; with `seen`, subscriptions already yielded are skipped."""
    last: str | None = None
    while True:
        page = query.limit(chunk) if last is None else query.where(Subscription.id > last).limit(chunk)
        subs = session.connection().execute(page).all()  # Core rows: no ORM loading, no identity map
        if not subs:
            return
        last = subs[-1].id
        if seen is not None:
            subs = [s for s in subs if s.id not in seen]
            seen.update(s.id for s in subs)
        if subs:
            yield [_relationship(index, s) for s in subs]

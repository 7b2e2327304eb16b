"""Reading what an assessment needs from the register (and, through `claims`, from the evidence).

Relationships are built in bulk: the organisation tree, services and territory context are read
once, then subscriptions are streamed, so a full re-assessment of a large book of business does
not issue a query per subscription.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import or_, select
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

    def lineage(self, org_id: str) -> tuple[str, ...]:
        out: list[str] = []
        node = self.parents.get(org_id)
        while node is not None and node not in out and node != org_id:
            out.append(node)
            node = self.parents.get(node)
        return tuple(out)

    def units(self, org_id: str) -> tuple[str, ...]:
        out: list[str] = []
        stack = list(self.children.get(org_id, []))
        while stack:
            node = stack.pop()
            if node in out or node == org_id:
                continue
            out.append(node)
            stack.extend(self.children.get(node, []))
        return tuple(sorted(out))

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
    flags: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for tid, flag, source, as_of in session.execute(
        select(TerritoryFlag.territory_id, TerritoryFlag.flag, TerritoryFlag.source, TerritoryFlag.as_of).where(
            TerritoryFlag.active.is_(True)
        )
    ):
        flags[tid].append((flag, source, as_of.isoformat()))
    territories = {
        tid: TerritoryContext(tid, name, tuple(sorted(flags.get(tid, []))))
        for tid, name in session.execute(select(Territory.id, Territory.name))
    }
    return RegisterIndex(parents, kinds, names, dict(children), services, territories)


def _relationship(index: RegisterIndex, sub: Subscription) -> Relationship:
    org_id = sub.end_user_id or sub.customer_id
    service_name, capabilities = index.services.get(sub.service_id, (sub.service_id, ()))
    territories = tuple(index.territories[t] for t in (sub.use_territories or []) if t in index.territories)
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


def relationships(
    session: Session,
    index: RegisterIndex,
    subscription_ids: Iterable[str] | None = None,
    org_ids: Iterable[str] | None = None,
    chunk: int = 20_000,
) -> Iterator[list[Relationship]]:
    """Relationships in chunks: all of them, or those of some subscriptions or organisations."""
    query = select(Subscription).order_by(Subscription.id)
    if subscription_ids is not None or org_ids is not None:
        conditions = []
        if subscription_ids is not None:
            conditions.append(Subscription.id.in_(list(subscription_ids)))
        if org_ids is not None:
            orgs = list(org_ids)
            conditions.append(Subscription.customer_id.in_(orgs))
            conditions.append(Subscription.end_user_id.in_(orgs))
        query = query.where(or_(*conditions))
    last: str | None = None
    while True:
        page = query.limit(chunk) if last is None else query.where(Subscription.id > last).limit(chunk)
        subs = list(session.scalars(page))
        if not subs:
            return
        yield [_relationship(index, s) for s in subs]
        last = subs[-1].id
        session.expunge_all()

"""Assessing relationships, keeping every version, and telling what changed since the last review."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import Integer, Row, Select, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigie.audit.trail import LOG_COLUMNS, LOG_TABLE, AuditTrail, Change, now_iso
from vigie.risk.assess import Assessment, InputsDigest, assess
from vigie.risk.gather import MAX_IDS_PER_QUERY, RegisterIndex, load_index, relationships
from vigie.risk.inputs import Claim, Relationship
from vigie.risk.policy import Policy
from vigie.risk.tables import AssessmentRecord, AssessmentTally, RiskReview
from vigie.store.bulk import insert_rows

ClaimSource = Callable[[Session, set[str]], list[Claim]]
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])

_COLUMNS = (
    "subscription_id", "version", "current", "created_at", "actor", "reason", "inputs_digest", "policy_id",
    "policy_version", "org_id", "service_id", "severity", "likelihood", "involvement", "heightened", "priority",
    "band", "action", "worst_harm", "body",
)  # fmt: skip


@dataclass(frozen=True)
class ReassessReport:
    assessed: int
    changed: int
    unchanged: int


def _claims_by_org(claims: Iterable[Claim]) -> dict[str, list[Claim]]:
    out: dict[str, list[Claim]] = {}
    for claim in claims:
        for org in claim.org_ids:
            out.setdefault(org, []).append(claim)
    return out


def _claims_for(rel: Relationship, by_org: dict[str, list[Claim]]) -> list[Claim]:
    seen: dict[str, Claim] = {}
    for org in (rel.org_id, *rel.lineage, *rel.units):
        for claim in by_org.get(org, ()):
            seen.setdefault(claim.claim_id, claim)
    return sorted(seen.values(), key=lambda c: c.claim_id)


def _current(session: Session, subscription_ids: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """subscription id → (record id, version, inputs digest) of its current assessment."""
    out: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(subscription_ids), MAX_IDS_PER_QUERY):
        chunk = subscription_ids[start : start + MAX_IDS_PER_QUERY]
        for rid, sid, version, digest in (
            session.connection()
            .execute(  # Core rows: no ORM loading
                select(
                    AssessmentRecord.id,
                    AssessmentRecord.subscription_id,
                    AssessmentRecord.version,
                    AssessmentRecord.inputs_digest,
                ).where(AssessmentRecord.current.is_(True), AssessmentRecord.subscription_id.in_(chunk))
            )
            .all()
        ):
            out[sid] = (rid, version, digest)
    return out


def _add_to_tallies(session: Session, deltas: dict[tuple[str, bool], int]) -> None:
    """Move the counts of current assessments per band and heightened flag by these amounts.

    Called once by each `store_assessments` that wrote something, after the audit trail has locked its
    head: every writer holds that lock first, so two never wait on each other's tallies in opposite orders.
    """
    table = cast(Table, AssessmentTally.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (band, heightened), delta in sorted(deltas.items()):
        if not delta:
            continue
        statement = insert(table).values(band=band, heightened=heightened, count=delta)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.band, table.c.heightened], set_={"count": table.c.count + delta}
            )
        )


def reassess(
    session: Session,
    policy: Policy,
    claim_source: ClaimSource,
    actor: str,
    reason: str,
    as_of: date,
    subscription_ids: Iterable[str] | None = None,
    org_ids: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    provider_names: tuple[str, ...] = (),
) -> ReassessReport:
    """Assess the chosen relationships (all when none are chosen); store a version only when it changed.

    An organisation's relationships include those of its parents and units, since evidence about
    a unit bears on its ministry and the other way round.
    """
    index = load_index(session)
    chosen_orgs = index.family(org_ids) if org_ids is not None else None
    claims = claim_source(session, set(index.names) if chosen_orgs is None else index.family(chosen_orgs))
    total = 0
    if progress:
        total = int(session.scalar(select(func.count()).select_from(AssessmentRecord.__table__)) or 0)
    batches = relationships(session, index, subscription_ids, chosen_orgs)
    return store_assessments(session, batches, claims, policy, actor, reason, as_of, provider_names, progress, total)


def store_assessments(
    session: Session,
    batches: Iterable[list[Relationship]],
    claims: Iterable[Claim],
    policy: Policy,
    actor: str,
    reason: str,
    as_of: date,
    provider_names: tuple[str, ...] = (),
    progress: Callable[[str, int, int], None] | None = None,
    total: int = 0,
) -> ReassessReport:
    """Assess these relationships against the claims that bear on each; store and audit those whose inputs changed.

    `claims` must hold every claim naming a relationship's organisation, parents or units: the
    callers choose the relationships (`reassess`, `vigie.risk.incremental`) and read the claims
    their families need, so there is one way an assessment is computed, versioned and audited.
    """
    by_org = _claims_by_org(claims)
    trail = AuditTrail(session, actor, reason)
    # Take the chain's lock before reading the current versions: a second writer then waits for the
    # first to commit and reads its versions, instead of superseding a version that is already gone
    # and leaving two current assessments of one relationship.
    trail.lock()
    table = cast(Table, AssessmentRecord.__table__)
    assessed = changed = 0
    created = now_iso()
    digest_of = InputsDigest(policy, as_of, provider_names)
    tallies: dict[tuple[str, bool], int] = {}
    for batch in batches:
        current = _current(session, [r.subscription_id for r in batch])
        rows: list[tuple[Any, ...]] = []
        changes: list[Change] = []
        superseded: list[int] = []
        for rel in batch:
            rel_claims = _claims_for(rel, by_org)
            digest = digest_of(rel, rel_claims)
            assessed += 1
            previous = current.get(rel.subscription_id)
            if previous is not None and previous[2] == digest:
                continue
            result = assess(rel, rel_claims, policy, as_of, provider_names)
            version = previous[1] + 1 if previous else 1
            rows.append(_row(rel.subscription_id, version, created, actor, reason, digest, result))
            changes.append(Change("assess", "assessment", rel.subscription_id, None, _summary(result, version)))
            key = (result.band, result.heightened)
            tallies[key] = tallies.get(key, 0) + 1
            if previous:
                superseded.append(previous[0])
        if superseded:
            # Only the rows this transaction turns from current count down, so that the tallies follow
            # the table even if another writer superseded one of them since `_current` read it.
            for band, heightened in session.execute(
                update(AssessmentRecord)
                .where(AssessmentRecord.id.in_(superseded), AssessmentRecord.current.is_(True))
                .values(current=False)
                .returning(AssessmentRecord.band, AssessmentRecord.heightened)
            ):
                key = (band, bool(heightened))
                tallies[key] = tallies.get(key, 0) - 1
        if rows:
            insert_rows(session.connection(), table, _COLUMNS, rows)
            insert_rows(session.connection(), LOG_TABLE, LOG_COLUMNS, trail.chain(changes))
        changed += len(rows)
        if progress:
            progress("assessing", assessed, max(total, assessed))
    if changed:
        _add_to_tallies(session, tallies)
        trail.save_head()
    return ReassessReport(assessed, changed, assessed - changed)


def any_assessment(session: Session) -> bool:
    """Whether anything has been assessed yet: until then there is nothing to keep up to date."""
    return session.scalar(select(AssessmentRecord.id).limit(1)) is not None


def _summary(result: Assessment, version: int) -> dict[str, Any]:
    return {
        "version": version, "priority": result.priority, "band": result.band, "action": result.action,
        "severity": result.severity, "likelihood": result.likelihood, "involvement": result.involvement,
        "heightened": result.heightened, "worst_harm": result.worst_harm,
        "policy": f"{result.policy_id} {result.policy_version}",
    }  # fmt: skip


def _row(
    sid: str, version: int, created: str, actor: str, reason: str, digest: str, result: Assessment
) -> tuple[Any, ...]:
    return (
        sid, version, True, created, actor, reason, digest, result.policy_id, result.policy_version, result.org_id,
        result.service_id, result.severity, result.likelihood, result.involvement, result.heightened, result.priority,
        result.band, result.action, result.worst_harm, result.json_text(),
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ reading


# From this offset on, a page of the risk list is chosen on the ranking index before its rows are read.
DEEP_OFFSET = 2_000


@dataclass(frozen=True)
class _Shape:
    """Which filters and paging a risk listing has. Its select is built once per shape, with the values bound
    when it runs: composing the select and its cache key cost about as much as running it (the risk list is
    the API's busiest page, bench/api_load.py)."""

    band: bool = False
    org: bool = False
    heightened: bool = False
    limited: bool = False
    offset: bool = False
    deep: bool = False  # past DEEP_OFFSET: the page is chosen on the ranking index first


def _shaped(
    limit: int | None = None,
    band: str | None = None,
    org: str | None = None,
    heightened: bool | None = None,
    offset: int = 0,
) -> tuple[_Shape, dict[str, Any]]:
    values = {"band": band, "org": org, "heightened": heightened, "limit": limit or None, "offset": offset or None}
    given = {name: value for name, value in values.items() if value is not None}
    shape = _Shape(band="band" in given, org="org" in given, heightened="heightened" in given,
                   limited="limit" in given, offset="offset" in given, deep=offset > DEEP_OFFSET)  # fmt: skip
    return shape, given


def _filtered(query: _Query, shape: _Shape) -> _Query:
    query = query.where(AssessmentRecord.current.is_(True))
    if shape.band:
        query = query.where(AssessmentRecord.band == bindparam("band"))
    if shape.org:
        query = query.where(AssessmentRecord.org_id == bindparam("org"))
    if shape.heightened:
        query = query.where(AssessmentRecord.heightened == bindparam("heightened"))
    return query


def _paged(query: _Query, shape: _Shape) -> _Query:
    if shape.offset:
        query = query.offset(bindparam("offset", type_=Integer))
    if shape.limited:
        query = query.limit(bindparam("limit", type_=Integer))
    return query


# What a list shows of each assessment: every column but the explanation, which is most of a row.
LISTED = tuple(c for c in cast(Table, AssessmentRecord.__table__).c if c.name != "body")


def _ranked_page(what: Sequence[Any], shape: _Shape) -> Select[Any]:
    """A page of the current assessments, highest priority first, ties by subscription id: the order of
    `vigie risk list`.

    The database pages (`limit`, `offset`) along a ranking index, which holds the order and the
    filters. Past `DEEP_OFFSET` rows the page is chosen on the index alone and only its rows are
    read: skipping 900,000 rows costs 0.1 s on the index, 3 s if each skipped row is read too; nearer
    the top the plain query is cheaper (the join costs 0.4 ms of Python).
    """
    rank = (AssessmentRecord.priority.desc(), AssessmentRecord.subscription_id)
    if not shape.deep:
        return _paged(_filtered(select(*what), shape).order_by(*rank), shape)
    keys = _filtered(select(AssessmentRecord.subscription_id, AssessmentRecord.priority), shape)
    page = _paged(keys.order_by(*rank), shape).subquery("page")
    return (
        select(*what)
        .join(page, AssessmentRecord.subscription_id == page.c.subscription_id)
        .where(AssessmentRecord.current.is_(True))
        .order_by(page.c.priority.desc(), page.c.subscription_id)
    )


@lru_cache(maxsize=128)
def _records_page(shape: _Shape) -> Select[Any]:
    return _ranked_page((AssessmentRecord,), shape)


@lru_cache(maxsize=128)
def _listed_page(shape: _Shape) -> Select[Any]:
    total = _count_query(shape).scalar_subquery().label("listing_total")
    return _ranked_page((*LISTED, total), shape)


def current_assessments(
    session: Session,
    limit: int | None = 50,
    band: str | None = None,
    org: str | None = None,
    heightened: bool | None = None,
    offset: int = 0,
) -> list[AssessmentRecord]:
    """Current assessments with their explanations, a page of them in the order of `vigie risk list`."""
    shape, values = _shaped(limit, band, org, heightened, offset)
    return list(session.scalars(_records_page(shape), values))


@dataclass(frozen=True)
class Listing:
    """A page of the risk list as a list shows it, and how many current assessments the whole list has."""

    rows: Sequence[Row[Any]]  # the `LISTED` columns, named as the record's attributes
    total: int


def listed_assessments(
    session: Session,
    limit: int | None = 50,
    band: str | None = None,
    org: str | None = None,
    heightened: bool | None = None,
    offset: int = 0,
) -> Listing:
    """A page of `current_assessments` without the explanations, and `count_current` of the same filters, in
    one query: the count rides on each row, so only a page past the end costs a second query.

    Plain rows rather than records: loading fifty records and keeping each one's explanation unread cost twice
    as much CPU, and the risk list is the API's busiest page (bench/api_load.py).
    """
    shape, values = _shaped(limit, band, org, heightened, offset)
    rows = session.execute(_listed_page(shape), values).all()
    if rows:
        return Listing(rows, int(rows[0].listing_total))
    return Listing(rows, count_current(session, band, org, heightened))


def count_current(
    session: Session, band: str | None = None, org: str | None = None, heightened: bool | None = None
) -> int:
    """How many current assessments `current_assessments` would list without a limit."""
    shape, values = _shaped(band=band, org=org, heightened=heightened)
    return int(session.scalar(_count_query(shape), values) or 0)


@lru_cache(maxsize=32)
def _count_query(shape: _Shape) -> Select[Any]:
    """An organisation's are counted on its index (a few thousand rows at most); the others are summed
    from the tallies `store_assessments` keeps, instead of counting up to a million rows."""
    if shape.org:
        return _filtered(select(func.count()).select_from(AssessmentRecord), shape)
    tally = select(func.coalesce(func.sum(AssessmentTally.count), 0))
    if shape.band:
        tally = tally.where(AssessmentTally.band == bindparam("band"))
    if shape.heightened:
        tally = tally.where(AssessmentTally.heightened == bindparam("heightened"))
    return tally


# Built once, like the register's `_RELATIONSHIP`: every relationship page and explained assessment runs it.
_CURRENT = select(AssessmentRecord).where(
    AssessmentRecord.subscription_id == bindparam("subscription_id"), AssessmentRecord.current.is_(True)
)


def current_assessment(session: Session, subscription_id: str) -> AssessmentRecord | None:
    """The current version of one relationship's assessment, with its explanation: one indexed row."""
    return session.scalars(_CURRENT, {"subscription_id": subscription_id}).first()


def history(session: Session, subscription_id: str) -> list[AssessmentRecord]:
    return list(
        session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.subscription_id == subscription_id)
            .order_by(AssessmentRecord.version)
        )
    )


def mark_reviewed(session: Session, actor: str, note: str | None) -> RiskReview:
    last = int(session.scalar(select(func.max(AssessmentRecord.id))) or 0)
    review = RiskReview(at=now_iso(), actor=actor, note=note, last_assessment_id=last)
    session.add(review)
    session.flush()
    AuditTrail(session, actor).record(
        "review", "risk_review", str(review.id), None, {"last_assessment_id": last, "note": note}
    )
    return review


@dataclass(frozen=True)
class Difference:
    subscription_id: str
    before: AssessmentRecord | None
    after: AssessmentRecord
    reasons: list[str]
    fields: dict[str, tuple[Any, Any]]


def diff_since_review(session: Session) -> tuple[RiskReview | None, list[Difference]]:
    review = session.scalars(select(RiskReview).order_by(RiskReview.id.desc()).limit(1)).first()
    since = review.last_assessment_id if review else 0
    newer = list(
        session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.id > since)
            .order_by(AssessmentRecord.subscription_id, AssessmentRecord.version)
        )
    )
    by_sub: dict[str, list[AssessmentRecord]] = {}
    for rec in newer:
        by_sub.setdefault(rec.subscription_id, []).append(rec)
    out: list[Difference] = []
    for sid, recs in by_sub.items():
        after = recs[-1]
        before = session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.subscription_id == sid, AssessmentRecord.id <= since)
            .order_by(AssessmentRecord.version.desc())
            .limit(1)
        ).first()
        fields = {}
        for name in (
            "priority",
            "band",
            "action",
            "severity",
            "likelihood",
            "involvement",
            "heightened",
            "worst_harm",
            "policy_version",
        ):
            old = getattr(before, name) if before else None
            new = getattr(after, name)
            if old != new:
                fields[name] = (old, new)
        if fields:
            out.append(Difference(sid, before, after, [r.reason for r in recs], fields))
    out.sort(key=lambda d: -d.after.priority)
    return review, out


def index_for(session: Session) -> RegisterIndex:
    return load_index(session)

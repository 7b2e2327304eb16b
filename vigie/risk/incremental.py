"""Re-assessing only what a change touched: new evidence, a reviewer's correction, a register import.

The risk stage is to the right of the register and the evidence in the pipeline: it may call them,
they may not call it. So the operations that change something an assessment reads *and* keep the
assessments up to date live here, one per kind of change, and the CLI commands call them (the web
API must too, rather than the upstream service functions alone):

- `correct` runs a reviewer's correction (`vigie.evidence.service.reject_claim`, `link_mention`,
  `add_claim`, or any later one returning `Corrected`) and re-assesses in the same transaction;
- `import_register` runs a register import and re-assesses in the same transaction, from the
  import's whole plan (the register's `after_write` hook);
- `ingest` ingests documents, then re-assesses right after: an ingest commits batch by batch, so
  a crash keeps the documents stored and the next change, or `vigie risk assess`, catches up.

Each upstream stage reports what it changed in its own terms — the organisations named by the
claims a correction changed, before and after (`Corrected.organisations`); the organisations new
documents name (`IngestReport.organisations`); every register record added or changed with its
state before (`Plan`) — and `Touched` turns that into relationships with the register as it now
stands. One mechanism, `Reassessor.run`, then assesses them (`service.store_assessments`), storing
and auditing a version only where the inputs changed, with the change as the version's reason, so
`vigie risk diff` says why. Nothing is re-assessed before the first `vigie risk assess`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from vigie.evidence import service as evidence
from vigie.register import service as register
from vigie.register.importer import Plan, Progress
from vigie.register.tables import Subscription
from vigie.risk.evidence_source import claims_from_evidence, organisations_placed_in
from vigie.risk.gather import ASSESSED_FIELDS, MAX_IDS_PER_QUERY, RegisterIndex, load_index, relationships
from vigie.risk.policy import Policy
from vigie.risk.service import ClaimSource, ReassessReport, any_assessment, store_assessments
from vigie.store.engine import session_scope

# ------------------------------------------------------------------------------------ what changed


@dataclass
class Touched:
    """What a change touched, in the terms an assessment reads (see `gather.ASSESSED_FIELDS`)."""

    # Organisations named by claims added, removed or changed: the relationships of their families,
    # since evidence about a unit bears on its parents and the other way round.
    claim_orgs: set[str] = field(default_factory=set)
    # Organisations whose kind changed: their own relationships.
    kinds: set[str] = field(default_factory=set)
    # Organisations that moved in the tree, or arrived in it under a parent, with their parent before
    # (None for a new one): the one fact the register no longer holds once the import is written.
    moved: dict[str, str | None] = field(default_factory=dict)
    subscriptions: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)  # whose name or capabilities changed
    territories: set[str] = field(default_factory=set)  # whose name or flags changed

    def __bool__(self) -> bool:
        return any((self.claim_orgs, self.kinds, self.moved, self.subscriptions, self.services, self.territories))

    def organisations(self, session: Session, index: RegisterIndex) -> set[str]:
        """Organisations whose relationships the change touched, with the register as it now stands."""
        named = self.claim_orgs | organisations_placed_in(session, self.territories)
        out = index.family(named) | self.kinds
        for org in self.moved:
            # Its lineage changed, and so did that of its units; the units of an ancestor changed
            # only if it is an ancestor before or after, not both (a ministry whose directorate
            # moves under another of its own branches keeps the same units).
            out.add(org)
            out.update(index.units(org))
            out.update(set(index.lineage(org)) ^ set(self._lineage_before(index, org)))
        return out

    def _lineage_before(self, index: RegisterIndex, org: str) -> list[str]:
        """An organisation's ancestors before the change: the parents it and they had then."""
        out: list[str] = []
        node = self.moved[org] if org in self.moved else index.parents.get(org)
        while node is not None and node not in out and node != org:
            out.append(node)
            node = self.moved[node] if node in self.moved else index.parents.get(node)
        return out

    def relationships(self, session: Session, index: RegisterIndex) -> dict[str, str]:
        """subscription id → the organisation of its relationship (its end user, else its customer)."""
        out: dict[str, str] = {}

        def read(condition: ColumnElement[bool], orgs: set[str] | None = None) -> None:
            query = select(Subscription.id, Subscription.end_user_id, Subscription.customer_id).where(condition)
            for sid, end_user, customer in session.connection().execute(query):
                if orgs is None or (end_user or customer) in orgs:
                    out[sid] = end_user or customer

        # By the indexed customer and end user columns, the relationship's organisation checked
        # here: `end_user_id IS NULL` in SQL leads SQLite to scan the (mostly null) end-user index.
        orgs = self.organisations(session, index)
        for chunk in _chunks(orgs):
            read(Subscription.end_user_id.in_(chunk), orgs)
            read(Subscription.customer_id.in_(chunk), orgs)
        for chunk in _chunks(self.subscriptions):
            read(Subscription.id.in_(chunk))
        for chunk in _chunks(self.services):
            read(Subscription.service_id.in_(chunk))
        if self.territories:
            out.update(_declaring(session, self.territories))
        return out


def _chunks(ids: Iterable[str]) -> list[list[str]]:
    ordered = sorted(set(ids))
    return [ordered[start : start + MAX_IDS_PER_QUERY] for start in range(0, len(ordered), MAX_IDS_PER_QUERY)]


def _declaring(session: Session, territories: set[str]) -> dict[str, str]:
    """Subscriptions that declare one of these territories, with their relationship's organisation.

    The JSON list is searched as text for each id as JSON spells it (with and without escapes:
    rows written by the bulk path keep non-ASCII characters, the ORM's encoder escapes them), and
    each candidate's list is then read to confirm it: a prefilter, not a parser.
    """
    stored = cast(Subscription.use_territories, Text)
    spellings = {json.dumps(t, ensure_ascii=ascii) for t in territories for ascii in (False, True)}
    query = select(Subscription.id, func.coalesce(Subscription.end_user_id, Subscription.customer_id), stored).where(
        or_(*(stored.contains(s, autoescape=True) for s in sorted(spellings)))
    )
    out: dict[str, str] = {}
    for sid, org, text in session.connection().execute(query):
        declared = json.loads(text) if isinstance(text, str) else text
        if territories.intersection(declared or ()):
            out[sid] = org
    return out


def touched_by_plan(plan: Plan) -> Touched:
    """What a register import touched, from its plan: every record added, every record changed with its state before.

    Only changes to `ASSESSED_FIELDS` count; a new territory counts too, since claims may already
    place something there (they then read its name and flags).
    """
    touched = Touched()
    for name, spec_plan in plan.specs.items():
        watched = ASSESSED_FIELDS.get(name)
        if not watched:
            continue
        for record in spec_plan.added:
            _note(touched, name, None, record.state)
        for record, before in spec_plan.changed:
            if any(record.state.get(f) != before.get(f) for f in watched):
                _note(touched, name, before, record.state)
    return touched


def _active_flag(state: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """A territory flag as an assessment sees it: only active flags count."""
    if state is None or not state.get("active", True):
        return None
    return (state["territory_id"], state["flag"], state["source"], state["as_of"])


def _note(touched: Touched, spec: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    if spec == "subscriptions":
        touched.subscriptions.add(after["id"])
    elif spec == "services":
        if before is not None:  # a new service has only new subscriptions, touched as such
            touched.services.add(after["id"])
    elif spec == "organisations":
        if before is None:
            if after.get("parent_id") is not None:  # its parents gain a unit
                touched.moved[after["id"]] = None
            return
        if before.get("kind") != after.get("kind"):
            touched.kinds.add(after["id"])
        if before.get("parent_id") != after.get("parent_id"):
            touched.moved[after["id"]] = before.get("parent_id")
    elif spec == "territories":
        touched.territories.add(after["id"])
    elif spec == "territory_flags":
        was, now = _active_flag(before), _active_flag(after)
        if was != now:
            touched.territories.update(flag[0] for flag in (was, now) if flag is not None)


# ------------------------------------------------------------------------------------ re-assessing


@dataclass
class Reassessor:
    """Who re-assesses, under which policy, as of which date: one per command or request."""

    actor: str
    policy: Callable[[], Policy]  # read only when there is something to re-assess
    as_of: date = field(default_factory=date.today)
    provider_names: tuple[str, ...] = ()
    claim_source: ClaimSource = claims_from_evidence

    def run(
        self, session: Session, touched: Touched, reason: str, progress: Progress | None = None
    ) -> ReassessReport | None:
        """Re-assess the relationships `touched` names, in the session's transaction.

        None when there was nothing to do: nothing touched, or nothing assessed yet (the first
        `vigie risk assess` assesses everything).
        """
        if not touched or not any_assessment(session):
            return None
        index = load_index(session)
        chosen = touched.relationships(session, index)
        if not chosen:
            return ReassessReport(0, 0, 0)
        claims = self.claim_source(session, index.family(set(chosen.values())))
        return store_assessments(
            session, relationships(session, index, subscription_ids=chosen.keys()), claims, self.policy(), self.actor,
            reason, self.as_of, self.provider_names, progress, len(chosen),
        )  # fmt: skip


# ------------------------------------------------------------------------- the combined operations


def correct(
    session: Session, reassessor: Reassessor, change: Callable[[Session], evidence.Corrected]
) -> tuple[evidence.Corrected, ReassessReport | None]:
    """Apply a reviewer's correction and re-assess what it changed, in one transaction.

    `change` is one of the evidence stage's corrections, e.g.
    `lambda s: evidence.reject_claim(s, claim_id, actor, note)`; taking it as a function keeps one
    path for all of them, present and future.
    """
    corrected = change(session)
    c = corrected.correction
    reason = f"correction {c.id}: {c.action} in {corrected.document_id} at {c.start}-{c.end}"
    if c.note:
        reason += f" ({c.note})"
    return corrected, reassessor.run(session, Touched(claim_orgs=set(corrected.organisations)), reason)


def import_register(
    engine: Engine,
    paths: Sequence[Path],
    actor: str,
    reassessor: Reassessor | None,
    kind: str | None = None,
    progress: Progress | None = None,
    on_write: Any = None,
    names: Sequence[str] | None = None,
) -> tuple[register.ImportReport, ReassessReport | None]:
    """Import register files and re-assess what the import touched, in the import's transaction.

    The plan is only looked at when something has been assessed: a first import into an empty
    register, the large one, costs one more query. `names` are what the record calls the files
    (an upload's file names rather than where the server kept them), one per path.
    """
    shown = [Path(n) for n in names] if names is not None else [Path(p.name) for p in paths]
    outcome: list[ReassessReport | None] = [None]

    def after_write(session: Session, plan: Plan) -> None:
        if reassessor is None or not any_assessment(session):
            return
        counts = "; ".join(
            f"{name}: {c['added']} added, {c['changed']} changed"
            for name, c in plan.counts().items()
            if c["added"] or c["changed"]
        )
        reason = f"register {register.import_context(shown)} ({counts})"
        outcome[0] = reassessor.run(session, touched_by_plan(plan), reason, progress)

    context = register.import_context(shown) if names is not None else None
    report = register.import_files(engine, paths, actor, kind, progress, on_write, after_write, context)
    return report, outcome[0]


def ingest(
    engine: Engine,
    paths: Sequence[Path],
    actor: str,
    reassessor: Reassessor | None,
    kind: str | None = None,
    reextract: bool = False,
    use_ner: bool | None = None,
    progress: Progress | None = None,
    uploads: Sequence[evidence.Upload] = (),
) -> tuple[evidence.IngestReport, ReassessReport | None]:
    """Ingest documents, then re-assess the relationships of the organisations they name (or named, before)."""
    report = evidence.ingest(engine, paths, actor, kind, reextract, use_ner, progress, uploads)
    if reassessor is None or not (report.added or report.reextracted) or not report.organisations:
        return report, None
    reason = f"evidence: {len(report.added)} new document(s)"
    if report.reextracted:
        reason += f", {len(report.reextracted)} extracted again"
    with session_scope(engine) as session:
        return report, reassessor.run(session, Touched(claim_orgs=set(report.organisations)), reason)

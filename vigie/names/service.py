"""Screening the register, judging matches, linking the register to the gazetteer; every write audited.

Judgements are keyed by the pair (subject, list, list entry), not by run: a pair a reviewer
rejected is stored again by later runs, marked rejected, and not shown as open; a confirmed pair is
reported by every later run in which both sides are still present, whatever its score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from vigie.audit.trail import AuditTrail, Change, now_iso
from vigie.evidence.tables import MentionRecord
from vigie.names.analyse import analyse
from vigie.names.compare import MATCH, compare_analysed
from vigie.names.gazetteer import gazetteer
from vigie.names.lists import ScreenList, read_lists
from vigie.names.screen import Entry, Hit, Index, Screening, screen
from vigie.names.tables import OrganisationBody, ScreenJudgement, ScreenMatch, ScreenRun
from vigie.register.tables import Alias, Organisation
from vigie.store.engine import session_scope

Progress = Callable[[str, int, int], None]
REGISTER = "register"  # the list name of matches of evidence mentions against the register
JUDGEMENTS = ("confirmed", "rejected")
CHUNK = 2000


def register_entries(session: Session) -> list[Entry]:
    """Every register organisation with its name and aliases."""
    aliases: dict[str, list[str]] = {}
    for org_id, name in session.execute(select(Alias.org_id, Alias.name).order_by(Alias.org_id, Alias.name)):
        aliases.setdefault(org_id, []).append(name)
    return [
        Entry(
            org_id,
            tuple(dict.fromkeys([name, *aliases.get(org_id, [])])),
            countries=frozenset({country.upper()}) if country else frozenset(),
        )
        for org_id, name, country in session.execute(
            select(Organisation.id, Organisation.name, Organisation.country).order_by(Organisation.id)
        )
    ]


def mention_entries(session: Session) -> list[Entry]:
    """The evidence's organisation mentions no one has linked to the register yet, one per text."""
    texts = session.scalars(
        select(MentionRecord.text)
        .where(MentionRecord.entity_id.is_(None), MentionRecord.kind.in_(("organisation", "unknown")))
        .distinct()
    )
    return [Entry(f"mention:{t}", (t,)) for t in sorted(set(texts))]


@dataclass
class RunReport:
    run_id: int
    subjects: int
    candidates: int
    pairs: int
    hits: list[ScreenMatch]


def _run_chunks(
    subjects: Sequence[Entry],
    candidates: Sequence[Entry],
    threshold: float,
    progress: Progress | None,
    label: str,
    client: Any = None,
) -> Screening:
    """Here, slice by slice, or on the Dask cluster of `client`: the same slices, the same result."""
    if client is not None:
        from vigie.names.cluster import screen_on

        def report(done: int, total: int) -> None:
            if progress:
                progress(label, done, total)

        return screen_on(client, subjects, candidates, threshold, progress=report)
    index = Index(candidates)
    total = Screening()
    for start in range(0, len(subjects), CHUNK):
        total.add(screen(subjects[start : start + CHUNK], index, threshold))
        if progress:
            progress(label, min(start + CHUNK, len(subjects)), len(subjects))
    return total


def _confirmed_pairs(
    session: Session,
    list_name: str,
    subjects: dict[str, Entry],
    candidates: dict[str, Entry],
    found: set[tuple[str, str]],
) -> list[Hit]:
    """Confirmed pairs the blocking or the threshold left out this time: reviewers' word stands."""
    hits: list[Hit] = []
    for judged in session.scalars(
        select(ScreenJudgement).where(ScreenJudgement.list_name == list_name, ScreenJudgement.judgement == "confirmed")
    ):
        pair = (judged.subject_id, judged.candidate_id)
        subject, candidate = subjects.get(pair[0]), candidates.get(pair[1])
        if pair in found or subject is None or candidate is None:
            continue
        best = max(
            (
                (compare_analysed(analyse(a, subject.kind), analyse(b, candidate.kind)), a, b)
                for a in subject.names
                for b in candidate.names
            ),
            key=lambda x: x[0].score,
        )
        hits.append(Hit(subject.id, candidate.id, best[1], best[2], best[0]))
    return hits


def run_screen(
    engine: Engine,
    list_paths: Sequence[Path],
    actor: str,
    mentions: bool = False,
    threshold: float = MATCH,
    progress: Progress | None = None,
    client: Any = None,
) -> RunReport:
    """Screen the register against the lists (and the unlinked mentions against the register).

    With a Dask `client`, the scoring runs on its workers (vigie/names/cluster.py); what is stored
    is the same.
    """
    lists: list[ScreenList] = read_lists(list(list_paths))
    with session_scope(engine) as session:
        register = register_entries(session)
        jobs: list[tuple[str, list[Entry], list[Entry]]] = [(s.name, register, s.entries) for s in lists]
        if mentions:
            jobs.append((REGISTER, mention_entries(session), register))
    results: list[tuple[str, str, Hit]] = []
    pairs = candidates = subjects = 0
    for list_name, subject_entries, candidate_entries in jobs:
        screening = _run_chunks(
            subject_entries, candidate_entries, threshold, progress, f"screening against {list_name}", client
        )
        pairs += screening.pairs
        candidates += len(candidate_entries)
        subjects += len(subject_entries)
        kind = "mention" if list_name == REGISTER else "organisation"
        results.extend((kind, list_name, h) for h in screening.hits)
        with session_scope(engine) as session:
            found = {(h.subject, h.candidate) for h in screening.hits}
            by_id = {e.id: e for e in subject_entries}
            extra = _confirmed_pairs(session, list_name, by_id, {e.id: e for e in candidate_entries}, found)
        results.extend((kind, list_name, h) for h in extra)
    with session_scope(engine) as session:
        judged = _judgements(session)
        run = ScreenRun(
            started_at=now_iso(),
            actor=actor,
            lists=[{"name": s.name, "file": str(s.path), "sha256": s.sha256, "entries": len(s.entries)} for s in lists]
            + ([{"name": REGISTER, "file": None, "sha256": None, "entries": len(register)}] if mentions else []),
            threshold=threshold,
            engine="local" if client is None else f"dask:{client.scheduler.address}",
            subjects=subjects,
            candidates=candidates,
            pairs=pairs,
            hits=len(results),
        )
        session.add(run)
        session.flush()
        stored = [
            ScreenMatch(
                run_id=run.id,
                subject_kind=kind,
                subject_id=hit.subject,
                subject_name=hit.subject_name,
                list_name=list_name,
                candidate_id=hit.candidate,
                candidate_name=hit.candidate_name,
                score=hit.score,
                features=[f.as_json() for f in hit.match.features],
                judgement=judged.get((hit.subject, list_name, hit.candidate)),
            )
            for kind, list_name, hit in results
        ]
        session.add_all(stored)
        session.flush()
        trail = AuditTrail(session, actor)
        changes = [Change("screen", "screen_run", str(run.id), None, _run_summary(run))]
        changes += [Change("match", "screen_match", str(m.id), None, _match_summary(m)) for m in stored]
        trail.record_many(changes)
        session.expunge_all()
    return RunReport(run.id, subjects, candidates, pairs, stored)


def _run_summary(run: ScreenRun) -> dict[str, Any]:
    return {
        "lists": run.lists, "threshold": run.threshold, "engine": run.engine, "subjects": run.subjects,
        "candidates": run.candidates, "pairs": run.pairs, "hits": run.hits,
    }  # fmt: skip


def _match_summary(match: ScreenMatch) -> dict[str, Any]:
    return {
        "run": match.run_id, "subject": match.subject_id, "list": match.list_name,
        "candidate": match.candidate_id, "score": match.score, "judgement": match.judgement,
    }  # fmt: skip


def latest_matches(session: Session, open_only: bool = False) -> list[ScreenMatch]:
    """The matches of the latest run, best first; with open_only, those no reviewer has judged."""
    run_id = session.scalar(select(ScreenRun.id).order_by(ScreenRun.id.desc()).limit(1))
    if run_id is None:
        return []
    matches = list(
        session.scalars(
            select(ScreenMatch)
            .where(ScreenMatch.run_id == run_id)
            .order_by(ScreenMatch.score.desc(), ScreenMatch.subject_id, ScreenMatch.candidate_id)
        )
    )
    judged = _judgements(session)
    for match in matches:
        match.judgement = judged.get((match.subject_id, match.list_name, match.candidate_id), match.judgement)
    if open_only:
        matches = [m for m in matches if m.judgement is None]
    return matches


def _judgements(session: Session) -> dict[tuple[str, str, str], str]:
    return {(j.subject_id, j.list_name, j.candidate_id): j.judgement for j in session.scalars(select(ScreenJudgement))}


class JudgementError(ValueError):
    """A judgement on a match that does not exist, or an unknown verdict."""


def judge(session: Session, match_id: int, verdict: str, actor: str, note: str | None = None) -> ScreenJudgement:
    if verdict not in JUDGEMENTS:
        raise JudgementError(f"unknown judgement {verdict!r}: use {' or '.join(JUDGEMENTS)}")
    match = session.get(ScreenMatch, match_id)
    if match is None:
        raise JudgementError(f"no screening match {match_id}")
    existing = session.scalar(
        select(ScreenJudgement).where(
            ScreenJudgement.subject_id == match.subject_id,
            ScreenJudgement.list_name == match.list_name,
            ScreenJudgement.candidate_id == match.candidate_id,
        )
    )
    before = _judgement_summary(existing) if existing else None
    if existing is None:
        existing = ScreenJudgement(
            subject_id=match.subject_id, list_name=match.list_name, candidate_id=match.candidate_id,
            judgement=verdict, actor=actor, at=now_iso(), note=note,
        )  # fmt: skip
        session.add(existing)
    else:
        existing.judgement, existing.actor, existing.at, existing.note = verdict, actor, now_iso(), note
    session.flush()
    AuditTrail(session, actor).record(
        verdict, "screen_judgement", f"{match.subject_id}|{match.list_name}|{match.candidate_id}", before,
        _judgement_summary(existing),
    )  # fmt: skip
    return existing


def _judgement_summary(j: ScreenJudgement) -> dict[str, Any]:
    return {
        "subject": j.subject_id, "list": j.list_name, "candidate": j.candidate_id, "judgement": j.judgement,
        "note": j.note,
    }  # fmt: skip


def link_register(session: Session, actor: str) -> tuple[list[OrganisationBody], int]:
    """Link each register organisation to the gazetteer body its name or an alias stands for.

    A name that stands for several bodies ("Ministry of Defence" with no country) links nothing:
    only unambiguous names do. Returns the links now in place and how many changed.
    """
    gaz = gazetteer()
    wanted: dict[str, tuple[str, str]] = {}
    for entry in register_entries(session):
        for name in entry.names:
            bodies = gaz.resolve(analyse(name))
            if len(bodies) == 1:
                wanted[entry.id] = (next(iter(bodies)), name)
                break
    current = {link.org_id: link for link in session.scalars(select(OrganisationBody))}
    changes: list[Change] = []
    for org_id, link in current.items():
        if org_id not in wanted or wanted[org_id][0] != link.body_id:
            before = {"body": link.body_id, "name": link.name}
            changes.append(Change("unlink", "organisation_body", org_id, before, None))
            session.delete(link)
    session.flush()
    for org_id, (body_id, name) in wanted.items():
        existing = current.get(org_id)
        if existing is not None and existing.body_id == body_id:
            continue
        session.add(OrganisationBody(org_id=org_id, body_id=body_id, name=name, linked_at=now_iso()))
        changes.append(Change("link", "organisation_body", org_id, None, {"body": body_id, "name": name}))
    session.flush()
    AuditTrail(session, actor).record_many(changes)
    links = list(session.scalars(select(OrganisationBody).order_by(OrganisationBody.org_id)))
    return links, len(changes)

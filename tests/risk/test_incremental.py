"""A correction, a linked mention or a register import re-assesses the relationships it touches, and no other.

Every test runs on SQLite and PostgreSQL (tests/conftest.py). The demo register and documents, with
two fictional reports written here, are assessed once as of FIRST. A change is then re-assessed as
of NEXT, the day after, so that every relationship it selects gets a new version even where only
the date differs: counting versions shows exactly which relationships were re-assessed. Where a
change is re-assessed on the same day instead, only relationships whose inputs changed get a
version, and a full re-assessment afterwards stores nothing: the incremental one missed nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.helpers import write_csv
from vigie.audit.verify import history, verify
from vigie.demo import DATA, DEMO_PROVIDER, TERRITORIES
from vigie.evidence import service as evidence
from vigie.evidence.tables import ClaimLink, ClaimRecord, Correction, MentionRecord
from vigie.register.service import import_files
from vigie.register.specs import SPECS
from vigie.register.tables import Service, Subscription
from vigie.risk import incremental, service
from vigie.risk.evidence_source import claims_from_evidence
from vigie.risk.gather import ASSESSED_FIELDS
from vigie.risk.incremental import Reassessor
from vigie.risk.policy import Policy, PolicyError, default_policy
from vigie.risk.service import ReassessReport
from vigie.risk.tables import AssessmentRecord
from vigie.store.engine import session_scope

POLICY = default_policy()
PROVIDER = (DEMO_PROVIDER,)
FIRST = date(2025, 12, 1)
NEXT = date(2025, 12, 2)

CAMPUS = """---
title: "University used cloud AI to watch protesting students"
publisher: Campus Watch (fictional)
kind: ngo
date: 2025-11-03
language: en
---
# University used cloud AI to watch protesting students

Campus Watch has found that the Université de Lisière used Cumulo AI Studio for the mass surveillance of students who took part in peaceful protests on campus.

*This report is fictional, written for vigie's tests.*
"""

HOSPITAL = """---
title: "Hospital group used cloud storage to track patients"
publisher: Health Rights Monitor (fictional)
kind: ngo
date: 2025-11-10
language: en
---
# Hospital group used cloud storage to track patients

Health Rights Monitor has found that the Northvale Hospital Group used Cumulo Object Storage for the mass surveillance of patients who joined a strike.

*This report is fictional, written for vigie's tests.*
"""


def load(engine: Engine, tmp_path: Path) -> dict[str, AssessmentRecord]:
    """The demo's book of business and evidence plus the two reports, every relationship assessed as of FIRST."""
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    docs = tmp_path / "reports"
    docs.mkdir()
    (docs / "campus.md").write_text(CAMPUS, encoding="utf-8")
    (docs / "hospital.md").write_text(HOSPITAL, encoding="utf-8")
    report = evidence.ingest(engine, [DATA / "documents", docs], "alice", use_ner=False)
    assert len(report.added) == 5
    with session_scope(engine) as session:
        first = service.reassess(
            session, POLICY, claims_from_evidence, "alice", "first assessment", FIRST, provider_names=PROVIDER
        )
    assert first.changed == 9
    return current(engine)


def reassessor(as_of: date = NEXT, policy: Callable[[], Policy] = default_policy) -> Reassessor:
    return Reassessor("bob", policy, as_of, PROVIDER)


def current(engine: Engine) -> dict[str, AssessmentRecord]:
    with session_scope(engine) as session:
        return {r.subscription_id: r for r in service.current_assessments(session, limit=None)}


def new_versions(before: dict[str, AssessmentRecord], after: dict[str, AssessmentRecord]) -> set[str]:
    """Subscriptions whose current assessment is a newer version than before (one newer: no more)."""
    assert set(after) == set(before)
    newer = {sid for sid, rec in after.items() if rec.version != before[sid].version}
    assert all(after[sid].version == before[sid].version + 1 for sid in newer)
    return newer


def claims_naming(engine: Engine, org_id: str) -> list[ClaimRecord]:
    with session_scope(engine) as session:
        linked = select(ClaimLink.claim_id).where(ClaimLink.kind == "organisation", ClaimLink.entity_id == org_id)
        return list(session.scalars(select(ClaimRecord).where(ClaimRecord.id.in_(linked), ~ClaimRecord.rejected)))


def mention(engine: Engine, text: str) -> MentionRecord:
    with session_scope(engine) as session:
        return session.scalars(select(MentionRecord).where(MentionRecord.text == text)).one()


def cited_documents(record: AssessmentRecord) -> set[str]:
    return {c["document_id"] for h in record.body["harms"] for f in h["factors"] for c in f["citations"]}


# ------------------------------------------------------------------------------------- corrections


def test_rejecting_a_claim_lowers_the_assessment_it_supported_and_touches_no_other(
    engine: Engine, tmp_path: Path
) -> None:
    before = load(engine, tmp_path)
    assert before["sub-lisiere-ai"].worst_harm == "privacy" and before["sub-lisiere-ai"].band != "low"
    [claim] = claims_naming(engine, "org-fr-lisiere")
    with session_scope(engine) as session:
        corrected, report = incremental.correct(
            session, reassessor(), lambda s: evidence.reject_claim(s, claim.id, "bob", "the report was withdrawn")
        )
    assert corrected.organisations == {"org-fr-lisiere"}
    assert report == ReassessReport(assessed=1, changed=1, unchanged=0)
    after = current(engine)
    assert new_versions(before, after) == {"sub-lisiere-ai"}
    lisiere = after["sub-lisiere-ai"]
    assert lisiere.worst_harm is None and lisiere.band == "low" and lisiere.action == "monitor"
    assert lisiere.priority < before["sub-lisiere-ai"].priority
    assert claim.document_id not in cited_documents(lisiere)
    c = corrected.correction
    assert lisiere.reason == (
        f"correction {c.id}: reject-claim in {claim.document_id} at {claim.start}-{claim.end} (the report was withdrawn)"
    )
    with session_scope(engine) as session:
        # Audited like every version: who, and the correction as the reason, in the same chain.
        last = history(session, "sub-lisiere-ai", "assessment")[-1]
        assert last.actor == "bob" and last.context == lisiere.reason and json.loads(last.after)["version"] == 2
        assert history(session, str(c.id), "correction")[-1].action == "reject-claim"
        assert verify(session).ok


def test_linking_a_mention_to_an_organisation_brings_its_claim_into_that_organisations_assessments(
    engine: Engine, tmp_path: Path
) -> None:
    before = load(engine, tmp_path)
    hospital = mention(engine, "Northvale Hospital Group")  # not in the register: unlinked
    assert hospital.entity_id is None
    assert all(before[s].worst_harm is None for s in ("sub-val-clair-storage", "sub-val-clair-compute"))
    with session_scope(engine) as session:
        corrected, report = incremental.correct(
            session,
            reassessor(),
            lambda s: evidence.link_mention(
                s, hospital.document_id, hospital.start, hospital.end, "org-fr-val-clair", "bob"
            ),
        )
    assert corrected.organisations == {"org-fr-val-clair"}
    assert report == ReassessReport(assessed=2, changed=2, unchanged=0)
    after = current(engine)
    assert new_versions(before, after) == {"sub-val-clair-storage", "sub-val-clair-compute"}
    for sid in ("sub-val-clair-storage", "sub-val-clair-compute"):
        assert after[sid].worst_harm == "privacy" and after[sid].priority > before[sid].priority
        assert hospital.document_id in cited_documents(after[sid])
    # The report names the storage service: that relationship is the more specific, and ranks higher.
    assert after["sub-val-clair-storage"].likelihood > after["sub-val-clair-compute"].likelihood


def test_a_claim_moved_from_one_organisation_to_another_touches_both(engine: Engine, tmp_path: Path) -> None:
    before = load(engine, tmp_path)
    university = mention(engine, "Université de Lisière")
    assert university.entity_id == "org-fr-lisiere"
    with session_scope(engine) as session:
        corrected, report = incremental.correct(
            session,
            reassessor(),
            lambda s: evidence.link_mention(
                s, university.document_id, university.start, university.end, "org-de-ardent", "bob"
            ),
        )
    assert corrected.organisations == {"org-fr-lisiere", "org-de-ardent"}
    assert report == ReassessReport(assessed=2, changed=2, unchanged=0)
    after = current(engine)
    assert new_versions(before, after) == {"sub-lisiere-ai", "sub-ardent-storage"}
    assert after["sub-lisiere-ai"].worst_harm is None and before["sub-lisiere-ai"].worst_harm == "privacy"
    assert after["sub-ardent-storage"].worst_harm == "privacy" and before["sub-ardent-storage"].worst_harm is None


def test_a_claim_added_by_hand_counts_and_a_correction_outside_every_claim_reassesses_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    before = load(engine, tmp_path)
    assert claims_naming(engine, "org-ie-harbour-transit") == []  # nothing names the transit authority yet
    hospital = mention(engine, "Northvale Hospital Group")
    with session_scope(engine) as session:
        sentence = session.scalars(select(ClaimRecord).where(ClaimRecord.document_id == hospital.document_id)).one()
        corrected, report = incremental.correct(
            session,
            reassessor(),
            lambda s: evidence.add_claim(
                s, hospital.document_id, sentence.start, sentence.end, "alleges", "bob", harms=["privacy"],
                org_ids=["org-ie-harbour-transit"], note="the strike was at the transit authority",
            ),
        )  # fmt: skip
    assert corrected.organisations == {"org-ie-harbour-transit"}
    assert report == ReassessReport(assessed=1, changed=1, unchanged=0)
    after = current(engine)
    assert new_versions(before, after) == {"sub-harbour-compute"}
    assert after["sub-harbour-compute"].worst_harm == "privacy"

    # A mention in the title, which no claim quotes: the correction is kept, nothing is re-assessed.
    with session_scope(engine) as session:
        title = session.scalars(
            select(MentionRecord).where(
                MentionRecord.document_id == hospital.document_id, MentionRecord.end < sentence.start
            )
        ).first()
        assert title is not None
        corrected, report = incremental.correct(
            session,
            reassessor(),
            lambda s: evidence.link_mention(s, title.document_id, title.start, title.end, "org-fr-lisiere", "bob"),
        )
    assert corrected.organisations == frozenset() and report is None
    assert new_versions(after, current(engine)) == set()


def test_a_correction_and_its_reassessment_commit_together(engine: Engine, tmp_path: Path) -> None:
    """A re-assessment that fails (here, a broken policy) takes the correction back with it."""
    before = load(engine, tmp_path)
    [claim] = claims_naming(engine, "org-fr-lisiere")

    def broken() -> Policy:
        raise PolicyError("ours.yaml: priority: missing")

    with pytest.raises(PolicyError), session_scope(engine) as session:
        incremental.correct(session, reassessor(policy=broken), lambda s: evidence.reject_claim(s, claim.id, "bob"))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Correction)) == 0
        assert session.get(ClaimRecord, claim.id).rejected is False  # type: ignore[union-attr]
        assert verify(session).ok
    assert new_versions(before, current(engine)) == set()


def test_nothing_is_reassessed_before_the_first_assessment(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    (tmp_path / "campus.md").write_text(CAMPUS, encoding="utf-8")
    report, reassessed = incremental.ingest(engine, [tmp_path / "campus.md"], "alice", reassessor(), use_ner=False)
    assert report.added and "org-fr-lisiere" in report.organisations and reassessed is None
    [claim] = claims_naming(engine, "org-fr-lisiere")
    with session_scope(engine) as session:
        corrected, outcome = incremental.correct(
            session, reassessor(), lambda s: evidence.reject_claim(s, claim.id, "bob")
        )
    assert corrected.organisations == {"org-fr-lisiere"} and outcome is None
    assert current(engine) == {}


def test_an_extraction_replaced_reports_the_organisations_it_named(engine: Engine, tmp_path: Path) -> None:
    """Extracted again, a document may stop naming an organisation a correction had given it: that one is touched too."""
    load(engine, tmp_path)
    university = mention(engine, "Université de Lisière")
    with session_scope(engine) as session:
        evidence.link_mention(session, university.document_id, university.start, university.end, "org-de-ardent", "bob")
        # As if the correction had been taken back by hand: the next extraction no longer names Ardent.
        session.execute(Correction.__table__.delete())
    report, reassessed = incremental.ingest(
        engine, [tmp_path / "reports" / "campus.md"], "carol", reassessor(), reextract=True, use_ner=False
    )
    assert report.reextracted and {"org-fr-lisiere", "org-de-ardent"} <= report.organisations
    assert reassessed is not None and reassessed.assessed == 2
    after = current(engine)
    assert after["sub-ardent-storage"].worst_harm is None and after["sub-lisiere-ai"].worst_harm == "privacy"
    assert after["sub-ardent-storage"].reason == "evidence: 0 new document(s), 1 extracted again"


# --------------------------------------------------------------------------------- register imports


def flag_france(after: dict[str, AssessmentRecord]) -> None:
    for sid in ("sub-val-clair-storage", "sub-val-clair-compute", "sub-lisiere-ai"):
        assert after[sid].heightened
        assert "France: conflict-affected (source: Test source (fictional), 2025-11-30)" in json.dumps(
            after[sid].body, ensure_ascii=False
        )


def storage_in_workplace(after: dict[str, AssessmentRecord]) -> None:
    assert after["sub-imod-workplace"].involvement == "contribute"


def aman_under_the_ministry(after: dict[str, AssessmentRecord]) -> None:
    assert after["sub-8200-storage"].band == "critical"


REGISTER_CHANGES: dict[str, tuple[str, tuple[str, ...], list[tuple[str, ...]], set[str], Any]] = {
    # Every subscription declaring France, and no other.
    "territory-flagged": (
        "territory_flags.csv", ("territory_id", "flag", "source", "as_of"),
        [("FR", "conflict-affected", "Test source (fictional)", "2025-11-30")],
        {"sub-val-clair-storage", "sub-val-clair-compute", "sub-lisiere-ai"}, flag_france,
    ),
    # The directorate moves from the armed forces to the ministry: its unit's lineage changes (the
    # unit's two subscriptions); the armed forces lose two units (no subscriptions); the ministry,
    # an ancestor before and after, keeps the same units, and its relationships are not touched.
    "unit-moved": (
        "organisations.csv", ("id", "name", "kind", "parent_id"),
        [("org-il-aman", "Military Intelligence Directorate", "intelligence-agency", "org-il-mod")],
        {"sub-8200-storage", "sub-8200-ai"}, aman_under_the_ministry,
    ),
    # Workplace gains storage: the one subscription to it now contributes.
    "capability-changed": (
        "services.csv", ("id", "name", "provider", "capabilities"),
        [("svc-cumulo-workplace", "Cumulo Workplace", "Cumulo Cloud", "communications;productivity;storage")],
        {"sub-imod-workplace"}, storage_in_workplace,
    ),
}  # fmt: skip


@pytest.mark.parametrize("when", [FIRST, NEXT], ids=["same-day", "next-day"])
@pytest.mark.parametrize("change", sorted(REGISTER_CHANGES))
def test_a_register_import_reassesses_exactly_the_relationships_it_touches(
    engine: Engine, tmp_path: Path, change: str, when: date
) -> None:
    before = load(engine, tmp_path)
    name, header, rows, touched, check = REGISTER_CHANGES[change]
    path = write_csv(tmp_path / name, header, rows)
    report, reassessed = incremental.import_register(engine, [path], "bob", reassessor(when))
    assert not report.nothing_changed
    # Next day, every relationship selected gets a version: exactly those touched were selected.
    # Same day, only those whose inputs changed get one: the same ones.
    assert reassessed == ReassessReport(assessed=len(touched), changed=len(touched), unchanged=0)
    after = current(engine)
    assert new_versions(before, after) == touched
    counts = report.counts[name.removesuffix(".csv")]
    done = f"{counts['added']} added, {counts['changed']} changed"
    assert {after[s].reason for s in touched} == {f"register import {name} ({name.removesuffix('.csv')}: {done})"}
    check(after)
    if when == FIRST:
        with session_scope(engine) as session:
            full = service.reassess(
                session, POLICY, claims_from_evidence, "carol", "full", FIRST, provider_names=PROVIDER
            )
            assert full == ReassessReport(assessed=9, changed=0, unchanged=9)  # nothing was missed
            assert verify(session).ok


def test_a_register_import_and_its_reassessment_commit_together(engine: Engine, tmp_path: Path) -> None:
    before = load(engine, tmp_path)
    name, header, rows, _touched, _check = REGISTER_CHANGES["capability-changed"]
    path = write_csv(tmp_path / name, header, rows)

    def broken() -> Policy:
        raise PolicyError("ours.yaml: priority: missing")

    with pytest.raises(PolicyError):
        incremental.import_register(engine, [path], "bob", reassessor(policy=broken))
    with session_scope(engine) as session:
        workplace = session.get(Service, "svc-cumulo-workplace")
        assert workplace is not None and workplace.capabilities == ["communications", "productivity"]
    assert new_versions(before, current(engine)) == set()
    # Without a re-assessment (`vigie register import --no-assess`) the import goes through alone.
    report, reassessed = incremental.import_register(engine, [path], "bob", None)
    assert report.counts["services"]["changed"] == 1 and reassessed is None
    assert new_versions(before, current(engine)) == set()


# A new value for every register field that no assessment reads (see gather.ASSESSED_FIELDS).
UNREAD: dict[str, dict[str, Callable[[Any], Any]]] = {
    "territories": {"kind": lambda v: "country" if v == "territory" else "territory", "country": lambda _v: "BE",
                    "source": lambda v: f"{v} (checked)"},
    "territory_flags": {"note": lambda _v: "checked again"},
    "organisations": {"name": lambda v: f"{v} (renamed)", "country": lambda _v: "BE",
                      "identifiers": lambda _v: {"test": "1"}, "description": lambda _v: "changed",
                      "source": lambda v: f"{v} (checked)", "fictional": lambda v: not v},
    "aliases": {"script": lambda _v: "Zyyy", "source": lambda v: f"{v} (checked)"},
    "services": {"provider": lambda _v: "Other Cloud", "description": lambda _v: "changed",
                 "source": lambda v: f"{v} (checked)", "fictional": lambda v: not v},
    "subscriptions": {"region": lambda _v: "elsewhere", "datacentre_country": lambda _v: "BE",
                      "start_date": lambda _v: "2020-01-01", "end_date": lambda _v: "2030-01-01",
                      "status": lambda v: "suspended" if v != "suspended" else "active",
                      "declared_end_use": lambda _v: "changed", "value": lambda _v: "1.00",
                      "currency": lambda _v: "EUR", "source": lambda v: f"{v} (checked)", "fictional": lambda v: not v},
}  # fmt: skip
IDENTITY = {"id", "org_id", "name", "lang"}  # an alias's id is derived from its organisation, name and language


def test_changing_every_field_no_assessment_reads_reassesses_nothing_and_changes_no_assessment(
    engine: Engine, tmp_path: Path
) -> None:
    """The guard on `ASSESSED_FIELDS`: a register field it leaves out must not change any assessment."""
    for spec in SPECS.values():
        unread = set(spec.columns) - set(ASSESSED_FIELDS.get(spec.name, ())) - {"id"}
        if spec.name == "aliases":
            unread -= IDENTITY
        assert set(UNREAD[spec.name]) == unread, (
            f"{spec.name}: does an assessment read {unread ^ set(UNREAD[spec.name])}?"
        )
    before = load(engine, tmp_path)
    data = {
        **json.loads(TERRITORIES.read_text(encoding="utf-8")),
        **json.loads((DATA / "register.json").read_text(encoding="utf-8")),
    }
    data.pop("vigie", None)
    for entity, rows in data.items():
        for row in rows:
            for column, change in UNREAD[entity].items():
                row[column] = change(row.get(column))
    changed = tmp_path / "register-checked.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report, reassessed = incremental.import_register(engine, [changed], "bob", reassessor())
    assert all(report.counts[entity]["changed"] == len(rows) for entity, rows in data.items())
    assert reassessed is None
    assert new_versions(before, current(engine)) == set()
    # Assessed afresh on the same day, every relationship says exactly what it said. (Statuses and
    # names ride in the inputs digest, so their relationships get a version, with the same body.)
    with session_scope(engine) as session:
        service.reassess(session, POLICY, claims_from_evidence, "carol", "full", FIRST, provider_names=PROVIDER)
        assert (
            session.scalar(select(func.count()).select_from(Subscription).where(Subscription.status == "active")) == 0
        )
    after = current(engine)
    assert {sid: r.body for sid, r in after.items()} == {sid: r.body for sid, r in before.items()}

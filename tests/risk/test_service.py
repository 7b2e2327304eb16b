from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from tests.risk.builders import GAZA, claim
from vigie.audit.verify import verify
from vigie.demo import DATA, TERRITORIES
from vigie.register.service import import_files
from vigie.register.tables import Subscription
from vigie.risk import gather, service
from vigie.risk.inputs import Claim
from vigie.risk.policy import default_policy
from vigie.risk.tables import AssessmentRecord
from vigie.store.engine import session_scope

POLICY = default_policy()
AS_OF = date(2025, 12, 1)


class Claims:
    """A claim source the test controls, standing in for the evidence stage's reader."""

    def __init__(self, claims: list[Claim]) -> None:
        self.claims = claims
        self.asked: list[set[str]] = []

    def __call__(self, _session: Session, org_ids: set[str]) -> list[Claim]:
        self.asked.append(org_ids)
        return [c for c in self.claims if set(c.org_ids) & org_ids]


def setup_register(engine: Engine) -> None:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")


def run(engine: Engine, source: Claims, **kwargs: object) -> service.ReassessReport:
    with session_scope(engine) as session:
        return service.reassess(session, POLICY, source, "alice", "test", AS_OF, **kwargs)  # type: ignore[arg-type]


def test_full_assessment_ranks_the_unit_first_and_keeps_civilians_low(engine: Engine) -> None:
    setup_register(engine)
    source = Claims(
        [
            claim(
                orgs=("org-il-unit-8200",),
                harms=("privacy", "life"),
                capabilities=("storage", "ai-model"),
                territories=(GAZA,),
            ),
            claim(
                orgs=("org-il-unit-8200",), harms=("life",), publisher="Paper", kind="media", capabilities=("storage",)
            ),
            claim(
                stance="confirms", orgs=("org-il-unit-8200",), harms=(), publisher="Cumulo", kind="company-statement"
            ),
        ]
    )
    report = run(engine, source)
    assert report.assessed == 9 and report.changed == 9
    with session_scope(engine) as session:
        ranked = service.current_assessments(session, limit=None)
        top = [r.subscription_id for r in ranked[:2]]
        assert set(top) == {"sub-8200-storage", "sub-8200-ai"}
        assert ranked[0].involvement == "contribute" and ranked[0].heightened
        assert ranked[0].action == "suspend-pending-investigation"
        civilians = [r for r in ranked if r.org_id.startswith(("org-fr", "org-de", "org-ie"))]
        assert all(r.band == "low" for r in civilians)
        assert {r.subscription_id for r in ranked[-len(civilians) :]} == {r.subscription_id for r in civilians}
        assert verify(session).ok


def test_reassessing_unchanged_inputs_stores_nothing(engine: Engine) -> None:
    setup_register(engine)
    source = Claims([claim(orgs=("org-il-unit-8200",))])
    run(engine, source)
    again = run(engine, source)
    assert again.changed == 0 and again.unchanged == 9


def test_new_evidence_reassesses_only_the_relationships_it_touches(engine: Engine) -> None:
    setup_register(engine)
    source = Claims([])
    run(engine, source)
    source.claims.append(claim(orgs=("org-fr-val-clair",), harms=("privacy",), territories=()))
    report = run(engine, source, org_ids=["org-fr-val-clair"])
    assert report.assessed == 2 and report.changed == 2
    with session_scope(engine) as session:
        versions = {
            r.subscription_id: r.version
            for r in session.scalars(select(AssessmentRecord).where(AssessmentRecord.current.is_(True)))
        }
    assert versions["sub-val-clair-storage"] == 2 and versions["sub-8200-storage"] == 1


def test_evidence_about_a_unit_reaches_its_ministry(engine: Engine) -> None:
    setup_register(engine)
    source = Claims([])
    run(engine, source)
    source.claims.append(claim(orgs=("org-il-unit-8200",), harms=("life",)))
    report = run(engine, source, org_ids=["org-il-unit-8200"])
    # The unit's two subscriptions and its ministry's two.
    assert report.assessed == 4


def test_diff_since_the_last_review_says_what_changed_and_why(engine: Engine) -> None:
    setup_register(engine)
    source = Claims([])
    run(engine, source)
    with session_scope(engine) as session:
        service.mark_reviewed(session, "alice", "weekly review")
    source.claims.append(claim(orgs=("org-il-unit-8200",), harms=("life",)))
    with session_scope(engine) as session:
        service.reassess(session, POLICY, source, "bob", "ingested document d-42", AS_OF, org_ids=["org-il-unit-8200"])
    with session_scope(engine) as session:
        review, changes = service.diff_since_review(session)
        assert review is not None and review.note == "weekly review"
        changed = {d.subscription_id: d for d in changes}
        assert "sub-8200-storage" in changed
        d = changed["sub-8200-storage"]
        assert d.reasons == ["ingested document d-42"]
        assert d.fields["worst_harm"] == (None, "life")
        assert "sub-val-clair-storage" not in changed


def test_a_selection_larger_than_one_query_reads_each_relationship_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_IDS_PER_QUERY ids the selection is read in several queries, without repeating a subscription."""
    setup_register(engine)
    with session_scope(engine) as session:
        # Bought by the ministry for the unit: its customer and its end user are both selected below.
        session.execute(
            update(Subscription)
            .where(Subscription.id == "sub-8200-storage")
            .values(customer_id="org-il-mod", end_user_id="org-il-unit-8200")
        )

    def selected(**kwargs: object) -> list[str]:
        with session_scope(engine) as session:
            index = gather.load_index(session)
            return [r.subscription_id for batch in gather.relationships(session, index, **kwargs) for r in batch]  # type: ignore[arg-type]

    orgs = ["org-il-mod", "org-il-unit-8200", "org-fr-val-clair"]
    subs = ["sub-ardent-storage", "sub-lisiere-ai", "sub-nowhere"]
    whole = selected(org_ids=orgs, subscription_ids=subs)
    assert sorted(whole) == whole and set(whole) == {
        "sub-8200-storage", "sub-8200-ai", "sub-imod-translate", "sub-imod-workplace", "sub-val-clair-storage",
        "sub-val-clair-compute", "sub-ardent-storage", "sub-lisiere-ai",
    }  # fmt: skip
    assert selected(org_ids=[], subscription_ids=[]) == []
    monkeypatch.setattr(gather, "MAX_IDS_PER_QUERY", 1)
    pieces = selected(org_ids=orgs, subscription_ids=subs)
    assert len(pieces) == len(set(pieces)) and set(pieces) == set(whole)
    assert selected(org_ids=[], subscription_ids=[]) == []
    # And a re-assessment over the same selection stores the same thing.
    source = Claims([claim(orgs=("org-il-unit-8200",), harms=("life",))])
    report = run(engine, source, org_ids=["org-il-unit-8200"])
    monkeypatch.setattr(gather, "MAX_IDS_PER_QUERY", 5_000)
    assert report.assessed == 4 and run(engine, source, org_ids=["org-il-unit-8200"]).changed == 0

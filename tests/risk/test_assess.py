from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.risk.builders import AS_OF, GAZA, PARIS, claim, unit_storage
from vigie.risk.assess import assess, severity_of
from vigie.risk.inputs import Claim
from vigie.risk.policy import default_policy

POLICY = default_policy()


def test_no_evidence_and_no_context_is_low_priority() -> None:
    rel = unit_storage(org_kind="healthcare", declared_territories=(PARIS,), lineage=())
    result = assess(rel, [], POLICY, AS_OF)
    assert result.severity == 0 and result.likelihood == 0 and not result.heightened
    assert result.band == "low" and result.action == "monitor"
    assert "inherent risk of a healthcare customer" in result.factors[-1].explanation


def test_a_conflict_territory_makes_diligence_heightened_and_names_its_source() -> None:
    result = assess(unit_storage(declared_territories=(GAZA,)), [], POLICY, AS_OF)
    assert result.heightened
    heightened = next(f for f in result.factors if f.name == "heightened due diligence")
    assert "Gaza Strip: conflict-affected (source: UN OCHA" in heightened.explanation
    assert "security-sector body (military-unit)" in heightened.explanation
    assert heightened.clauses == ("CTX-1",)


def test_severity_follows_the_policy_components() -> None:
    assert severity_of(POLICY, "life") > severity_of(POLICY, "privacy") > severity_of(POLICY, "expression-assembly")
    h = POLICY.harms["life"]
    expected = 0.6 * max(h.scale, h.scope, h.irremediability) + 0.4 * (h.scale + h.scope + h.irremediability) / 3
    assert severity_of(POLICY, "life") == round(expected, 3)


def test_worst_credible_harm_drives_the_assessment_and_cites_its_quotes() -> None:
    claims = [claim(harms=("privacy",)), claim(harms=("life",), publisher="Daily (test)", kind="media")]
    result = assess(unit_storage(), claims, POLICY, AS_OF)
    assert result.worst_harm == "life"
    assert result.heightened  # Gaza comes from the claims' places
    life = result.harms[0]
    assert life.clauses == ("AUP-2", "AI-1")
    source = next(f for f in life.factors if f.name == "independent source")
    assert source.citations[0].quote.startswith("quote") and "Daily (test)" in source.explanation


def test_storage_contributes_and_a_generic_service_is_directly_linked() -> None:
    assert assess(unit_storage(), [claim()], POLICY, AS_OF).involvement == "contribute"
    office = unit_storage(capabilities=("productivity",))
    assert assess(office, [claim(capabilities=())], POLICY, AS_OF).involvement == "directly-linked"


def test_independent_sources_count_once_per_publisher() -> None:
    one = assess(unit_storage(), [claim(publisher="A"), claim(publisher="A")], POLICY, AS_OF)
    two = assess(unit_storage(), [claim(publisher="A"), claim(publisher="B")], POLICY, AS_OF)
    assert one.harms[0].sources == ("a",)
    assert two.harms[0].sources == ("a", "b")
    assert two.likelihood > one.likelihood


def test_the_providers_confirmation_corroborates() -> None:
    base = [claim()]
    confirmed = [*base, claim(stance="confirms", harms=(), publisher="Provider", kind="company-statement")]
    assert (
        assess(unit_storage(), confirmed, POLICY, AS_OF).likelihood
        > assess(unit_storage(), base, POLICY, AS_OF).likelihood
    )


def test_a_denial_is_kept_beside_and_never_removes_the_allegation() -> None:
    alleged = assess(unit_storage(), [claim()], POLICY, AS_OF)
    denied = assess(
        unit_storage(), [claim(), claim(stance="denies", publisher="Provider", kind="company-statement")], POLICY, AS_OF
    )
    assert denied.likelihood == alleged.likelihood
    assert len(denied.harms[0].denials) == 1


def test_evidence_about_a_unit_bears_on_its_ministry_with_less_weight() -> None:
    ministry = unit_storage(org_id="org-ministry", org_kind="ministry", lineage=(), units=("org-army", "org-unit"))
    own = assess(unit_storage(), [claim()], POLICY, AS_OF)
    parents = assess(ministry, [claim()], POLICY, AS_OF)
    assert 0 < parents.likelihood < own.likelihood
    assert "about the unit" in next(f for f in parents.harms[0].factors if f.name == "independent source").explanation


def test_critical_band_recommends_suspension_pending_investigation() -> None:
    claims = [
        claim(harms=("life", "privacy"), publisher="NGO A"),
        claim(harms=("life",), publisher="Paper B", kind="media"),
        claim(stance="confirms", harms=(), publisher="Provider", kind="company-statement"),
    ]
    result = assess(unit_storage(), claims, POLICY, AS_OF)
    assert result.band == "critical" and result.action == "suspend-pending-investigation"


def test_assessment_is_deterministic() -> None:
    claims = [claim(harms=("life",)), claim(harms=("liberty",), publisher="X")]
    assert assess(unit_storage(), claims, POLICY, AS_OF) == assess(
        unit_storage(), list(reversed(claims)), POLICY, AS_OF
    )


claims_strategy = st.lists(
    st.builds(
        claim,
        stance=st.sampled_from(["alleges", "finds", "confirms", "denies", "demands", "acts"]),
        harms=st.sampled_from([("privacy",), ("life",), ("privacy", "liberty")]),
        publisher=st.sampled_from(["A", "B", "C", "Provider"]),
        kind=st.sampled_from(["ngo", "media", "un-body", "company-statement", "other"]),
        published=st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 11, 30)),
        capabilities=st.sampled_from([(), ("storage",), ("translation",)]),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(existing=claims_strategy, more=claims_strategy)
def test_more_evidence_never_lowers_likelihood(existing: list[Claim], more: list[Claim]) -> None:
    before = assess(unit_storage(), existing, POLICY, AS_OF)
    after = assess(unit_storage(), existing + more, POLICY, AS_OF)
    for harm in before.harms:
        later = next(h for h in after.harms if h.harm == harm.harm)
        assert later.likelihood >= harm.likelihood
    assert after.priority >= before.priority


@settings(max_examples=100, deadline=None)
@given(existing=claims_strategy)
def test_a_denial_alone_never_removes_an_allegation(existing: list[Claim]) -> None:
    before = assess(unit_storage(), existing, POLICY, AS_OF)
    denials = [
        claim(stance="denies", harms=h.harm and (h.harm,), publisher="Provider", kind="company-statement")
        for h in before.harms
    ]
    after = assess(unit_storage(), existing + denials, POLICY, AS_OF)
    assert [h.harm for h in after.harms] == [h.harm for h in before.harms]
    assert [h.likelihood for h in after.harms] == [h.likelihood for h in before.harms]

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.risk.builders import AS_OF, GAZA, PARIS, claim, unit_storage
from vigie.risk.assess import InputsDigest, assess, inputs_digest, severity_of
from vigie.risk.inputs import Claim, Relationship
from vigie.risk.policy import default_policy, policy_digest

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


denials_strategy = st.lists(
    st.builds(
        claim,
        stance=st.just("denies"),
        harms=st.sampled_from([("privacy",), ("life",), ("privacy", "liberty"), ()]),
        # The provider, or a publisher that also alleges: a denial never outweighs an allegation.
        publisher=st.sampled_from(["A", "B", "Provider", "Ministry"]),
        kind=st.sampled_from(["company-statement", "internal", "un-body", "ngo", "other"]),
        published=st.one_of(st.none(), st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 11, 30))),
        capabilities=st.sampled_from([(), ("storage",), ("professional-services",)]),
        services=st.sampled_from([(), ("svc-storage",)]),
        territories=st.sampled_from([(), (GAZA,), (PARIS,)]),
        attributed_to=st.sampled_from([None, "Provider", "the ministry"]),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(existing=claims_strategy, denials=denials_strategy)
def test_a_denial_alone_never_removes_an_allegation(existing: list[Claim], denials: list[Claim]) -> None:
    """Denials are shown beside the harm; they change no number, whoever makes them."""
    rel = unit_storage()
    before = assess(rel, existing, POLICY, AS_OF, provider_names=("Provider",))
    after = assess(rel, existing + denials, POLICY, AS_OF, provider_names=("Provider",))
    assert [h.harm for h in after.harms] == [h.harm for h in before.harms]
    assert [h.likelihood for h in after.harms] == [h.likelihood for h in before.harms]
    assert (after.worst_harm, after.severity, after.likelihood, after.priority, after.band, after.involvement) == (
        before.worst_harm, before.severity, before.likelihood, before.priority, before.band, before.involvement,
    )  # fmt: skip
    for h in after.harms:
        denied = {d.claim_id for d in denials if h.harm in d.harms}
        assert denied <= {c.claim_id for c in h.denials}


# Source kinds from the least to the most credible under the default policy.
BY_CREDIBILITY = sorted(POLICY.credibility.tiers, key=lambda k: POLICY.credibility.tiers[k])


@st.composite
def stronger(draw: st.DrawFn, claims: list[Claim]) -> tuple[list[Claim], str]:
    """The same evidence with one alleging claim made stronger in one respect."""
    i = draw(st.integers(0, len(claims) - 1))
    old = claims[i]
    how = draw(st.sampled_from(["newer", "service-named", "more credible", "closer"]))
    if how == "newer":
        # An undated claim counts as one a half-life old.
        start = old.published or AS_OF - timedelta(days=POLICY.likelihood.recency_half_life_days)
        changes: dict[str, object] = {"published": draw(st.dates(min_value=start, max_value=AS_OF))}
    elif how == "service-named":
        changes = {"service_ids": ("svc-storage",)}
    elif how == "more credible":
        tiers = POLICY.credibility.tiers
        floor = tiers.get(old.source_kind, tiers["other"])
        changes = {"source_kind": draw(st.sampled_from([k for k in BY_CREDIBILITY if tiers[k] >= floor]))}
    else:
        changes = {"org_ids": ("org-unit",)}  # the customer itself rather than its ministry
    return [*claims[:i], replace(old, **changes), *claims[i + 1 :]], how  # type: ignore[arg-type]


allegations_strategy = st.lists(
    st.builds(
        claim,
        stance=st.sampled_from(["alleges", "finds", "confirms"]),
        harms=st.sampled_from([("privacy",), ("life",), ("privacy", "liberty")]),
        orgs=st.sampled_from([("org-unit",), ("org-ministry",)]),
        publisher=st.sampled_from(["A", "B", "C", "Provider"]),
        kind=st.sampled_from(["ngo", "media", "un-body", "court", "company-statement", "internal", "other"]),
        published=st.one_of(st.none(), st.dates(min_value=date(2015, 1, 1), max_value=date(2023, 11, 30))),
        capabilities=st.sampled_from([(), ("storage",), ("translation",)]),
        territories=st.sampled_from([(), (GAZA,)]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), existing=allegations_strategy)
def test_stronger_evidence_never_lowers_likelihood(data: st.DataObject, existing: list[Claim]) -> None:
    """A newer, more specific, more credible or closer claim never weighs less than the one it replaces."""
    strengthened, how = data.draw(stronger(existing))
    rel = unit_storage()
    before = assess(rel, existing, POLICY, AS_OF, provider_names=("Provider",))
    after = assess(rel, strengthened, POLICY, AS_OF, provider_names=("Provider",))
    for harm in before.harms:
        later = next(h for h in after.harms if h.harm == harm.harm)
        assert later.likelihood >= harm.likelihood, how
    assert after.likelihood >= before.likelihood, how
    assert after.priority >= before.priority, how


def original_digest(rel: Relationship, claims: list[Claim], as_of: date, provider_names: tuple[str, ...]) -> str:
    """The inputs digest as first defined (with `dataclasses.asdict`), which stored assessments carry."""
    payload = json.dumps(
        [
            asdict(rel),
            sorted((asdict(c) for c in claims), key=lambda d: d["claim_id"]),
            policy_digest(POLICY),
            as_of.isoformat(),
            list(provider_names),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


relationships_strategy = st.builds(
    unit_storage,
    subscription_id=st.text(min_size=1, max_size=12),
    org_name=st.text(max_size=20),  # any text: quotes, accents, other scripts, control characters
    lineage=st.sampled_from([(), ("org-army", "org-ministry")]),
    units=st.sampled_from([(), ("org-a", "org-b")]),
    capabilities=st.sampled_from([(), ("storage",), ("professional-services", "storage")]),
    declared_territories=st.sampled_from([(), (GAZA,), (PARIS, GAZA)]),
)


@settings(max_examples=150, deadline=None)
@given(
    rels=st.lists(relationships_strategy, min_size=1, max_size=4),
    claims=claims_strategy,
    providers=st.lists(st.text(max_size=8), max_size=2),
)
def test_the_fast_inputs_digest_is_the_definition(
    rels: list[Relationship], claims: list[Claim], providers: list[str]
) -> None:
    """`InputsDigest` (what a re-assessment uses) gives `inputs_digest`, and the digests stored so far stay valid."""
    names = tuple(providers)
    fast = InputsDigest(POLICY, AS_OF, names)
    for rel in rels:
        for subset in (claims, claims[:1], []):
            expected = inputs_digest(rel, subset, POLICY, AS_OF, names)
            assert fast(rel, subset) == expected == original_digest(rel, subset, AS_OF, names)


def test_the_inputs_digest_changes_with_every_input() -> None:
    rel, claims = unit_storage(), [claim()]
    base = inputs_digest(rel, claims, POLICY, AS_OF)
    assert inputs_digest(rel, claims, POLICY, AS_OF) == base
    assert inputs_digest(unit_storage(status="suspended"), claims, POLICY, AS_OF) != base
    assert inputs_digest(unit_storage(declared_territories=(GAZA,)), claims, POLICY, AS_OF) != base
    assert inputs_digest(rel, [*claims, claim(stance="denies")], POLICY, AS_OF) != base
    assert inputs_digest(rel, claims, POLICY, date(2026, 1, 1)) != base
    assert inputs_digest(rel, claims, POLICY, AS_OF, ("Provider",)) != base
    other = POLICY.model_copy(update={"version": "9.9.9"})
    assert inputs_digest(rel, claims, other, AS_OF) != base


@settings(max_examples=100, deadline=None)
@given(claims=claims_strategy, rel=relationships_strategy)
def test_the_stored_body_is_the_assessment_as_json(claims: list[Claim], rel: Relationship) -> None:
    result = assess(rel, claims, POLICY, AS_OF, ("Provider",))
    assert result.json_text() == json.dumps(result.to_json(), ensure_ascii=False)

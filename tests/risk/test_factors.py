"""Each factor and rule of the assessment, with the numbers docs/methodology.md gives for it.

The default policy's values (credibility tiers, specificity, relation weights, half-life, context
and corroboration, involvement weights, bands) are read from the policy, so these tests check the
formulas rather than restate the policy file.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from tests.risk.builders import AS_OF, GAZA, PARIS, claim, unit_storage
from vigie.risk.assess import RELATION_WEIGHT, Assessment, assess, band_for, recency, severity_of
from vigie.risk.inputs import Territory
from vigie.risk.policy import default_policy

POLICY = default_policy()
LK = POLICY.likelihood
TIERS = POLICY.credibility.tiers
MINISTRY = unit_storage(
    subscription_id="sub-ministry-storage",
    org_id="org-ministry",
    org_name="Ministry",
    org_kind="ministry",
    lineage=(),
    units=("org-army", "org-unit"),
)
PROFESSIONAL = unit_storage(
    subscription_id="sub-unit-engineering",
    service_id="svc-engineering",
    service_name="Custom Engineering",
    capabilities=("professional-services",),
)


def source_values(result: Assessment, harm: str = "privacy") -> list[float]:
    [h] = [h for h in result.harms if h.harm == harm]
    return [f.value for f in h.factors if f.name == "independent source"]


def factor(result: Assessment, name: str, harm: str | None = None) -> list[float]:
    factors = result.factors if harm is None else next(h for h in result.harms if h.harm == harm).factors
    return [f.value for f in factors if f.name == name]


# ------------------------------------------------------------------- one independent source's weight


def test_a_source_weighs_per_source_times_credibility_specificity_relation_and_recency() -> None:
    [value] = source_values(assess(unit_storage(), [claim(published=AS_OF)], POLICY, AS_OF))
    assert value == round(LK.per_independent_source * TIERS["ngo"] * LK.specificity["capability-named"], 4)


@pytest.mark.parametrize(
    ("rel", "orgs", "relation"),
    [
        (unit_storage(), ("org-unit",), "self"),
        (MINISTRY, ("org-unit",), "unit"),  # evidence about a unit, for its ministry
        (unit_storage(), ("org-ministry",), "parent"),  # evidence about the ministry, for its unit
    ],
)
def test_relation_weight_self_unit_parent(rel: object, orgs: tuple[str, ...], relation: str) -> None:
    result = assess(rel, [claim(orgs=orgs, published=AS_OF)], POLICY, AS_OF)  # type: ignore[arg-type]
    [value] = source_values(result)
    base = LK.per_independent_source * TIERS["ngo"] * LK.specificity["capability-named"]
    assert value == round(base * RELATION_WEIGHT[relation], 4)
    about = "customer" if relation == "self" else relation
    [h] = result.harms
    assert f"alleges it about the {about};" in next(f for f in h.factors if f.name == "independent source").explanation


def test_a_claim_about_an_unrelated_organisation_is_ignored() -> None:
    result = assess(unit_storage(), [claim(orgs=("org-elsewhere",))], POLICY, AS_OF)
    assert result.harms == () and result.worst_harm is None


@pytest.mark.parametrize(
    ("services", "capabilities", "specificity"),
    [
        (("svc-storage",), (), "service-named"),
        ((), ("storage",), "capability-named"),
        ((), ("translation",), "relationship-only"),
        (("svc-other",), (), "relationship-only"),
    ],
)
def test_specificity_to_this_service(
    services: tuple[str, ...], capabilities: tuple[str, ...], specificity: str
) -> None:
    result = assess(
        unit_storage(), [claim(services=services, capabilities=capabilities, published=AS_OF)], POLICY, AS_OF
    )
    [value] = source_values(result)
    assert value == round(LK.per_independent_source * TIERS["ngo"] * LK.specificity[specificity], 4)  # type: ignore[index]
    assert f"; {specificity};" in next(f for f in result.harms[0].factors if f.name == "independent source").explanation


def test_recency_halves_every_half_life_and_an_undated_claim_counts_half() -> None:
    half_life = LK.recency_half_life_days
    assert recency(AS_OF, AS_OF, half_life) == 1.0
    assert recency(AS_OF - timedelta(days=half_life), AS_OF, half_life) == 0.5
    assert recency(AS_OF - timedelta(days=2 * half_life), AS_OF, half_life) == 0.25
    assert recency(None, AS_OF, half_life) == 0.5
    assert recency(AS_OF + timedelta(days=30), AS_OF, half_life) == 1.0  # dated after the assessment: not fresher
    fresh, old = (
        source_values(assess(unit_storage(), [claim(published=d)], POLICY, AS_OF))[0]
        for d in (AS_OF, AS_OF - timedelta(days=half_life))
    )
    assert old == round(fresh * 0.5, 4)


@pytest.mark.parametrize("kind", ["un-body", "court", "ngo", "media", "company-statement", "internal", "other"])
def test_credibility_follows_the_source_kind_tier(kind: str) -> None:
    [value] = source_values(assess(unit_storage(), [claim(kind=kind, published=AS_OF)], POLICY, AS_OF))
    assert value == round(LK.per_independent_source * TIERS[kind] * LK.specificity["capability-named"], 4)


def test_an_unknown_source_kind_counts_as_other() -> None:
    unknown = source_values(assess(unit_storage(), [claim(kind="blog", published=AS_OF)], POLICY, AS_OF))
    other = source_values(assess(unit_storage(), [claim(kind="other", published=AS_OF)], POLICY, AS_OF))
    assert unknown == other


def test_a_publisher_counts_once_with_its_strongest_claim() -> None:
    weak = claim(publisher="Rights Watch", published=AS_OF - timedelta(days=3000))
    strong = claim(publisher="  rights watch ", published=AS_OF, services=("svc-storage",))
    result = assess(unit_storage(), [weak, strong], POLICY, AS_OF)
    assert source_values(result) == [round(LK.per_independent_source * TIERS["ngo"], 4)]
    [h] = result.harms
    assert h.sources == ("rights watch",)


# ------------------------------------------------------------------------------------- likelihood


def test_likelihood_is_context_plus_sources_plus_corroboration_capped() -> None:
    one = assess(unit_storage(), [claim(published=AS_OF)], POLICY, AS_OF)
    assert one.heightened
    source = LK.per_independent_source * TIERS["ngo"] * LK.specificity["capability-named"]
    assert one.likelihood == round(LK.base_from_context + source, 4)
    confirmed = assess(
        unit_storage(),
        [claim(published=AS_OF), claim(stance="confirms", harms=(), publisher="Provider", kind="company-statement")],
        POLICY,
        AS_OF,
    )
    assert confirmed.likelihood == round(LK.base_from_context + source + LK.corroboration_bonus, 4)
    many = [claim(publisher=f"UN body {i}", kind="un-body", services=("svc-storage",)) for i in range(10)]
    assert assess(unit_storage(), many, POLICY, AS_OF).likelihood == LK.cap


def test_without_heightened_context_there_is_no_context_term() -> None:
    result = assess(unit_storage(), [claim(published=AS_OF, territories=(PARIS,))], POLICY, AS_OF)
    assert not result.heightened and factor(result, "context", "privacy") == []
    assert result.likelihood == round(LK.per_independent_source * TIERS["ngo"] * LK.specificity["capability-named"], 4)


@pytest.mark.parametrize("stance", ["demands", "acts", "denies"])
def test_only_alleging_stances_make_an_allegation(stance: str) -> None:
    result = assess(unit_storage(), [claim(stance=stance, kind="un-body")], POLICY, AS_OF)
    assert result.harms == () and result.worst_harm is None


@pytest.mark.parametrize("stance", ["alleges", "finds", "confirms"])
def test_alleging_stances(stance: str) -> None:
    assert assess(unit_storage(), [claim(stance=stance)], POLICY, AS_OF).worst_harm == "privacy"


def test_harms_the_policy_does_not_know_are_ignored() -> None:
    result = assess(unit_storage(), [claim(harms=("astrology",))], POLICY, AS_OF)
    assert result.harms == ()


# ---------------------------------------------------------------------------------- corroboration


@pytest.mark.parametrize(
    ("stance", "kind", "attributed_to", "corroborates"),
    [
        ("confirms", "company-statement", None, True),  # the provider's own statement
        ("acts", "company-statement", None, True),  # the provider acted on it (suspended, disabled)
        ("confirms", "internal", None, True),  # the provider's internal review
        ("finds", "un-body", None, True),
        ("finds", "court", None, True),
        ("confirms", "un-body", None, True),
        ("confirms", "media", "a spokesperson for Nimbus Cloud", True),  # the provider, as reported
        ("confirms", "media", "the ministry", False),
        ("confirms", "ngo", None, False),
        ("alleges", "company-statement", None, False),
        ("denies", "company-statement", None, False),
        ("demands", "un-body", None, False),
    ],
)
def test_what_corroborates(stance: str, kind: str, attributed_to: str | None, corroborates: bool) -> None:
    allegation = claim(publisher="Rights Watch")
    other = claim(stance=stance, harms=(), publisher="Someone", kind=kind, attributed_to=attributed_to)
    result = assess(unit_storage(), [allegation, other], POLICY, AS_OF, provider_names=("Nimbus Cloud",))
    values = factor(result, "corroboration", "privacy")
    assert values == ([LK.corroboration_bonus] if corroborates else [])
    if corroborates:
        [h] = result.harms
        [corroboration] = [f for f in h.factors if f.name == "corroboration"]
        assert [c.claim_id for c in corroboration.citations] == [other.claim_id]


def test_a_confirmation_attributed_to_the_provider_needs_the_providers_name() -> None:
    reported = claim(stance="confirms", harms=(), publisher="Paper", kind="media", attributed_to="Nimbus Cloud")
    result = assess(unit_storage(), [claim(), reported], POLICY, AS_OF)  # no provider names configured
    assert factor(result, "corroboration", "privacy") == []


def test_corroboration_alone_is_not_an_allegation() -> None:
    confirmation = claim(stance="confirms", harms=(), publisher="Provider", kind="company-statement")
    result = assess(unit_storage(), [confirmation], POLICY, AS_OF)
    assert result.harms == ()


# ------------------------------------------------------------------------------ heightened context


def test_heightened_by_a_declared_territory() -> None:
    result = assess(unit_storage(declared_territories=(GAZA,)), [], POLICY, AS_OF)
    assert result.heightened and result.territories == ("gaza-strip",)
    assert result.likelihood == LK.base_from_context  # the context alone, with no allegation


def test_heightened_by_a_place_an_allegation_names_but_not_by_a_denial() -> None:
    assert assess(unit_storage(), [claim(territories=(GAZA,))], POLICY, AS_OF).heightened
    denial = claim(stance="denies", territories=(GAZA,), publisher="Provider", kind="company-statement")
    result = assess(unit_storage(), [denial], POLICY, AS_OF)
    assert not result.heightened and result.territories == ()


def test_only_the_policys_flags_make_diligence_heightened() -> None:
    high_risk = Territory("XX", "Elsewhere", (("high-risk", "Test source", "2025-01-01"),))
    result = assess(unit_storage(declared_territories=(high_risk,)), [], POLICY, AS_OF)
    assert "high-risk" not in POLICY.context.heightened_flags
    assert not result.heightened
    [flag] = [f for f in result.factors if f.name == "heightened due diligence"]
    assert flag.value == 0 and "conflict-affected or occupied" in flag.explanation


def test_a_civilian_customer_in_a_conflict_territory_is_heightened_without_the_security_sector_note() -> None:
    rel = unit_storage(org_kind="healthcare", lineage=(), declared_territories=(GAZA,))
    [flag] = [f for f in assess(rel, [], POLICY, AS_OF).factors if f.name == "heightened due diligence"]
    assert flag.value == 1 and "security-sector" not in flag.explanation


# ------------------------------------------------------------------------------------ involvement


@pytest.mark.parametrize(
    ("capabilities", "involvement"),
    [
        (("storage",), "contribute"),
        (("ai-model", "analytics"), "contribute"),
        (("translation",), "contribute"),
        (("networking",), "directly-linked"),
        (("communications", "productivity"), "directly-linked"),
        (("productivity", "compute"), "contribute"),  # the deepest capability counts
        ((), "directly-linked"),
    ],
)
def test_involvement_from_the_services_capabilities(capabilities: tuple[str, ...], involvement: str) -> None:
    result = assess(unit_storage(capabilities=capabilities), [claim()], POLICY, AS_OF)
    assert result.involvement == involvement
    [f] = [f for f in result.factors if f.name == "involvement"]
    assert f.clauses == (POLICY.involvement.clause,)


def test_custom_work_for_the_abuse_causes() -> None:
    custom = claim(harms=("life",), capabilities=("professional-services",))
    result = assess(PROFESSIONAL, [custom], POLICY, AS_OF)
    assert POLICY.involvement.custom_work_for_abuse == "cause"
    assert result.involvement == "cause"
    [f] = [f for f in result.factors if f.name == "involvement"]
    assert "professional services ('Custom Engineering') were used for the harm itself" in f.explanation
    assert [c.claim_id for c in f.citations] == [custom.claim_id]
    # By name of the service, too.
    named = claim(harms=("life",), capabilities=(), services=("svc-engineering",))
    assert assess(PROFESSIONAL, [named], POLICY, AS_OF).involvement == "cause"


def test_professional_services_without_an_allegation_about_them_only_contribute() -> None:
    assert assess(PROFESSIONAL, [], POLICY, AS_OF).involvement == "contribute"
    about_storage = claim(harms=("life",), capabilities=("storage",))
    assert assess(PROFESSIONAL, [about_storage], POLICY, AS_OF).involvement == "contribute"
    denial = claim(stance="denies", harms=("life",), capabilities=("professional-services",))
    assert assess(PROFESSIONAL, [denial], POLICY, AS_OF).involvement == "contribute"
    # Custom work is about the professional-services relationship, not the customer's storage.
    custom = claim(harms=("life",), capabilities=("professional-services",))
    assert assess(unit_storage(), [custom], POLICY, AS_OF).involvement == "contribute"


def test_custom_work_follows_the_policy() -> None:
    data = POLICY.model_dump()
    data["involvement"]["custom_work_for_abuse"] = "contribute"
    policy = type(POLICY).model_validate(data)
    custom = claim(harms=("life",), capabilities=("professional-services",))
    assert assess(PROFESSIONAL, [custom], policy, AS_OF).involvement == "contribute"


# ------------------------------------------------------------------------ severity and priority


def test_the_worst_credible_harm_sets_severity_and_the_highest_harm_priority_sets_priority() -> None:
    weak_life = claim(harms=("life",), kind="other", publisher="Blog", published=date(2010, 1, 1), capabilities=())
    strong_privacy = [claim(harms=("privacy",), publisher=p, kind="un-body", services=("svc-storage",)) for p in "AB"]
    result = assess(unit_storage(), [weak_life, *strong_privacy], POLICY, AS_OF)
    assert result.worst_harm == "life" and result.severity == severity_of(POLICY, "life")
    assert result.priority == max(h.priority for h in result.harms)
    [sev] = [f for f in result.factors if f.name == "severity"]
    assert "'life'" in sev.explanation


def test_priority_formula_with_an_allegation() -> None:
    result = assess(unit_storage(), [claim(published=AS_OF)], POLICY, AS_OF)
    [h] = result.harms
    weight = POLICY.priority.involvement_weight["contribute"]
    assert h.priority == round(h.severity * (0.5 + h.likelihood) * 1.25 * weight, 4)
    calm = assess(unit_storage(), [claim(published=AS_OF, territories=(PARIS,))], POLICY, AS_OF)
    [c] = calm.harms
    assert c.priority == round(c.severity * (0.5 + c.likelihood) * 1.0 * weight, 4)
    networking = assess(unit_storage(capabilities=("networking",)), [claim(published=AS_OF)], POLICY, AS_OF)
    [n] = networking.harms
    assert n.priority == round(
        n.severity * (0.5 + n.likelihood) * 1.25 * POLICY.priority.involvement_weight["directly-linked"], 4
    )


@pytest.mark.parametrize(
    ("kind", "territories", "expected_band"),
    [
        ("military-unit", (GAZA,), "moderate"),  # 5/5 x 1.25 x 1.0
        ("military-unit", (PARIS,), "moderate"),  # 5/5 x 1.0 x 1.0
        ("ministry", (PARIS,), "low"),  # 3/5
        ("company", (PARIS,), "low"),  # 1/5
    ],
)
def test_without_allegation_the_customer_kinds_inherent_risk_sets_priority(
    kind: str, territories: tuple[Territory, ...], expected_band: str
) -> None:
    rel = unit_storage(org_kind=kind, declared_territories=territories)
    result = assess(rel, [], POLICY, AS_OF)
    mult = 1.25 if result.heightened else 1.0
    assert result.priority == round(POLICY.customer_kinds.risk[kind] / 5 * mult * 1.0, 4)
    assert result.band == expected_band
    assert result.factors[-1].clauses == (POLICY.customer_kinds.clause, POLICY.priority.clause)


def test_a_security_sector_customer_ranks_above_a_civilian_one_without_evidence() -> None:
    unit = assess(unit_storage(declared_territories=(PARIS,)), [], POLICY, AS_OF)
    company = assess(unit_storage(org_kind="company", declared_territories=(PARIS,)), [], POLICY, AS_OF)
    assert unit.priority > company.priority


def test_every_band_from_its_minimum() -> None:
    bands = POLICY.priority.bands
    for band in bands:
        assert band_for(POLICY, band.min) == (band.name, band.action)
    for higher, lower in pairwise(bands):
        assert band_for(POLICY, higher.min - 0.001) == (lower.name, lower.action)
    assert band_for(POLICY, 100.0)[0] == bands[0].name
    assert [b.action for b in bands] == [
        "suspend-pending-investigation", "restrict", "add-conditions", "engage", "monitor",
    ]  # fmt: skip


def test_every_harm_cites_the_prohibited_uses_it_would_breach() -> None:
    claims = [claim(harms=(harm,), publisher=harm) for harm in POLICY.harms]
    result = assess(unit_storage(), claims, POLICY, AS_OF)
    for h in result.harms:
        assert h.clauses == tuple(POLICY.clauses_for(h.harm))
        assert h.clauses, f"{h.harm} breaches no clause of the default policy"
        [sev] = [f for f in h.factors if f.name == "severity"]
        assert sev.clauses == (POLICY.severity.clause, *h.clauses)


def test_every_number_is_explained_with_a_clause() -> None:
    claims = [
        claim(harms=("life", "privacy"), publisher="A"),
        claim(stance="confirms", harms=(), publisher="Provider", kind="company-statement"),
        claim(stance="denies", harms=("life",), publisher="Provider", kind="company-statement"),
    ]
    result = assess(unit_storage(), claims, POLICY, AS_OF)
    for f in (*result.factors, *(f for h in result.harms for f in h.factors)):
        assert f.explanation and f.clauses, f
        if f.name in ("independent source", "corroboration"):
            assert f.citations and all(c.quote for c in f.citations)
    [life] = [h for h in result.harms if h.harm == "life"]
    assert [d.stance for d in life.denials] == ["denies"]

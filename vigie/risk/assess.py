"""The assessment of one relationship, following the UN Guiding Principles.

`assess` is a pure function of the relationship, the claims that concern it, the policy and the
date of the assessment. Every number it returns is a sum or product of named factors, each of
which names the claims (document and quote) and the policy clauses behind it. The formulas are
written out in docs/methodology.md.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from typing import Any, Literal

from vigie.risk.inputs import Claim, Relationship, Territory
from vigie.risk.policy import Policy, policy_digest

ALLEGING = frozenset({"alleges", "finds", "confirms"})
CORROBORATING = frozenset({"confirms", "acts", "finds"})
INVOLVEMENT_ORDER = {"cause": 3, "contribute": 2, "directly-linked": 1}
RELATION_WEIGHT = {"self": 1.0, "unit": 0.6, "parent": 0.5}


@dataclass(frozen=True)
class Citation:
    claim_id: str
    document_id: str
    title: str
    publisher: str
    source_kind: str
    published: str | None
    quote: str
    start: int
    end: int
    stance: str


@dataclass(frozen=True)
class Factor:
    name: str
    value: float
    explanation: str
    clauses: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class HarmAssessment:
    harm: str
    label: str
    severity: float
    likelihood: float
    priority: float
    sources: tuple[str, ...]
    clauses: tuple[str, ...]
    factors: tuple[Factor, ...]
    denials: tuple[Citation, ...]


@dataclass(frozen=True)
class Assessment:
    subscription_id: str
    org_id: str
    service_id: str
    territories: tuple[str, ...]
    policy_id: str
    policy_version: str
    policy_digest: str
    as_of: str
    severity: float
    likelihood: float
    involvement: str
    heightened: bool
    priority: float
    band: str
    action: str
    worst_harm: str | None
    harms: tuple[HarmAssessment, ...]
    factors: tuple[Factor, ...]
    inputs_digest: str = field(default="")

    def to_json(self) -> dict[str, object]:
        return plain(self)  # type: ignore[no-any-return]

    def json_text(self) -> str:
        """`json.dumps(self.to_json(), ensure_ascii=False)`, without building the mappings first.

        The C encoder asks `_fields` for each dataclass and encodes tuples as lists itself: a full
        assessment of a large register stores one body per subscription.
        """
        return json.dumps(self, default=_fields, ensure_ascii=False)


def _fields(value: object) -> dict[str, Any]:
    """A frozen dataclass's fields, in declaration order (its __dict__), for `json.dumps`."""
    if is_dataclass(value) and not isinstance(value, type):
        return value.__dict__
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None), date})


def plain(value: Any) -> Any:
    """`dataclasses.asdict` for this stage's frozen dataclasses, several times faster.

    Tuples and lists become lists, and dates stay dates: `json.dumps` writes the result exactly as
    it writes `asdict`'s, which keeps inputs digests (and so stored versions) stable.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return [plain(v) for v in value]
    names = _FIELDS.get(kind)
    if names is None:
        if kind is dict:
            return {k: plain(v) for k, v in value.items()}
        if not is_dataclass(value):
            return copy.deepcopy(value)
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    return {name: plain(getattr(value, name)) for name in names}


def _cite(claim: Claim) -> Citation:
    return Citation(
        claim.claim_id,
        claim.document_id,
        claim.document_title,
        claim.publisher,
        claim.source_kind,
        claim.published.isoformat() if claim.published else None,
        claim.quote,
        claim.start,
        claim.end,
        claim.stance,
    )


def relation_to(rel: Relationship, claim: Claim) -> str | None:
    """How a claim's organisations relate to this relationship's customer, closest first."""
    named = set(claim.org_ids)
    if rel.org_id in named:
        return "self"
    if named & set(rel.units):
        return "unit"
    if named & set(rel.lineage):
        return "parent"
    return None


Specificity = Literal["service-named", "capability-named", "relationship-only"]


def specificity(rel: Relationship, claim: Claim) -> Specificity:
    if rel.service_id in claim.service_ids:
        return "service-named"
    if set(rel.capabilities) & set(claim.capabilities):
        return "capability-named"
    return "relationship-only"


def recency(published: date | None, as_of: date, half_life_days: int) -> float:
    if published is None:
        return 0.5
    age = max(0, (as_of - published).days)
    return float(0.5 ** (age / half_life_days))


def severity_of(policy: Policy, harm: str) -> float:
    h = policy.harms[harm]
    parts = (h.scale, h.scope, h.irremediability)
    w = policy.severity.max_weight
    return round(w * max(parts) + (1 - w) * sum(parts) / 3, 3)


def _territories(rel: Relationship, claims: Iterable[Claim]) -> list[Territory]:
    seen: dict[str, Territory] = {t.id: t for t in rel.declared_territories}
    for claim in claims:
        for t in claim.territories:
            seen.setdefault(t.id, t)
    return sorted(seen.values(), key=lambda t: t.id)


def _heightened(rel: Relationship, territories: list[Territory], policy: Policy) -> Factor:
    flags = set(policy.context.heightened_flags)
    hits = [(t, flag, source, as_of) for t in territories for flag, source, as_of in t.flags if flag in flags]
    security = rel.org_kind in policy.customer_kinds.security_sector
    if not hits:
        return Factor(
            "heightened due diligence",
            0.0,
            "no territory of this relationship is flagged " + " or ".join(sorted(flags)),
            (policy.context.clause,),
        )
    places = "; ".join(f"{t.name}: {flag} (source: {source}, {as_of})" for t, flag, source, as_of in hits)
    who = f" and the customer is a security-sector body ({rel.org_kind}) operating there" if security else ""
    return Factor("heightened due diligence", 1.0, f"{places}{who}", (policy.context.clause,))


CUSTOM_WORK = "professional-services"


def custom_work_claims(rel: Relationship, relevant: list[tuple[Claim, str]], policy: Policy) -> list[Claim]:
    """Alleging claims that the provider's professional services were put to the harm itself.

    Only a professional-services subscription can be custom work, and only a claim that names that
    service or that capability counts: engineering built for the abusive use is more than a generic
    service used far from it (UNGP 13, 19; B-Tech end-use paper).
    """
    if CUSTOM_WORK not in rel.capabilities:
        return []
    return [
        c
        for c, _ in relevant
        if c.stance in ALLEGING
        and any(h in policy.harms for h in c.harms)
        and (rel.service_id in c.service_ids or CUSTOM_WORK in c.capabilities)
    ]


def _involvement(rel: Relationship, relevant: list[tuple[Claim, str]], policy: Policy) -> Factor:
    """The deepest involvement any capability of the service gives, or custom work for the abuse."""
    rules = policy.involvement.capabilities
    levels = [(rules[c], c) for c in rel.capabilities if c in rules]
    custom = custom_work_claims(rel, relevant, policy)
    if custom:
        custom_level = policy.involvement.custom_work_for_abuse
        if not levels or INVOLVEMENT_ORDER[custom_level] >= max(INVOLVEMENT_ORDER[lv] for lv, _ in levels):
            explanation = (
                f"{custom_level}: {len(custom)} claim(s) allege that the provider's professional services "
                f"('{rel.service_name}') were used for the harm itself — {policy.involvement.levels[custom_level]}"
            )
            return Factor(
                "involvement",
                float(INVOLVEMENT_ORDER[custom_level]),
                explanation,
                (policy.involvement.clause,),
                tuple(_cite(c) for c in sorted(custom, key=lambda c: c.claim_id)),
            )
    if not levels:
        return Factor(
            "involvement", 1.0, "no capability tags: treated as directly linked", (policy.involvement.clause,)
        )
    level, capability = max(levels, key=lambda lc: INVOLVEMENT_ORDER[lc[0]])
    explanation = f"{level}: the service's capability '{capability}' — {policy.involvement.levels[level]}"
    return Factor("involvement", float(INVOLVEMENT_ORDER[level]), explanation, (policy.involvement.clause,))


def _level_name(value: float) -> str:
    return {3: "cause", 2: "contribute", 1: "directly-linked"}[int(value)]


def band_for(policy: Policy, priority: float) -> tuple[str, str]:
    """The band a priority falls in, and its recommended action (bands are listed highest first)."""
    for band in policy.priority.bands:
        if priority >= band.min:
            return band.name, band.action
    last = policy.priority.bands[-1]
    return last.name, last.action


def assess_harm(
    rel: Relationship,
    harm: str,
    relevant: list[tuple[Claim, str]],
    heightened: bool,
    corroborating: list[Claim],
    policy: Policy,
    as_of: date,
) -> HarmAssessment:
    lk = policy.likelihood
    factors: list[Factor] = []
    if heightened:
        factors.append(Factor("context", lk.base_from_context, "heightened context", (policy.context.clause,)))
    best: dict[str, tuple[float, Claim, Specificity, str, float]] = {}
    denials: list[Citation] = []
    for claim, relation in relevant:
        if harm not in claim.harms:
            continue
        if claim.stance == "denies":
            denials.append(_cite(claim))
            continue
        if claim.stance not in ALLEGING:
            continue
        spec = specificity(rel, claim)
        cred = policy.credibility.tiers.get(claim.source_kind, policy.credibility.tiers["other"])
        fresh = recency(claim.published, as_of, lk.recency_half_life_days)
        weight = cred * lk.specificity[spec] * RELATION_WEIGHT[relation] * fresh
        key = claim.publisher.strip().lower() or claim.document_id
        if key not in best or weight > best[key][0]:
            best[key] = (weight, claim, spec, relation, fresh)
    for key in sorted(best):
        weight, claim, spec, relation, fresh = best[key]
        value = lk.per_independent_source * weight
        explanation = (
            f"{claim.publisher} ({claim.source_kind}, credibility "
            f"{policy.credibility.tiers.get(claim.source_kind, 0):.2f}) {claim.stance} it about the "
            f"{'customer' if relation == 'self' else relation}; {spec}; recency {fresh:.2f}"
        )
        factors.append(
            Factor(
                "independent source",
                round(value, 4),
                explanation,
                (lk.clause, policy.credibility.clause),
                (_cite(claim),),
            )
        )
    if best and corroborating:
        factors.append(
            Factor(
                "corroboration",
                lk.corroboration_bonus,
                "the provider's own statement or a finding by a UN body or court corroborates the relationship",
                (lk.clause,),
                tuple(_cite(c) for c in corroborating),
            )
        )
    likelihood = (
        round(min(lk.cap, sum(f.value for f in factors)), 4) if best else (lk.base_from_context if heightened else 0.0)
    )
    severity = severity_of(policy, harm)
    h = policy.harms[harm]
    sev_factor = Factor(
        "severity",
        severity,
        f"{h.label}: scale {h.scale}, scope {h.scope}, irremediability {h.irremediability}",
        (policy.severity.clause, *policy.clauses_for(harm)),
    )
    return HarmAssessment(
        harm=harm,
        label=h.label,
        severity=severity,
        likelihood=likelihood,
        priority=0.0,
        sources=tuple(sorted(best)),
        clauses=tuple(policy.clauses_for(harm)),
        factors=(sev_factor, *factors),
        denials=tuple(denials),
    )


def _corroborates(claim: Claim, provider_names: tuple[str, ...]) -> bool:
    """The provider's own confirmation or action (its statement, or one attributed to it), or a UN body's or court's.

    A UN body or court that confirms corroborates as one that finds: were it otherwise, the same
    claim from a more credible source could lower a likelihood.
    """
    if claim.stance not in CORROBORATING:
        return False
    if claim.source_kind in ("company-statement", "internal"):
        return True
    if claim.stance in ("finds", "confirms") and claim.source_kind in ("un-body", "court"):
        return True
    speaker = (claim.attributed_to or "").casefold()
    return claim.stance == "confirms" and any(name.casefold() in speaker for name in provider_names if name)


def assess(
    rel: Relationship, claims: list[Claim], policy: Policy, as_of: date, provider_names: tuple[str, ...] = ()
) -> Assessment:
    relevant = [(c, r) for c in claims if (r := relation_to(rel, c)) is not None]
    territories = _territories(rel, (c for c, _ in relevant if c.stance in ALLEGING))
    heightened_f = _heightened(rel, territories, policy)
    heightened = heightened_f.value > 0
    involvement_f = _involvement(rel, relevant, policy)
    involvement = _level_name(involvement_f.value)
    corroborating = [c for c, _ in relevant if _corroborates(c, provider_names)]
    harms_named = sorted({h for c, _ in relevant for h in c.harms if h in policy.harms})
    pr = policy.priority
    inv_weight = pr.involvement_weight[involvement]  # type: ignore[index]
    context_mult = 1.25 if heightened else 1.0
    harm_results = []
    for harm in harms_named:
        result = assess_harm(rel, harm, relevant, heightened, corroborating, policy, as_of)
        if not result.sources:
            continue
        priority = round(result.severity * (0.5 + result.likelihood) * context_mult * inv_weight, 4)
        harm_results.append(replace(result, priority=priority))
    # The worst credible harm sets the severity (UNGP 14); the priority is the highest of the harms'
    # priorities, so that more evidence about any harm can only raise it.
    harm_results.sort(key=lambda h: (-h.severity, -h.likelihood, h.harm))
    customer_risk = policy.customer_kinds.risk.get(rel.org_kind, 2)
    factors = [heightened_f, involvement_f]
    if harm_results:
        worst = harm_results[0]
        driver = max(harm_results, key=lambda h: (h.priority, h.severity))
        severity, likelihood, priority = worst.severity, worst.likelihood, driver.priority
        factors.append(
            Factor(
                "severity",
                severity,
                f"the worst credible harm is '{worst.harm}' ({worst.label}), with likelihood {likelihood}",
                (policy.severity.clause,),
            )
        )
        factors.append(
            Factor(
                "priority",
                priority,
                f"{pr.formula}: {driver.severity} x (0.5 + {driver.likelihood}) x {context_mult} x {inv_weight}"
                f", for the harm '{driver.harm}' (the highest of the harms' priorities)",
                (pr.clause,),
            )
        )
    else:
        worst = None
        severity, likelihood = 0.0, (policy.likelihood.base_from_context if heightened else 0.0)
        priority = round(customer_risk / 5 * context_mult * inv_weight, 4)
        factors.append(
            Factor(
                "priority",
                priority,
                f"no allegation: inherent risk of a {rel.org_kind} customer ({customer_risk}/5)"
                f" x {context_mult} x {inv_weight}",
                (policy.customer_kinds.clause, pr.clause),
            )
        )
    band, action = band_for(policy, priority)
    assessment = Assessment(
        subscription_id=rel.subscription_id,
        org_id=rel.org_id,
        service_id=rel.service_id,
        territories=tuple(t.id for t in territories),
        policy_id=policy.id,
        policy_version=policy.version,
        policy_digest=policy_digest(policy),
        as_of=as_of.isoformat(),
        severity=severity,
        likelihood=likelihood,
        involvement=involvement,
        heightened=heightened,
        priority=priority,
        band=band,
        action=action,
        worst_harm=worst.harm if worst else None,
        harms=tuple(harm_results),
        factors=tuple(factors),
    )
    return assessment


def inputs_digest(
    rel: Relationship, claims: list[Claim], policy: Policy, as_of: date, provider_names: tuple[str, ...] = ()
) -> str:
    """What the assessment depends on; equal digests mean an equal assessment.

    This is the definition; `InputsDigest` computes the same digests faster for many relationships.
    """
    payload = json.dumps(
        [
            plain(rel),
            sorted((plain(c) for c in claims), key=lambda d: d["claim_id"]),
            policy_digest(policy),
            as_of.isoformat(),
            list(provider_names),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class InputsDigest:
    """`inputs_digest` for the many relationships of one re-assessment, with shared parts encoded once.

    A full re-assessment computes a digest for every subscription, most of them to find that nothing
    changed, so this is its inner loop. The JSON text is `inputs_digest`'s, character for character:
    `json.dumps` encodes a list item by item, joined with ", ", so the policy, date and provider
    names are encoded once per re-assessment, and the claims once per set of claims (all of an
    organisation's subscriptions share one). Stored digests stay valid; tests/risk/test_assess.py
    checks the two agree. Use one instance per re-assessment: claims are remembered by their ids.
    """

    def __init__(self, policy: Policy, as_of: date, provider_names: tuple[str, ...] = ()) -> None:
        self._tail = ", ".join(
            json.dumps(part, sort_keys=True, default=str)
            for part in (policy_digest(policy), as_of.isoformat(), list(provider_names))
        )
        self._claims: dict[tuple[str, ...], str] = {}

    def __call__(self, rel: Relationship, claims: list[Claim]) -> str:
        key = tuple(c.claim_id for c in claims)
        encoded = self._claims.get(key)
        if encoded is None:
            ordered = sorted((plain(c) for c in claims), key=lambda d: d["claim_id"])
            encoded = self._claims[key] = json.dumps(ordered, sort_keys=True, default=str)
        # A frozen dataclass's fields are its __dict__, and json encodes tuples as lists: only the
        # territories, dataclasses themselves, need turning into mappings.
        fields_ = dict(rel.__dict__)
        fields_["declared_territories"] = [t.__dict__ for t in rel.declared_territories]
        payload = f"[{json.dumps(fields_, sort_keys=True, default=str)}, {encoded}, {self._tail}]"
        return hashlib.sha256(payload.encode()).hexdigest()

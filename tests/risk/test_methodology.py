"""docs/methodology.md states the default policy's numbers; these tests keep the two in step."""

from __future__ import annotations

import re
from pathlib import Path

from vigie.risk.assess import RELATION_WEIGHT
from vigie.risk.policy import default_policy

DOC = Path(__file__).resolve().parents[2] / "docs" / "methodology.md"
POLICY = default_policy()


def text() -> str:
    """The document with line breaks undone, so a phrase wrapped over two lines is still found."""
    return re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8"))


def test_the_default_policy_is_the_one_described() -> None:
    assert f"`{POLICY.id} {POLICY.version}`" in text()


def test_likelihood_numbers() -> None:
    lk, doc = POLICY.likelihood, text()
    assert f"{lk.per_independent_source:g} × credibility × specificity × relation × recency" in doc
    assert f"`context` is {lk.base_from_context:g} under heightened diligence" in doc
    assert f"`corroboration` ({lk.corroboration_bonus:g})" in doc
    assert f"`cap` is {lk.cap:.1f}" in doc
    assert f"`0.5 ^ (age in days / {lk.recency_half_life_days})`" in doc
    for name, value in lk.specificity.items():
        assert f"`{name}` ({value:.1f})" in doc, name


def test_relation_weights() -> None:
    doc = text()
    assert f"names the customer (weight {RELATION_WEIGHT['self']:.1f})" in doc
    assert f"one of its units ({RELATION_WEIGHT['unit']:g})" in doc
    assert f"one of its parents ({RELATION_WEIGHT['parent']:g})" in doc


def test_credibility_tiers() -> None:
    doc = text()
    names = {"un-body": "UN body", "court": "court", "company-statement": "company statement",
             "internal": "internal", "ngo": "NGO", "media": "media", "other": "other"}  # fmt: skip
    for kind, tier in POLICY.credibility.tiers.items():
        assert f"{names[kind]} {tier:.1f}" in doc, kind


def test_severity_priority_and_bands() -> None:
    doc, pr = text(), POLICY.priority
    w = POLICY.severity.max_weight
    assert f"`{w:g} × max + {1 - w:g} × mean`" in doc
    weights = pr.involvement_weight
    assert (
        f"cause {weights['cause']:g}, contribute {weights['contribute']:.1f}, "
        f"directly linked {weights['directly-linked']:g}" in doc
    )
    described = {
        "suspend-pending-investigation": "suspend pending investigation", "restrict": "restrict",
        "add-conditions": "add conditions", "engage": "engage and use leverage", "monitor": "monitor",
    }  # fmt: skip
    for band in pr.bands:
        phrase = (
            f"{band.name} → {described[band.action]}"
            if band.min == 0
            else (f"{band.name} ≥ {band.min:g} → {described[band.action]}")
        )
        assert phrase in doc, band.name
    assert f"critical ≥ {pr.bands[0].min:g}" in doc


def test_customer_kinds_and_involvement() -> None:
    doc, risk = text(), POLICY.customer_kinds.risk
    assert f"military unit and intelligence agency {risk['military-unit']}" in doc
    assert risk["military-unit"] == risk["intelligence-agency"]
    assert f"ministry {risk['ministry']}" in doc
    assert POLICY.involvement.custom_work_for_abuse == "cause" and "(*cause* by default)" in doc
    for capability, level in POLICY.involvement.capabilities.items():
        word = {"ai-model": "AI", "speech-to-text": "speech", "professional-services": "professional services"}.get(
            capability, capability
        )
        section = doc[doc.index("**Involvement**") : doc.index("Custom work for the abuse")]
        level_at = section.index("*contribute*") if level == "contribute" else section.index("*directly linked*")
        before = section[:level_at]
        # Each capability is listed in the sentence that ends with its level.
        start = 0 if level == "contribute" else section.index("*contribute*")
        assert word in before[start:], capability

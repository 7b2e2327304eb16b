"""The due-diligence policy as a validated document.

The policy is data, not code: thresholds, weights, tiers and the provider's prohibited uses live in
a YAML file with an id and a version. pydantic checks it on load, so a mistyped weight or a harm
without severity is refused with the path of the offending key, before any assessment uses it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vigie.register.vocabulary import terms

DEFAULT_POLICY = Path(__file__).with_name("data") / "policy.yaml"

Level = Annotated[int, Field(ge=1, le=5)]
Weight = Annotated[float, Field(ge=0.0, le=10.0)]
Involvement = Literal["cause", "contribute", "directly-linked"]
Action = Literal[
    "monitor", "engage", "add-conditions", "restrict", "suspend-pending-investigation", "terminate-with-exit-plan"
]
SOURCE_KINDS = ("un-body", "court", "ngo", "media", "company-statement", "internal", "other")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Harm(Strict):
    label: str
    scale: Level
    scope: Level
    irremediability: Level


class Severity(Strict):
    clause: str
    reference: str
    max_weight: Annotated[float, Field(ge=0.0, le=1.0)]
    formula: str


class InvolvementRules(Strict):
    clause: str
    reference: str
    levels: dict[Involvement, str]
    capabilities: dict[str, Involvement]
    custom_work_for_abuse: Involvement


class CustomerKinds(Strict):
    clause: str
    reference: str
    risk: dict[str, Level]
    security_sector: list[str]


class Context(Strict):
    clause: str
    reference: str
    heightened_flags: list[str]


class Credibility(Strict):
    clause: str
    reference: str
    tiers: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]


class Likelihood(Strict):
    clause: str
    reference: str
    base_from_context: Annotated[float, Field(ge=0.0, le=1.0)]
    per_independent_source: Annotated[float, Field(gt=0.0, le=1.0)]
    corroboration_bonus: Annotated[float, Field(ge=0.0, le=1.0)]
    recency_half_life_days: Annotated[int, Field(gt=0)]
    specificity: dict[
        Literal["service-named", "capability-named", "relationship-only"], Annotated[float, Field(ge=0, le=1)]
    ]
    cap: Annotated[float, Field(gt=0.0, le=1.0)]


class Band(Strict):
    name: str
    min: Weight
    action: Action


class Priority(Strict):
    clause: str
    reference: str
    formula: str
    involvement_weight: dict[Involvement, Weight]
    bands: list[Band]

    @model_validator(mode="after")
    def _bands_descend(self) -> Priority:
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True) or not mins or mins[-1] != 0:
            raise ValueError("bands must be listed from the highest min down to a band with min 0")
        return self


class ProhibitedUse(Strict):
    text: str
    harms: list[str]


class Policy(Strict):
    id: str
    version: str
    effective: date
    title: str
    references: dict[str, str]
    severity: Severity
    harms: dict[str, Harm]
    involvement: InvolvementRules
    customer_kinds: CustomerKinds
    context: Context
    credibility: Credibility
    likelihood: Likelihood
    priority: Priority
    actions: dict[Action, str]
    prohibited_uses: dict[str, ProhibitedUse]

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        problems: list[str] = []
        capabilities = set(terms("capabilities"))
        unknown = set(self.involvement.capabilities) - capabilities
        missing = capabilities - set(self.involvement.capabilities)
        if unknown:
            problems.append(f"involvement.capabilities: unknown capabilities {sorted(unknown)}")
        if missing:
            problems.append(f"involvement.capabilities: no involvement given for {sorted(missing)}")
        kinds = set(terms("organisation_kinds"))
        if set(self.customer_kinds.risk) != kinds:
            problems.append(
                f"customer_kinds.risk: must give a risk for exactly these kinds: {sorted(kinds)} "
                f"(missing {sorted(kinds - set(self.customer_kinds.risk))}, unknown "
                f"{sorted(set(self.customer_kinds.risk) - kinds)})"
            )
        if not set(self.customer_kinds.security_sector) <= kinds:
            problems.append("customer_kinds.security_sector: names a kind that does not exist")
        if not set(self.context.heightened_flags) <= set(terms("territory_flags")):
            problems.append("context.heightened_flags: names a flag that does not exist")
        if set(self.credibility.tiers) != set(SOURCE_KINDS):
            problems.append(f"credibility.tiers: must give exactly these source kinds: {list(SOURCE_KINDS)}")
        for clause, use in self.prohibited_uses.items():
            for harm in use.harms:
                if harm not in self.harms:
                    problems.append(f"prohibited_uses.{clause}.harms: unknown harm {harm!r}")
        used_actions = {b.action for b in self.priority.bands}
        if not used_actions <= set(self.actions):
            problems.append("priority.bands: an action is not described under actions")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def clauses_for(self, harm: str) -> list[str]:
        return [clause for clause, use in self.prohibited_uses.items() if harm in use.harms]


class PolicyError(Exception):
    """The policy file cannot be used; the message lists every problem with its key path."""


def parse_policy(text: str, origin: str) -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: expected a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            path = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"{origin}: {path}: {err['msg'].removeprefix('Value error, ')}")
        raise PolicyError("\n".join(lines)) from exc


def load_policy(path: Path | None = None) -> Policy:
    target = path or DEFAULT_POLICY
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{target}: cannot read: {exc.strerror}") from exc
    return parse_policy(text, str(target))


@cache
def default_policy() -> Policy:
    return load_policy()


def policy_digest(policy: Policy) -> str:
    """A short fingerprint, so an assessment says exactly which policy text it used."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:12]

"""The due-diligence policy as a validated document.

The policy is data, not code: thresholds, weights, tiers and the provider's prohibited uses live in
a YAML file with an id and a version. pydantic checks it on load, so a mistyped weight or a harm
without severity is refused with the path of the offending key, before any assessment uses it.
"""

from __future__ import annotations

import hashlib
import weakref
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vigie.evidence.lexicon import harm_taxonomy
from vigie.register.vocabulary import terms

DEFAULT_POLICY = Path(__file__).with_name("data") / "policy.yaml"

Level = Annotated[int, Field(ge=1, le=5)]
Weight = Annotated[float, Field(ge=0.0, le=10.0)]
Involvement = Literal["cause", "contribute", "directly-linked"]
Action = Literal[
    "monitor", "engage", "add-conditions", "restrict", "suspend-pending-investigation", "terminate-with-exit-plan"
]
Specificity = Literal["service-named", "capability-named", "relationship-only"]
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
    specificity: dict[Specificity, Annotated[float, Field(ge=0, le=1)]]
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

    @field_validator("bands")
    @classmethod
    def _bands_descend(cls, bands: list[Band]) -> list[Band]:
        """Every priority from 0 up falls in exactly one band: strictly descending mins, the last one 0."""
        mins = [b.min for b in bands]
        if not mins or any(a <= b for a, b in pairwise(mins)) or mins[-1] != 0:
            raise ValueError(
                f"bands must be listed from the highest min down to a band with min 0, each min lower than the "
                f"one before (got mins {mins})"
            )
        names = [b.name for b in bands]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"band names must be unique; repeated: {duplicates}")
        return bands


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
        """Cross-checks between sections, and against the vocabularies the other stages use.

        Each problem is one line starting with the key path it concerns (see `parse_policy`).
        """
        problems: list[str] = []
        involvement_levels = set(get_args(Involvement))
        for path, given in (
            ("involvement.levels", self.involvement.levels),
            ("priority.involvement_weight", self.priority.involvement_weight),
        ):
            if set(given) != involvement_levels:
                absent = sorted(involvement_levels - set(given))
                problems.append(f"{path}: must give all of {sorted(involvement_levels)} (missing {absent})")
        weights = self.priority.involvement_weight
        if set(weights) == involvement_levels and not (
            weights["cause"] >= weights["contribute"] >= weights["directly-linked"]
        ):
            # Evidence of deeper involvement must never lower a priority.
            problems.append(
                "priority.involvement_weight: must not decrease from directly-linked to contribute to cause "
                f"(got {weights['directly-linked']:g}, {weights['contribute']:g}, {weights['cause']:g})"
            )
        specificities = set(get_args(Specificity))
        if set(self.likelihood.specificity) != specificities:
            problems.append(
                f"likelihood.specificity: must give all of {sorted(specificities)} "
                f"(missing {sorted(specificities - set(self.likelihood.specificity))})"
            )
        else:
            spec = self.likelihood.specificity
            if not spec["service-named"] >= spec["capability-named"] >= spec["relationship-only"]:
                # A claim that names the service is stronger evidence and must never weigh less.
                problems.append(
                    "likelihood.specificity: must not decrease from relationship-only to capability-named to "
                    f"service-named (got {spec['relationship-only']:g}, {spec['capability-named']:g}, "
                    f"{spec['service-named']:g})"
                )
        taxonomy = set(harm_taxonomy())
        for harm in sorted(set(self.harms) - taxonomy):
            problems.append(f"harms.{harm}: not a harm the evidence stage knows ({', '.join(sorted(taxonomy))})")
        if taxonomy - set(self.harms):
            problems.append(
                f"harms: no severity for {sorted(taxonomy - set(self.harms))}; allegations of it would be ignored"
            )
        clauses: dict[str, list[str]] = {}
        for section in (
            "severity",
            "involvement",
            "customer_kinds",
            "context",
            "credibility",
            "likelihood",
            "priority",
        ):
            clauses.setdefault(getattr(self, section).clause, []).append(f"{section}.clause")
        for clause in self.prohibited_uses:
            clauses.setdefault(clause, []).append(f"prohibited_uses.{clause}")
        for clause, where in clauses.items():
            if len(where) > 1:
                problems.append(f"{where[-1]}: clause id {clause!r} is already used by {', '.join(where[:-1])}")
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
            unknown_kinds = sorted(set(self.customer_kinds.security_sector) - kinds)
            problems.append(f"customer_kinds.security_sector: unknown organisation kinds {unknown_kinds}")
        flags = set(terms("territory_flags"))
        if not set(self.context.heightened_flags) <= flags:
            unknown_flags = sorted(set(self.context.heightened_flags) - flags)
            problems.append(f"context.heightened_flags: unknown territory flags {unknown_flags}")
        if set(self.credibility.tiers) != set(SOURCE_KINDS):
            problems.append(f"credibility.tiers: must give exactly these source kinds: {list(SOURCE_KINDS)}")
        for clause, use in self.prohibited_uses.items():
            for harm in use.harms:
                if harm not in self.harms:
                    problems.append(f"prohibited_uses.{clause}.harms: unknown harm {harm!r}")
        for i, band in enumerate(self.priority.bands):
            if band.action not in self.actions:
                problems.append(f"priority.bands.{i}.action: {band.action!r} is not described under actions")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def clauses_for(self, harm: str) -> list[str]:
        return [clause for clause, use in self.prohibited_uses.items() if harm in use.harms]


class PolicyError(Exception):
    """The policy file cannot be used; the message lists every problem with its key path."""


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML would keep the last silently)."""


def _no_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """The mapping, once no key is given twice in it; a key pointing at the second occurrence.

    Merge keys (`<<: *anchor`) are left to PyYAML, for which the mapping's own keys override the
    merged ones: that is what a merge is for, not a repetition.
    """
    seen: set[Any] = set()
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: the constructor below reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: where (line and column, 1-based) and what, without PyYAML's multi-line excerpt."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return where + ", ".join(p for p in (exc.context, exc.problem) if p)
    return " ".join(str(exc).split())


def parse_policy(text: str, origin: str) -> Policy:
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise PolicyError(f"{origin}: not valid YAML: {_yaml_problem(exc)}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: expected a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        lines: list[str] = []
        for err in exc.errors(include_url=False):
            path = ".".join(str(p) for p in err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if path:
                lines.extend(f"{origin}: {path}: {line}" for line in message.splitlines())
            else:  # the cross-checks: each line already starts with its key path
                lines.extend(f"{origin}: {line}" for line in message.splitlines())
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


_DIGESTS: dict[int, tuple[weakref.ref[Policy], str]] = {}


def policy_digest(policy: Policy) -> str:
    """A short fingerprint, so an assessment says exactly which policy text it used.

    Every assessment asks for it, twice; a policy is frozen, so it is computed once per policy object.
    """
    key = id(policy)
    cached = _DIGESTS.get(key)
    if cached is not None and cached[0]() is policy:
        return cached[1]
    digest = hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:12]
    _DIGESTS[key] = (weakref.ref(policy, lambda _ref: _DIGESTS.pop(key, None)), digest)
    return digest

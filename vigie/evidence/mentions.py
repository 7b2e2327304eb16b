"""Mentions: where a document names an organisation, a service, a territory or a provider.

Known names come from the register (organisations with every alias, services) and the gazetteers
vigie ships (territories, providers, capability words). Organisations the register does not know
are still found — by spaCy's French model, and by rules (capitalised names with an organisation
word, acronyms, the publisher table's names) — and kept unlinked, for a reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vigie.evidence.lexicon import Language, provider_matcher, publisher_table, territory_matcher
from vigie.evidence.matcher import PhraseMatcher
from vigie.evidence.text import fold

KINDS = ("organisation", "service", "territory", "provider", "unknown")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    kind: str
    entity_id: str | None
    via: str  # register, gazetteer, capability-word, ner, rule
    capabilities: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "text": self.text, "start": self.start, "end": self.end, "kind": self.kind, "entity_id": self.entity_id,
        }  # fmt: skip
        if self.capabilities:
            out["capabilities"] = list(self.capabilities)
        return out


@dataclass
class RegisterNames:
    """The register's names as one matcher: organisation names and aliases, service names."""

    entries: list[tuple[str, tuple[str, str]]] = field(default_factory=list)

    def add_organisation(self, org_id: str, names: Iterable[str]) -> None:
        self.entries.extend((n, ("organisation", org_id)) for n in names if n.strip())

    def add_service(self, service_id: str, name: str) -> None:
        self.entries.append((name, ("service", service_id)))

    def matcher(self) -> PhraseMatcher[tuple[str, str]]:
        return PhraseMatcher(self.entries)

    def lookup(self) -> dict[str, tuple[str, str]]:
        return {fold(name).strip(): payload for name, payload in self.entries}


_CAPITALISED = re.compile(
    r"\b(?:[A-ZÀ-ÖØ-Þ][\w'’\-]+|\d{2,5})(?:\s+(?:(?:of|for|the|and|de|du|des|la|le|l'|d'|&|pour)\s+)*"
    r"(?:[A-ZÀ-ÖØ-Þ][\w'’\-]+|\d{2,5})){1,6}"
)
_ACRONYM = re.compile(r"\b[A-Z]{3,6}\b")


def _rule_organisations(text: str, lang: Language | None) -> list[tuple[int, int]]:
    words = lang.organisation_words if lang else frozenset()
    found: list[tuple[int, int]] = []
    for match in _CAPITALISED.finditer(text):
        folded_words = set(fold(match.group(0)).split())
        if words & folded_words:
            found.append((match.start(), match.end()))
    for match in _ACRONYM.finditer(text):
        found.append((match.start(), match.end()))
    return found


def _overlaps(start: int, end: int, taken: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def find_mentions(
    text: str,
    folded: str,
    register: PhraseMatcher[tuple[str, str]],
    register_lookup: dict[str, tuple[str, str]],
    lang: Language | None,
    ner_spans: Sequence[tuple[int, int, str]] = (),
) -> list[Mention]:
    mentions: list[Mention] = []
    for hit in register.find(text, folded):
        kind, entity_id = hit.payload
        mentions.append(Mention(hit.start, hit.end, text[hit.start : hit.end], kind, entity_id, "register"))
    for place in territory_matcher().find(text, folded):
        span = text[place.start : place.end]
        mentions.append(Mention(place.start, place.end, span, "territory", place.payload, "gazetteer"))
    taken = [(m.start, m.end) for m in mentions]
    for provider in provider_matcher().find(text, folded):
        if not _overlaps(provider.start, provider.end, taken):
            span = text[provider.start : provider.end]
            mentions.append(Mention(provider.start, provider.end, span, "provider", provider.payload, "gazetteer"))
    if lang is not None:
        taken = [(m.start, m.end) for m in mentions]
        for word in lang.capabilities.find(text, folded):
            if not _overlaps(word.start, word.end, taken):
                span = text[word.start : word.end]
                mentions.append(Mention(word.start, word.end, span, "service", None, "capability-word", word.payload))
    # Organisations outside the register: the model's, then the rules', then the publisher table's.
    taken = [(m.start, m.end) for m in mentions]
    candidates: list[tuple[int, int, str]] = [(s, e, "ner") for s, e, label in ner_spans if label == "ORG"]
    candidates += [(s, e, "rule") for s, e in _rule_organisations(text, lang)]
    candidates += [(h.start, h.end, "gazetteer") for h in publisher_table().matcher.find(text, folded)]
    for start, end, via in sorted(candidates, key=lambda c: (c[0], -(c[1] - c[0]))):
        if _overlaps(start, end, taken):
            continue
        surface = text[start:end].strip()
        if len(surface) < 2:
            continue
        linked = register_lookup.get(fold(surface))
        if linked and linked[0] == "organisation":
            mentions.append(Mention(start, end, surface, "organisation", linked[1], "register"))
        else:
            mentions.append(Mention(start, end, surface, "organisation", None, via))
        taken.append((start, end))
    mentions.sort(key=lambda m: (m.start, m.end, m.kind))
    return mentions

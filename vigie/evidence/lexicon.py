"""The evidence stage's data files, loaded and compiled once.

Everything language-specific lives in `data/lang/<code>.yaml`; adding a language is adding a file.
The taxonomy of harms, the gazetteer of territories, technology providers and the publisher table
are shared by all languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from vigie.evidence.matcher import PhraseMatcher
from vigie.evidence.text import fold

DATA = Path(__file__).with_name("data")
STANCES = ("denies", "confirms", "alleges", "finds", "demands", "acts")


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


@dataclass(frozen=True)
class Language:
    code: str
    version: int
    clause_breaks: list[str]
    capabilities: PhraseMatcher[tuple[str, ...]]
    harms: PhraseMatcher[str]
    stances: PhraseMatcher[str]
    actions: PhraseMatcher[str]
    attribution: PhraseMatcher[str]
    months: dict[str, int]
    date_pattern: re.Pattern[str]
    organisation_words: frozenset[str]


def _date_pattern(months: list[str], qualifiers: list[str]) -> re.Pattern[str]:
    month = "|".join(re.escape(fold(m)) for m in sorted(months, key=len, reverse=True))
    qual = "|".join(re.escape(fold(q)) for q in qualifiers)
    # "25 septembre 2025", "le 1er mai", "september 25, 2025", "debut aout 2025", "en mai 2025"
    return re.compile(
        rf"\b(?:(?P<qual>{qual})[\s-]+)?(?:(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?P<month>{month})"
        rf"|(?P<month2>{month})(?:\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)?)(?:,?\s+(?P<year>(?:19|20)\d\d))?\b"
    )


@cache
def language(code: str) -> Language:
    path = DATA / "lang" / f"{code}.yaml"
    data = _load(path)
    caps = [
        (phrase, tuple(tag.split("+"))) for tag, phrases in data.get("capabilities", {}).items() for phrase in phrases
    ]
    harms = [(p, harm) for harm, phrases in data.get("harms", {}).items() for p in phrases]
    stances = [(p, stance) for stance, phrases in data.get("stances", {}).items() for p in phrases]
    actions = [(p, act) for act, phrases in data.get("actions", {}).items() for p in phrases]
    attribution = [(p, kind) for kind, phrases in data.get("attribution", {}).items() for p in phrases]
    unknown = {s for _, s in stances} - set(STANCES)
    if unknown:
        raise ValueError(f"{path}: unknown stances {sorted(unknown)}; expected {STANCES}")
    months = [str(m) for m in data.get("months", [])]
    return Language(
        code=code,
        version=int(data.get("version", 1)),
        clause_breaks=list(data.get("clause_breaks", [])),
        capabilities=PhraseMatcher(caps),
        harms=PhraseMatcher(harms),
        stances=PhraseMatcher(stances),
        actions=PhraseMatcher(actions),
        attribution=PhraseMatcher(attribution),
        months={fold(m): i + 1 for i, m in enumerate(months)},
        date_pattern=_date_pattern(months, [str(q) for q in data.get("date_qualifiers", [])]),
        organisation_words=frozenset(fold(w) for w in data.get("organisation_words", [])),
    )


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (DATA / "lang").glob("*.yaml")))


@cache
def harm_taxonomy() -> dict[str, dict[str, Any]]:
    harms = _load(DATA / "harms.yaml")["harms"]
    assert isinstance(harms, dict)
    return harms


@cache
def territory_matcher() -> PhraseMatcher[str]:
    data = _load(DATA / "territories.yaml")["territories"]
    return PhraseMatcher((str(name), str(tid)) for tid, names in data.items() for name in names)


@cache
def provider_matcher() -> PhraseMatcher[str]:
    data = _load(DATA / "providers.yaml")["providers"]
    return PhraseMatcher((str(name), str(pid)) for pid, names in data.items() for name in names)


@dataclass(frozen=True)
class PublisherTable:
    kinds: tuple[str, ...]
    strength: tuple[str, ...]
    matcher: PhraseMatcher[tuple[str, str]]  # (publisher name, kind)

    def identify(self, *texts: str | None) -> tuple[str, str] | None:
        """(publisher, kind) of the first text that names a known publisher."""
        for text in texts:
            if not text:
                continue
            hits = self.matcher.find(text)
            if hits:
                return hits[0].payload
        return None


@cache
def publisher_table(path: Path | None = None) -> PublisherTable:
    data = _load(path or DATA / "publishers.yaml")
    kinds = tuple(data["kinds"])
    entries: list[tuple[str, tuple[str, str]]] = []
    for entry in data["publishers"]:
        if entry["kind"] not in kinds:
            raise ValueError(f"publisher table: {entry['name']}: unknown kind {entry['kind']!r}")
        for phrase in entry.get("match", []):
            entries.append((str(phrase), (str(entry["name"]), str(entry["kind"]))))
    return PublisherTable(kinds, tuple(data["strength"]), PhraseMatcher(entries))

"""The security sector's public bodies, by country: what generic words alone cannot tell.

"Tsahal" and "Israel Defense Forces" share no word, and "Ministry of Defence" names a body in every
country; the gazetteer (vigie/names/data/bodies/*.yaml, one file per country, extended by the files
in `VIGIE_BODIES`) says which body a name or acronym stands for, and cites a public source for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from vigie.names.analyse import Analysed, analyse
from vigie.names.lexicon import LexiconError
from vigie.settings import load_settings

BODIES = Path(__file__).with_name("data") / "bodies"
KINDS = ("ministry", "armed-forces", "military-unit", "intelligence-agency", "police")
_KEYS = {"id", "kind", "role", "parent", "names", "acronyms", "aliases", "source"}
_ID = re.compile(r"[a-z]{2}-[a-z0-9-]+")


@dataclass(frozen=True)
class Body:
    id: str
    country: str
    kind: str
    role: str | None
    parent: str | None
    names: tuple[tuple[str, str], ...]  # (language, name)
    acronyms: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str
    origin: str  # the file it was read from

    @cached_property
    def label(self) -> str:
        english = [n for lang, n in self.names if lang == "en"]
        return english[0] if english else self.names[0][1]

    @cached_property
    def called(self) -> str:
        """How explanations name it: "il-mod (Ministry of Defense)"."""
        return f"{self.id} ({self.label})"

    def all_names(self) -> list[str]:
        return [n for _, n in self.names] + list(self.aliases) + list(self.acronyms)


def _body(path: Path, country: str, index: int, raw: Any) -> Body:
    where = f"{path} entry {index + 1}"
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: expected a mapping")
    unknown = set(raw) - _KEYS
    if unknown:
        raise LexiconError(f"{where} ({raw.get('id')}): unknown field(s) {', '.join(sorted(unknown))}")
    body_id = str(raw.get("id", ""))
    if not _ID.fullmatch(body_id) or not body_id.startswith(country.lower() + "-"):
        raise LexiconError(f"{where}: id {body_id!r} must be '{country.lower()}-' and a lower-case slug")
    if raw.get("kind") not in KINDS:
        raise LexiconError(f"{where} ({body_id}): kind {raw.get('kind')!r} is not one of {', '.join(KINDS)}")
    names = raw.get("names")
    if not isinstance(names, dict) or not names:
        raise LexiconError(f"{where} ({body_id}): 'names' must map languages to lists of names")
    pairs: list[tuple[str, str]] = []
    for lang, values in names.items():
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise LexiconError(f"{where} ({body_id}): names.{lang} must be a list of names")
        pairs.extend((str(lang), v.strip()) for v in values)
    source = str(raw.get("source") or "")
    if not source.startswith(("https://", "http://")):
        raise LexiconError(f"{where} ({body_id}): 'source' must be the address of a public page")
    return Body(
        id=body_id,
        country=country,
        kind=str(raw["kind"]),
        role=str(raw["role"]) if raw.get("role") else None,
        parent=str(raw["parent"]) if raw.get("parent") else None,
        names=tuple(pairs),
        acronyms=tuple(str(a) for a in raw.get("acronyms") or []),
        aliases=tuple(str(a) for a in raw.get("aliases") or []),
        source=source,
        origin=str(path),
    )


def read_bodies(paths: Iterable[Path]) -> list[Body]:
    bodies: dict[str, Body] = {}
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise LexiconError(f"{path}: cannot read: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("bodies"), list):
            raise LexiconError(f"{path}: expected 'country' and a list of 'bodies'")
        country = str(data.get("country", "")).upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise LexiconError(f"{path}: 'country' must be an ISO 3166-1 alpha-2 code (quote NO for Norway)")
        for i, raw in enumerate(data["bodies"]):
            body = _body(path, country, i, raw)
            bodies[body.id] = body  # a user's file may replace a shipped entry
    for body in bodies.values():
        if body.parent and body.parent not in bodies:
            raise LexiconError(f"{body.origin} ({body.id}): parent {body.parent!r} is not in the gazetteer")
    return list(bodies.values())


def _files() -> list[Path]:
    files = sorted(BODIES.glob("*.yaml"))
    extra = load_settings().bodies_path
    if extra is not None:
        files += sorted(extra.glob("*.yaml")) if extra.is_dir() else [extra]
    return files


@dataclass(frozen=True)
class Gazetteer:
    bodies: dict[str, Body]
    by_signature: dict[tuple[str, ...], frozenset[str]]
    by_acronym: dict[str, frozenset[str]]
    _analysed: dict[str, tuple[Analysed, ...]] = field(default_factory=dict, repr=False, compare=False)
    # What comparison works out once a body rather than once a pair (vigie/names/compare.py).
    memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def resolve(self, name: Analysed) -> frozenset[str]:
        """The bodies a name stands for: one when it is unambiguous, several when it is not."""
        if name.kind != "organisation":
            return frozenset()
        found = self.by_signature.get(name.signature(), frozenset())
        if name.acronym:
            by_acronym = self.by_acronym.get(name.acronym, frozenset())
            countries = name.countries
            if countries:
                by_acronym = frozenset(b for b in by_acronym if self.bodies[b].country in countries)
            found = found | by_acronym
        return found

    def names_of(self, body_id: str) -> list[Analysed]:
        return [analyse(n) for n in self.bodies[body_id].all_names()]

    def forget(self) -> None:
        """Drop what was worked out once a body, so that a benchmark times working it out again."""
        self._analysed.clear()
        self.memo.clear()

    def analysed_names(self, body_id: str) -> tuple[Analysed, ...]:
        """`names_of`, analysed once a body: a name that is a body is compared with all its names."""
        found = self._analysed.get(body_id)
        if found is None:
            found = self._analysed[body_id] = tuple(self.names_of(body_id))
        return found


def build(bodies: Iterable[Body]) -> Gazetteer:
    by_id = {b.id: b for b in bodies}
    signature: dict[tuple[str, ...], set[str]] = {}
    acronym: dict[str, set[str]] = {}
    for body in by_id.values():
        for name in body.all_names():
            analysed = analyse(name)
            if analysed.acronym:
                acronym.setdefault(analysed.acronym, set()).add(body.id)
            key = analysed.signature()
            if key:
                signature.setdefault(key, set()).add(body.id)
    return Gazetteer(
        by_id,
        {k: frozenset(v) for k, v in signature.items()},
        {k: frozenset(v) for k, v in acronym.items()},
    )


@cache
def gazetteer() -> Gazetteer:
    return build(read_bodies(_files()))

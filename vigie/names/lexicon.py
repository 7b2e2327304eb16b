"""The knowledge names are compared with: generic words by meaning, countries, stop words, particles.

All of it is data (vigie/names/data/*.yaml), folded once at load the same way names are folded, so
that a lookup is one dictionary access per token. A user extends the generic words with a file of
the same shape (`VIGIE_NAMES_GENERIC`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from vigie.evidence.text import fold
from vigie.settings import load_settings

DATA = Path(__file__).with_name("data")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class LexiconError(ValueError):
    """A names data file that cannot be used; the message names the file and the entry."""


def words_of(text: str) -> list[str]:
    """Folded words; Hebrew acronym marks (צה"ל) and apostrophes inside words are dropped first."""
    folded = fold(text)
    folded = re.sub(r"(?<=[\u0590-\u05ff])[\"'״׳](?=[\u0590-\u05ff])", "", folded)
    return _WORD.findall(folded)


@dataclass(frozen=True, eq=False)
class Lexicon:
    classes: dict[str, frozenset[str]]  # folded word → the classes it may mean
    initials: dict[str, frozenset[str]]  # class → letters it may stand for in an acronym
    stopwords: frozenset[str]
    particles: frozenset[str]
    countries: dict[tuple[str, ...], str]  # folded words of a country name or adjective → ISO code
    country_initials: dict[str, frozenset[str]]  # ISO code → initials of its names
    longest_country: int
    country_starts: dict[str, int]  # first word of a country name → the most words such a name has
    version: str

    def classes_of(self, word: str) -> frozenset[str]:
        found = self.classes.get(word)
        if found is None and len(word) >= 6:
            found = _near_class(self, word)
        if found is None and len(word) > 4 and word.startswith("ال"):
            found = self.classes.get(word[2:])  # Arabic definite article
        if found is None and len(word) > 3 and word[0] in "הו" and "\u0590" <= word[0] <= "\u05ff":
            found = self.classes.get(word[1:])  # Hebrew definite article or conjunction
        return found or frozenset()


@lru_cache(maxsize=65536)
def _near_class_words(lex: Lexicon, first: str) -> tuple[str, ...]:
    return tuple(w for w in lex.classes if w[0] == first and len(w) >= 6)


def _near_class(lex: Lexicon, word: str) -> frozenset[str] | None:
    """A generic word misspelt ("minstry"): the class of the one word within one or two edits."""
    best = process.extractOne(
        word, _near_class_words(lex, word[0]), scorer=Levenshtein.normalized_similarity, score_cutoff=0.85
    )
    return lex.classes[best[0]] if best else None


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping at the top")
    return data


def _add_generic(
    path: Path, classes: dict[str, set[str]], initials: dict[str, set[str]], extra: dict[str, set[str]]
) -> None:
    data = _load_yaml(path)
    for name, spec in (data.get("classes") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("words", []), list):
            raise LexiconError(f"{path}: class {name!r}: expected 'words' as a list")
        initials.setdefault(str(name), set()).update(str(i).lower() for i in spec.get("initials", []))
        for word in spec.get("words", []):
            for part in words_of(str(word)):
                classes.setdefault(part, set()).add(str(name))
    for key in ("stopwords", "particles"):
        values = data.get(key) or []
        if not isinstance(values, list):
            raise LexiconError(f"{path}: {key!r} must be a list")
        extra.setdefault(key, set()).update(w for v in values for w in words_of(str(v)))


@cache
def lexicon() -> Lexicon:
    classes: dict[str, set[str]] = {}
    initials: dict[str, set[str]] = {}
    extra: dict[str, set[str]] = {}
    paths = [DATA / "generic.yaml"]
    user = load_settings().names_generic
    if user is not None:
        paths.append(user)
    for path in paths:
        _add_generic(path, classes, initials, extra)
    stopwords = frozenset(extra.get("stopwords", set()))
    for word in stopwords:
        classes.pop(word, None)
    countries: dict[tuple[str, ...], str] = {}
    country_initials: dict[str, set[str]] = {}
    country_starts: dict[str, int] = {}
    countries_file = DATA / "countries.yaml"
    if countries_file.exists():
        for code, by_lang in _load_yaml(countries_file).items():
            if not isinstance(by_lang, dict):
                raise LexiconError(f"{countries_file}: {code!r}: expected names by language")
            iso = str(code).upper()
            for names in by_lang.values():
                for name in names or []:
                    key = tuple(w for w in words_of(str(name)) if w not in stopwords)
                    if key:
                        countries.setdefault(key, iso)
                        country_initials.setdefault(iso, set()).add(key[0][0])
                        size = len(words_of(str(name)))
                        country_starts[key[0]] = max(country_starts.get(key[0], 0), size)
    data = _load_yaml(DATA / "generic.yaml")
    return Lexicon(
        classes={w: frozenset(c) for w, c in classes.items()},
        initials={c: frozenset(i) for c, i in initials.items()},
        stopwords=stopwords,
        particles=frozenset(extra.get("particles", set())),
        countries=countries,
        country_initials={c: frozenset(i) for c, i in country_initials.items()},
        longest_country=max((len(k) for k in countries), default=1),
        country_starts=country_starts,
        version=str(data.get("version", "")),
    )

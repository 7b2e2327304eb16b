"""A name taken apart once into what comparison needs: its tokens and what each of them means.

Comparing two names is then cheap arithmetic over two small tuples, which is what lets screening
score millions of pairs. Every token keeps its surface form so that explanations can quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from rigour.names import replace_org_types_compare
from rigour.text import ascii_text

from vigie.evidence.text import fold
from vigie.names.lexicon import Lexicon, lexicon, words_of

if TYPE_CHECKING:
    from vigie.names.compare import Profile

# What a token is, for weighting and explanation.
WORD = "word"  # a distinctive word: a name, a place, a designation
GENERIC = "generic"  # a word of a class in generic.yaml (ministry, defence, unit …)
COUNTRY = "country"  # a country's name or adjective
NUMBER = "number"
LEGAL = "legal"  # a legal form (GmbH, SA, LLC), after rigour's normalisation
STOP = "stop"
PARTICLE = "particle"  # of a person's name: de, van, bin …
INITIAL = "initial"  # of a person's name: a single letter

KINDS = ("organisation", "person")
_ACRONYM = re.compile(r"^(?:[A-ZА-ЯЁ]{2,8}|[A-Z][a-z]?[A-Z][A-Za-z]?[A-Z]?|[\u0590-\u05ff]+[\"״][\u0590-\u05ff])$")


@dataclass(frozen=True)
class Token:
    surface: str  # folded, as written
    key: str  # what it compares by: a class set, a country code, a number, or the word in Latin letters
    role: str
    initials: frozenset[str]  # letters it may stand for in an acronym


@dataclass(frozen=True)
class Analysed:
    """A name ready to compare; built by `analyse`, cached by its text."""

    text: str
    kind: str
    tokens: tuple[Token, ...]
    acronym: str | None  # the folded letters when the name is an acronym (with at most a country beside it)

    # Worked out once, when the name is analysed: screening asks each of millions of names for them.
    meaningful: tuple[Token, ...] = field(init=False, repr=False, compare=False)
    countries: frozenset[str] = field(init=False, repr=False, compare=False)
    numbers: frozenset[str] = field(init=False, repr=False, compare=False)
    _signature: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # What comparison needs of the tokens (vigie/names/compare.py), made when the name is first
    # compared: most names of a screening never are.
    profile: Profile | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        meaningful = tuple(t for t in self.tokens if t.role not in (STOP, LEGAL))
        object.__setattr__(self, "meaningful", meaningful)
        object.__setattr__(self, "countries", frozenset(t.key for t in self.tokens if t.role == COUNTRY))
        object.__setattr__(self, "numbers", frozenset(t.key for t in self.tokens if t.role == NUMBER))
        object.__setattr__(self, "_signature", tuple(sorted(t.key for t in meaningful)))

    def signature(self) -> tuple[str, ...]:
        """The name's meaning regardless of order and language: what gazetteer lookups key on."""
        return self._signature


def _latin(word: str) -> str:
    if word.isascii():
        return word
    return fold(ascii_text(word)).replace(" ", "")


def _number(word: str) -> str | None:
    if word.isdigit():
        try:
            return str(int(word))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=1)
def _legal_forms() -> frozenset[str]:
    """Legal-form tokens in rigour's generic comparison form (llc, jsc …)."""
    sample = "x gmbh|x sa|x ltd|x inc|x ooo|x ag|x plc|x bv|x srl|x spa|x sarl|x oao|x pjsc|x corp|x co"
    forms = {replace_org_types_compare(s, generic=True).split()[-1] for s in sample.split("|")}
    return frozenset(forms)


def _organisation_tokens(text: str, lex: Lexicon) -> list[Token]:
    lowered = text.casefold()
    legal_text = replace_org_types_compare(lowered, generic=True)
    legal_words = set(words_of(legal_text)) - set(words_of(lowered)) if legal_text != lowered else set()
    words = words_of(legal_text) if legal_words else words_of(text)
    legal = _legal_forms() | legal_words
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        # Country names may span words ("United States", "Российской Федерации"): longest first.
        # The countries file is keyed without stop words ("Irlande du Nord" → irlande nord), so
        # the window is too; it must start and end on a word that is not one.
        for size in range(min(lex.country_starts.get(words[i], 0), len(words) - i), 0, -1):
            window = words[i : i + size]
            if window[0] in lex.stopwords or window[-1] in lex.stopwords:
                continue
            code = lex.countries.get(tuple(w for w in window if w not in lex.stopwords))
            if code is not None:
                surface = " ".join(words[i : i + size])
                tokens.append(Token(surface, f"country:{code}", COUNTRY, lex.country_initials.get(code, frozenset())))
                i += size
                break
        else:
            word = words[i]
            i += 1
            number = _number(word)
            if number is not None:
                tokens.append(Token(word, f"num:{number}", NUMBER, frozenset()))
            elif word in lex.stopwords:
                tokens.append(Token(word, word, STOP, frozenset({word[0]})))
            elif word in legal:
                tokens.append(Token(word, f"legal:{word}", LEGAL, frozenset()))
            else:
                classes = lex.classes_of(word)
                if classes:
                    letters = {word[0]}.union(*(lex.initials.get(c, frozenset()) for c in classes))
                    tokens.append(Token(word, "class:" + "|".join(sorted(classes)), GENERIC, frozenset(letters)))
                else:
                    parts = _compound(word, lex)
                    if parts:
                        words[i:i] = parts  # analysed in turn, as if written apart
                    else:
                        tokens.append(Token(word, _latin(word), WORD, frozenset({word[0]})))
    return tokens


def _compound(word: str, lex: Lexicon) -> list[str] | None:
    """German-style compounds ending in a generic word: "bundesministerium" → bundes + ministerium."""
    if len(word) < 9:
        return None
    for cut in range(3, len(word) - 4):
        if word[cut:] in lex.classes:
            head = word[:cut]
            if head not in lex.classes and head.endswith("s") and head[:-1] in lex.classes:
                head = head[:-1]  # the linking s of "Verteidigungsministerium"
            return [head, word[cut:]]
    return None


def _person_tokens(text: str, lex: Lexicon) -> list[Token]:
    tokens: list[Token] = []
    for word in words_of(text):
        latin = _latin(word)
        if not latin:
            continue
        if latin in lex.particles:
            tokens.append(Token(word, latin, PARTICLE, frozenset()))
        elif len(latin) == 1:
            tokens.append(Token(word, latin, INITIAL, frozenset({latin})))
        else:
            tokens.append(Token(word, latin, WORD, frozenset({latin[0]})))
    return tokens


def _acronym(text: str, tokens: list[Token]) -> str | None:
    """The acronym a name is, if it is one: "IMOD", "MoD", "ФСБ", "צה"ל", or "Israeli IMOD"."""
    raw = text.split()
    candidates = [w.strip(".,;:()") for w in raw]
    main = [t for t in tokens if t.role not in (COUNTRY, LEGAL, STOP)]
    if len(main) != 1 or main[0].role == NUMBER:
        return None
    if not any(_ACRONYM.match(c) for c in candidates):
        return None
    return main[0].surface


@lru_cache(maxsize=200_000)
def analyse(text: str, kind: str = "organisation") -> Analysed:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    lex = lexicon()
    if kind == "person":
        return Analysed(text, kind, tuple(_person_tokens(text, lex)), None)
    tokens = _organisation_tokens(text, lex)
    return Analysed(text, kind, tuple(tokens), _acronym(text, tokens))

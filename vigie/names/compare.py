"""Comparing two names, with the reasons: `compare(a, b, kind) -> Match`.

The score is built from features, each of which the match lists: the public body both names stand
for (the gazetteer), an acronym spelled out by the other name's words, the words both names share
by meaning across languages, spelling differences, words only one name has, and the hard
disagreements — another number, another country, another public body — that cap the score
whatever else agrees. The method is written out in docs/names.md.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, NamedTuple

import cython
from rapidfuzz.distance import OSA

from vigie.names.analyse import (
    COUNTRY,
    GENERIC,
    INITIAL,
    LEGAL,
    NUMBER,
    PARTICLE,
    STOP,
    WORD,
    Analysed,
    Token,
    analyse,
)
from vigie.names.gazetteer import Gazetteer, gazetteer

MATCH = 0.7  # the score from which two names are taken to be the same, unless a reviewer says otherwise

# How much each kind of token counts towards the score.
WEIGHTS = {WORD: 1.0, NUMBER: 1.0, GENERIC: 0.5, COUNTRY: 0.5, LEGAL: 0.1, INITIAL: 0.5, PARTICLE: 0.2, STOP: 0.0}
CAP_NUMBERS = 0.2  # "Unit 8200" and "Unit 8201"
CAP_COUNTRIES = 0.25  # the French and the Israeli defence ministries
CAP_BODIES = 0.15  # two different public bodies in the gazetteer
CAP_NO_SURNAME = 0.3
CAP_FUNCTIONS = 0.5  # "Ministry of Defence" and "Ministry of Interior"
DIFFERENT_WORDS = 0.8  # each name has a distinctive word the other lacks  # person names that share no full name part
SAME_BODY = 0.97
CAP_ACRONYM_OF_BODY = 0.6  # a gazetteer body's acronym, spelt by a name that is not one of the body's
FEW_BODIES = 3  # a name that may be this many public bodies can still be the one the other name is
ACRONYM = 0.9
SAME_ACRONYM = 0.95
# The least similarity at which two words are one word misspelt: one letter off in six or more
# (0.83), not in five (0.8), where "Nokos" and "Nikos" are as likely two names as one misspelt.
TYPO = 0.82


class Feature(NamedTuple):
    """One reason: what it is, how much it counted (or the cap it set), and the words behind it.

    A named tuple rather than a dataclass: a screening makes a few a pair compared, and this module
    makes them with `_new(Feature, (name, value, detail))` (see there), without a Python `__init__`
    (a third of the cost) or an instance dict (see "How the scoring is kept cheap" in
    docs/names.md). `Feature(name, value, detail)` works as before.
    """

    name: str
    value: float
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"feature": self.name, "value": round(self.value, 4), "detail": self.detail}


class Match(NamedTuple):
    """Two names compared: the score and the features it was built from, in order. Made as
    `Feature` is, one a pair compared."""

    a: str
    b: str
    kind: str
    score: float
    features: tuple[Feature, ...]

    @property
    def is_match(self) -> bool:
        return self.score >= MATCH

    def explain(self) -> str:
        lines = [f"{self.a!r} ~ {self.b!r}: {self.score:.2f}"]
        lines += [f"  {f.name}: {f.value:+.2f}  {f.detail}" for f in self.features]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "kind": self.kind,
            "score": round(self.score, 4),
            "features": [f.as_json() for f in self.features],
        }


def _round4(score: float) -> float:
    """`round(score, 4)`, to the last bit, for a score in [0, 1]. `round` writes the digits out and
    reads them back, which cost a plain pair more than the rest of its score. Away from a tie (by a
    ten-thousandth of a unit, far more than the product's rounding error, under 10⁻¹²), the nearest
    integer to score × 10⁴ worked out in floating point is that of the exact product, and dividing
    it by 10⁴ rounds to the same double as reading its digits back; near a tie, `round` decides."""
    scaled = score * 10000.0
    whole = int(scaled + 0.5)
    if -0.4999 < scaled - whole < 0.4999 and 0.0 <= score <= 1.0:
        return whole / 10000.0
    return round(score, 4)


# Makes a named tuple from a tuple of its fields: `Match(...)` and `Feature(...)` go through the
# class's own `__new__`, a Python function, which costs a screening more than the tuple does.
# Compiled, `_new` is compare.pxd's C function instead, which copies the fields straight in and
# keeps the record out of the cycle collector's sight (see there).
if not cython.compiled:
    _new = tuple.__new__


def compare(a: str, b: str, kind: str = "organisation") -> Match:
    """Score in [0, 1] that `a` and `b` name the same organisation (or person), and why."""
    return compare_analysed(analyse(a, kind), analyse(b, kind))


def compare_analysed(
    a: Analysed,
    b: Analysed,
    gaz: Gazetteer | None = None,
    where: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset()),
) -> Match:
    """`compare` of analysed names. `where`: the countries each name's record is known to be of,
    which tell "Ministry of Defence" of Greece from that of Ghana in the gazetteer."""
    if a.kind != b.kind:
        raise ValueError(f"cannot compare a {a.kind} name with a {b.kind} name")
    gaz = gaz or gazetteer()
    if a.kind == "person":
        return compare_known(a, b, gaz, frozenset(), frozenset())
    return compare_known(a, b, gaz, bodies_of(a, gaz, where[0]), bodies_of(b, gaz, where[1]))


def compare_known(a: Analysed, b: Analysed, gaz: Gazetteer, body_a: frozenset[str], body_b: frozenset[str]) -> Match:
    """`compare_analysed` of two names of one kind whose `bodies_of` their records' countries the
    caller knows already: screening works them out once a name, not once a pair."""
    pa, pb = a.profile or profile(a), b.profile or profile(b)
    if pa.kind == "person":
        score, features = _persons(a, b)
        return _new(Match, (a.text, b.text, a.kind, score, tuple(features)))
    return compare_profiled(a, b, pa, pb, gaz, body_a, body_b)


def compare_profiled(
    a: Analysed, b: Analysed, pa: Profile, pb: Profile, gaz: Gazetteer, body_a: frozenset[str], body_b: frozenset[str]
) -> Match:
    """`compare_known` of two organisation names, `pa` and `pb` their profiles (screening keeps them on the
    names). Two usual cases are settled without the way through `_organisations`:

    - twins (the same tokens, neither an acronym, see `twins`) that are not two known bodies: the same numbers,
      the same countries, nothing for the gazetteer to add to a full match;
    - two plain names (neither an acronym) of which neither is a known body: `_organisations` would come to
      their words and disagreements and go no further (`compare_plain`).
    """
    if pa.twin is not None and pa.twin == pb.twin and not (body_a and body_b):
        return _new(Match, (pa.text, pb.text, pa.kind, 1.0, twins(pa, pb)))
    if pa.plain and pb.plain and not (body_a or body_b):
        return compare_plain(a, b, pa, pb)
    return _organisations(a, b, pa, pb, gaz, body_a, body_b)


def compare_plain(a: Analysed, b: Analysed, pa: Profile, pb: Profile) -> Match:
    """`compare_known` of two organisation names (`pa` and `pb` their profiles) that are neither
    acronyms, nor known bodies, nor twins: their words and their disagreements."""
    score, features = _unlike(pa, pb)
    if (pa.numbers and pb.numbers) or (pa.countries and pb.countries):
        score, features = _disagreements(pa, pb, score, features)
    return _new(Match, (pa.text, pb.text, pa.kind, _round4(score), tuple(features)))


def bodies_of(name: Analysed, gaz: Gazetteer, countries: frozenset[str] = frozenset()) -> frozenset[str]:
    """The public bodies a name may be; of the record's countries only, when those leave any."""
    return narrow(gaz.resolve(name), gaz, countries)


def narrow(found: frozenset[str], gaz: Gazetteer, countries: frozenset[str]) -> frozenset[str]:
    """Of several bodies, those of the countries, if any is."""
    if countries and len(found) > 1:
        narrowed = frozenset(b for b in found if gaz.bodies[b].country in countries)
        if narrowed:
            return narrowed
    return found


# ------------------------------------------------------------------------------------ organisations


def _organisations(
    a: Analysed, b: Analysed, pa: Profile, pb: Profile, gaz: Gazetteer, body_a: frozenset[str], body_b: frozenset[str]
) -> Match:
    if body_a and body_b:
        shared = body_a & body_b
        # A name that could be a dozen bodies ("Department of Defence") is not, on its own, the
        # Australian one; a name that could be two ("Bundesnachrichtendienst": Germany's BND, or
        # Switzerland's NDB) is the one the other name pins down.
        if shared and min(len(body_a), len(body_b)) == 1 and max(len(body_a), len(body_b)) <= FEW_BODIES:
            return _new(Match, (pa.text, pb.text, pa.kind, SAME_BODY, (_same_body(gaz, min(shared)),)))
        if not shared and len(body_a) == 1 and len(body_b) == 1:
            (x,), (y,) = body_a, body_b
            score, features = _direct(a, b)  # a list of its own, which the cap is added to
            detail = f"{_CAPS_BODIES}{pa.quoted} is {gaz.bodies[x].called}, {pb.quoted} is {gaz.bodies[y].called}"
            features.append(_new(Feature, ("different public bodies", CAP_BODIES, detail)))
            return _new(Match, (pa.text, pb.text, pa.kind, _round4(min(score, CAP_BODIES)), tuple(features)))
    score, features = _direct(a, b)
    if not (body_a or body_b):
        return _new(Match, (pa.text, pb.text, pa.kind, _round4(score), tuple(features)))
    for known, other, body_ids in ((a, b, body_a), (b, a, body_b)):
        if known.acronym and 0 < len(body_ids) <= FEW_BODIES and not (body_a and body_b) and other.acronym is None:
            # "MPS" is London's Metropolitan Police Service (or China's Ministry of Public Security);
            # "Mapoza Pubu Solutions" spells it too, but a name of those bodies would be known as one.
            # (Lists, not generators, here and in `_listed`: compiled functions take no closures.)
            which = ", ".join([f"{b} ({gaz.bodies[b].label})" for b in sorted(body_ids)])
            detail = f"{known.text!r} is {which}, and {other.text!r} is not one of their names"
            if score > CAP_ACRONYM_OF_BODY and any([f.name.startswith("acronym") for f in features]):
                return _capped(a, b, score, features, CAP_ACRONYM_OF_BODY, "the acronym of a known body", detail)
        if len(body_ids) == 1 and not (body_a and body_b) and score < MATCH:
            # One name is a known body under a name the other does not share ("Tsahal"): compare the
            # other with each of that body's names.
            body = gaz.bodies[next(iter(body_ids))]
            best: tuple[float, list[Feature], str] | None = None
            for alias in gaz.analysed_names(body.id):
                alias_score, alias_features = _direct(alias, other)
                if best is None or alias_score > best[0]:
                    best = (alias_score, alias_features, alias.text)
            if best is not None and best[0] > score:
                # The body's other names must not lift what the names themselves rule out.
                caps = [f.value for f in features if f.name in ("numbers differ", "countries differ")]
                if other.countries and f"country:{body.country}" not in other.countries:
                    caps.append(CAP_COUNTRIES)
                    detail = f"{body.id} is in {body.country}, not in {other.text!r}"
                    best[1].append(_new(Feature, ("countries differ", CAP_COUNTRIES, detail)))
                caps.append(best[0])
                best = (min(caps), best[1], best[2])
            if best is not None and best[0] > score:
                detail = (
                    f"{known.text!r} is {body.id} ({body.label}, {body.country}; source {body.source}), "
                    f"also called {best[2]!r}"
                )
                via = _new(Feature, ("public body", 0.0, detail))
                score, features = best[0], [via, *best[1]]
    return _new(Match, (pa.text, pb.text, pa.kind, _round4(score), tuple(features)))


def _same_body(gaz: Gazetteer, body_id: str) -> Feature:
    """The feature of two names of one body: the same for every pair, so made once a body."""
    found = gaz.memo.get(("same public body", body_id))
    if found is None:
        body = gaz.bodies[body_id]
        detail = f"both name {body.id} ({body.label}, {body.country}; source {body.source})"
        found = gaz.memo[("same public body", body_id)] = _new(Feature, ("same public body", SAME_BODY, detail))
    return found


def _capped(
    a: Analysed, b: Analysed, score: float, features: list[Feature], cap: float, name: str, detail: str
) -> Match:
    features = [*features, _new(Feature, (name, cap, _caps(cap) + detail))]
    return _new(Match, (a.text, b.text, a.kind, _round4(min(score, cap)), tuple(features)))


def _direct(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    """Everything but the gazetteer: acronyms, then words by meaning, then the hard disagreements."""
    features: list[Feature] = []
    if a.acronym and b.acronym:
        if a.acronym == b.acronym:
            score = SAME_ACRONYM
            features.append(_new(Feature, ("same acronym", score, a.acronym.upper())))
        else:
            score, features = _words(a, b)
    elif a.acronym or b.acronym:
        short, long = (a, b) if a.acronym else (b, a)
        spelled = spell(short.acronym or "", long)
        if spelled:
            score = ACRONYM
            letters = short.acronym.upper() if short.acronym else ""
            features.append(_new(Feature, ("acronym", score, f"{letters} = {spelled}")))
        else:
            score, features = _words(a, b)
    else:
        score, features = _profiled_words(a.profile or profile(a), b.profile or profile(b))
    if (a.numbers and b.numbers) or (a.countries and b.countries):
        return _disagreements(a.profile or profile(a), b.profile or profile(b), score, features)
    return score, features


def _caps(cap: float) -> str:
    """The start of a cap's detail: written once a cap (a float's digits cost more than the rest)."""
    return _CAPS.get(cap) or f"caps the score at {cap}: "


_CAPS = {cap: f"caps the score at {cap}: " for cap in (CAP_NUMBERS, CAP_COUNTRIES, CAP_BODIES, CAP_ACRONYM_OF_BODY)}
_CAPS_NUMBERS, _CAPS_COUNTRIES, _CAPS_BODIES = _CAPS[CAP_NUMBERS], _CAPS[CAP_COUNTRIES], _CAPS[CAP_BODIES]


def _disagreements(a: Profile, b: Profile, score: float, features: list[Feature]) -> tuple[float, list[Feature]]:
    """The hard disagreements, which cap the score whatever agreed: other numbers, other countries."""
    if a.numbers and b.numbers and a.numbers != b.numbers:
        cap = CAP_NUMBERS
        detail = f"{_listed(a.numbers, 4)} vs {_listed(b.numbers, 4)}"
        features.append(_new(Feature, ("numbers differ", cap, _CAPS_NUMBERS + detail)))
        score = min(score, cap)
    if a.countries and b.countries and not (a.countries & b.countries):
        cap = CAP_COUNTRIES
        detail = f"{_listed(a.countries, 8)} vs {_listed(b.countries, 8)}"
        features.append(_new(Feature, ("countries differ", cap, _CAPS_COUNTRIES + detail)))
        score = min(score, cap)
    return score, features


def _listed(codes: frozenset[str], prefix: int) -> str:
    """Prefixed codes ("number:8200", "country:il") as a list for a reader, without their prefix."""
    return ", ".join(sorted([code[prefix:] for code in codes]))


FUNCTIONS_DIFFER = _new(Feature, ("functions differ", CAP_FUNCTIONS, f"caps the score at {CAP_FUNCTIONS}"))
WORDS_DIFFER = _new(Feature, ("words differ", DIFFERENT_WORDS, f"multiplies the score by {DIFFERENT_WORDS}"))


_osa = OSA.normalized_similarity


def _similar(x: str, y: str) -> float:
    if min(len(x), len(y)) < 4:
        return 1.0 if x == y else 0.0
    return _typo(x, y)


# The longest words that only one edit can leave at TYPO or more: two edits leave a word of this
# many letters or fewer under it.
_ONE_EDIT = max(n for n in range(1, 100) if 1.0 - 2.0 / n < TYPO)


def _typo(x: str, y: str) -> float:
    """The OSA similarity of two words (rapidfuzz's: 1 - edits / the longer's length, a transposition
    being one edit) where it is TYPO or more, else 0. Up to `_ONE_EDIT` letters, that is whether the
    words are one edit apart, which one pass over their letters tells: a screening asks this of
    every word of a pair that the other name lacks, and calling rapidfuzz costs more than the pass."""
    if len(x) < len(y):
        x, y = y, x  # x the longer
    longest, shorter = len(x), len(y)
    if longest > _ONE_EDIT:
        ratio = _osa(x, y)
        return ratio if ratio >= TYPO else 0.0
    if longest - shorter > 1:
        return 0.0
    i = 0
    while i < shorter and x[i] == y[i]:
        i += 1
    if i == longest:
        return 1.0
    if longest == shorter:  # x[i] written for y[i], or x[i] and x[i + 1] swapped
        j = i + 2 if i + 1 < longest and x[i] == y[i + 1] and x[i + 1] == y[i] else i + 1
        while j < longest and x[j] == y[j]:
            j += 1
    else:  # x[i] added
        j = i
        while j < shorter and x[j + 1] == y[j]:
            j += 1
        j += 1
    if j < longest:
        return 0.0
    ratio = 1.0 - 1.0 / longest
    return ratio if ratio >= TYPO else 0.0


class Profile:
    """What comparing needs of a name's tokens, worked out once a name (the first time it is
    compared, see `profile`): a screening compares each name with dozens of others, and looking a
    token's partner up by key is cheaper than trying every token of the other name.

    `same` holds, for each token, the feature it gets when the other name has the same token
    written the same way, which is most of the time; `key_set` and `written` are its tokens'
    keys, and keys with their spellings, as sets: two `distinct` names of the same keys match
    token for token (see `twins`): `twin` is its keys when it could have a twin (an organisation's
    name, not an acronym), `plain` whether it is compared by its words alone unless a known body.
    """

    __slots__ = (
        "acronym", "alone_first", "alone_second", "by_class", "by_key", "classes", "countries", "distinct",
        "first_legal", "halves", "key_set", "keys", "kind", "left", "numbers", "plain", "quoted", "reprs", "roles",
        "same", "spans", "surfaces", "text", "total", "twin", "weights", "wordlike", "words", "written",
    )  # fmt: skip

    def __init__(self, name: Analysed) -> None:
        tokens = tuple(t for t in name.tokens if t.role != STOP)
        self.text, self.kind, self.acronym = name.text, name.kind, name.acronym
        self.quoted = repr(name.text)  # as explanations quote it
        self.numbers, self.countries = name.numbers, name.countries
        self.keys = tuple(t.key for t in tokens)
        self.roles = tuple(t.role for t in tokens)
        self.weights = tuple(WEIGHTS[t.role] for t in tokens)
        if not all(self.weights):
            raise ValueError("only stop words weigh nothing")  # what the comparisons below take for granted
        self.total = 0.0
        for weight in self.weights:
            self.total += weight  # summed in order, as a loop over the tokens sums them
        self.classes = tuple(frozenset(t.key[6:].split("|")) if t.role == GENERIC else frozenset() for t in tokens)
        self.surfaces = tuple(t.surface for t in tokens)
        self.reprs = tuple(repr(t.surface) for t in tokens)
        self.by_key: dict[str, int] = {}
        self.by_class: dict[str, int] = {}
        for i, token in enumerate(tokens):
            self.by_key.setdefault(token.key, i)
            for c in self.classes[i]:
                self.by_class.setdefault(c, i)
        self.first_legal = next((i for i, t in enumerate(tokens) if t.role == LEGAL), -1)
        self.wordlike = tuple(
            (i, t.key, t.role == INITIAL, len(t.key)) for i, t in enumerate(tokens) if t.role in (WORD, INITIAL)
        )
        # For organisation names (`_org_partner`): the words, and the lengths of the words each
        # token may be a typo of (those of `_similar`, a word longer than `_SPANS` knows being
        # one of 4 letters or more); what each token left without a partner tells (`_LEFT`).
        self.words = tuple((i, t.key, len(t.key)) for i, t in enumerate(tokens) if t.role == WORD)
        self.spans = tuple(map(_SPANS.get, map(len, self.keys), repeat((4, 1 << 30))))
        self.left = tuple(map(_LEFT.get, self.roles, repeat(0)))
        # The feature of each token matched by the same key written another way, but for that way.
        self.halves = tuple(zip(map(_same, tokens), self.weights, [f"{r} ~ " for r in self.reprs], strict=True))
        pairs = zip(self.halves, self.reprs, strict=True)
        self.same = tuple(_new(Feature, (how, weight, start + r)) for (how, weight, start), r in pairs)
        # Made when first needed (see `alone`): most tokens always find their match.
        self.alone_first: list[Feature | None] = [None] * len(tokens)
        self.alone_second: list[Feature | None] = [None] * len(tokens)
        # No two of its tokens could stand for each other: not the same key, not the same meaning.
        self.distinct = (
            bool(tokens) and len(self.by_key) == len(tokens) and sum(map(len, self.classes)) == len(self.by_class)
        )
        self.key_set = frozenset(self.keys)
        hash(self.key_set)  # kept in the set: `==` with another name's keys then mostly stops at the hashes
        self.written = frozenset(f"{t.key}\x1e{t.surface}" for t in tokens)
        # One comparison of `twin`s tells a pair of twins (see `compare_profiled`).
        self.plain = name.acronym is None and name.kind != "person"
        self.twin = self.key_set if self.distinct and self.plain else None

    def alone(self, i: int, first: bool) -> Feature:
        """The feature of token i when the other name has nothing for it."""
        made = self.alone_first if first else self.alone_second
        found = made[i]
        if found is None:
            where = "first" if first else "second"
            found = made[i] = _new(Feature, (f"only in the {where} name", 0.0, f"{self.reprs[i]} ({self.roles[i]})"))
        return found


def profile(name: Analysed) -> Profile:
    """The name's profile, made the first time it is asked for and kept on the name."""
    found = name.profile
    if found is None:
        found = Profile(name)
        object.__setattr__(name, "profile", found)
    return found


def _same(token: Token) -> str:
    return "same word" if token.role == WORD else f"same {token.role}"


def _partner(a: Profile, i: int, b: Profile) -> tuple[float, int]:
    """The best partner in b of token i of a, and how far it matches: the first of the best, as
    trying each token of b in turn would find it (`_pair` in tests/names/reference.py), found
    through b's indexes. The same key or the same meaning matches in full; another legal form by
    half; a word by its spelling (`_similar`), or by its initial (persons)."""
    key, role = a.keys[i], a.roles[i]
    j = b.by_key.get(key, -1)
    if role == GENERIC:
        for c in a.classes[i]:
            k = b.by_class.get(c, -1)
            if k >= 0 and (j < 0 or k < j):
                j = k
        return (1.0, j) if j >= 0 else (0.0, -1)
    if j >= 0:
        return 1.0, j
    if role == LEGAL:
        j = b.first_legal
        return (0.5, j) if j >= 0 else (0.0, -1)
    if role in (WORD, INITIAL):
        best, partner = 0.0, -1
        initial = role == INITIAL
        # The lengths of word `_similar` could find a typo of this one: most words are ruled
        # out on their length alone, without working the edit distance out.
        shortest, longest = _SPANS.get(len(key), (0, 1 << 30))
        for k, other, other_initial, other_size in b.wordlike:
            if initial or other_initial:
                value = 0.8 if key[0] == other[0] else 0.0
            elif shortest <= other_size <= longest:
                value = _similar(key, other)
            else:
                continue
            if value > best:
                best, partner = value, k
        return best, partner
    return 0.0, -1


def _spans(longest: int) -> dict[int, tuple[int, int]]:
    """For words of each length up to `longest`, the lengths of the words `_similar` might find
    them a typo of: at least 4 letters, and a similarity that the difference in length (a lower
    bound of the edit distance, which is at least 1) does not already put under TYPO. An
    interval, which the check below makes sure of."""
    spans: dict[int, tuple[int, int]] = {}
    for size in range(1, longest + 1):
        fit = [
            other
            for other in range(1, 2 * longest + 1)  # a typo of a word is never twice as long
            if min(size, other) >= 4 and 1.0 - max(abs(size - other), 1) / max(size, other) >= TYPO
        ]
        if fit:
            if fit != list(range(fit[0], fit[-1] + 1)):
                raise AssertionError(f"the lengths {size} may be a typo of are not an interval")
            spans[size] = (fit[0], fit[-1])
        else:
            spans[size] = (1, 0)
    return spans


_SPANS = _spans(60)  # longer words are left to `_similar` itself


def _how(a: Profile, i: int, b: Profile, j: int) -> str:
    """What to call the match of token i of a with its partner j in b."""
    if a.keys[i] == b.keys[j]:
        return a.same[i].name
    role = a.roles[i]
    if role == GENERIC:
        return "same meaning"
    if role == LEGAL:
        return "another legal form"
    return "initial" if role == INITIAL or b.roles[j] == INITIAL else "spelling"


def _side(a: Profile, b: Profile, features: list[Feature], label: str) -> tuple[float, float, bool, set[str]]:
    """Matched and total weight of one side's tokens, whether a distinctive word found its match,
    and the roles of the tokens that found none. The first name's tokens say what they matched
    (or that they found nothing), the second's only what found nothing."""
    matched = total = 0.0
    distinctive = False
    unmatched: set[str] = set()
    first = label == "a"
    by_key, roles, weights = b.by_key, a.roles, a.weights
    for i, key in enumerate(a.keys):
        weight = weights[i]
        if not weight:
            continue
        total += weight
        role = roles[i]
        j = by_key.get(key, -1)
        if j >= 0 and role != GENERIC:
            # The same key, which nothing in b can beat or come before (a generic word can be
            # matched earlier by another of the same meaning: `_partner` sees to those).
            matched += weight
            if role in (WORD, NUMBER):
                distinctive = True
            if first:
                same = a.same[i]
                if a.surfaces[i] == b.surfaces[j]:
                    features.append(same)
                else:
                    features.append(_new(Feature, (same.name, same.value, f"{a.reprs[i]} ~ {b.reprs[j]}")))
            continue
        best, j = _partner(a, i, b)
        matched += weight * best
        if not best:
            unmatched.add(role)
            features.append(a.alone(i, first))
            continue
        if role in (WORD, NUMBER):
            distinctive = True
        if first:
            if best == 1.0 and key == b.keys[j] and a.surfaces[i] == b.surfaces[j]:
                features.append(a.same[i])
            else:
                features.append(_new(Feature, (_how(a, i, b, j), weight * best, f"{a.reprs[i]} ~ {b.reprs[j]}")))
    return matched, total, distinctive, unmatched


def twins(a: Profile, b: Profile) -> tuple[Feature, ...]:
    """The features of two `distinct` names of the same keys: each token finds its own twin, all
    are matched in full, and nothing is left over to cap the score. Written the same way too (most
    often), they are the first name's own."""
    if a.written == b.written:
        return a.same
    by_key, surfaces, reprs, own, halves = b.by_key, b.surfaces, b.reprs, a.surfaces, a.halves
    features = list(a.same)
    for i, key in enumerate(a.keys):
        j = by_key[key]
        if surfaces[j] != own[i]:
            name, value, half = halves[i]
            features[i] = _new(Feature, (name, value, half + reprs[j]))
    return tuple(features)


def _words(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    return _profiled_words(a.profile or profile(a), b.profile or profile(b))


DISTINCTIVE = frozenset({WORD, NUMBER})
# What a token that found no partner tells `_profiled_words`, as bits: a word of function the
# other name lacks; a distinctive word (or number) the other lacks.
_FUNCTION_LEFT, _DISTINCTIVE_LEFT = 1, 2
_LEFT = {GENERIC: _FUNCTION_LEFT, WORD: _DISTINCTIVE_LEFT, NUMBER: _DISTINCTIVE_LEFT}


def _profiled_words(pa: Profile, pb: Profile) -> tuple[float, list[Feature]]:
    """Each token of each name looks for its best partner in the other (`_side` for one name, here
    for both, written out: this is most of the work of a screening). Organisation names only."""
    if pa.distinct and pb.distinct and pa.key_set == pb.key_set:
        return 1.0, list(twins(pa, pb))
    return _unlike(pa, pb)


def _unlike(pa: Profile, pb: Profile) -> tuple[float, list[Feature]]:
    """`_profiled_words` of two organisation names that are not twins."""
    features: list[Feature]
    # The first name's tokens, each with what it matched or that it found nothing.
    left_a = left_b = 0
    distinct = pb.distinct
    if distinct and pa.written <= pb.written:
        # Each token of a is in b, written the same way (b has words a lacks): its twin there is
        # its partner, as in `twins`, and the features are a's own.
        features = list(pa.same)
        matched_a = pa.total
    else:
        features = []
        matched_a = 0.0
        by_key, roles, weights, surfaces, b_surfaces = pb.by_key, pa.roles, pa.weights, pa.surfaces, pb.surfaces
        for i, key in enumerate(pa.keys):
            j = by_key.get(key, -1)
            if j >= 0 and (distinct or roles[i] != GENERIC):
                # The same key, which nothing in b can beat or come before: a generic word could be
                # matched before it by another of the same meaning (`_partner` sees to those), but
                # not in a name none of whose tokens could stand for another.
                matched_a += weights[i]
                if surfaces[i] == b_surfaces[j]:
                    features.append(pa.same[i])
                else:
                    name, value, half = pa.halves[i]
                    features.append(_new(Feature, (name, value, half + pb.reprs[j])))
                continue
            best, j = _org_partner(pa, i, pb)
            if not best:
                left_a |= pa.left[i]
                features.append(pa.alone_first[i] or pa.alone(i, True))
                continue
            weight = weights[i]
            matched_a += weight * best
            if best == 1.0 and key == pb.keys[j] and surfaces[i] == b_surfaces[j]:
                features.append(pa.same[i])
            else:
                features.append(_new(Feature, (_how(pa, i, pb, j), weight * best, f"{pa.reprs[i]} ~ {pb.reprs[j]}")))
    # The second name's tokens: only what they matched counts, and what found nothing is said.
    a_keys = pa.key_set
    if pb.key_set <= a_keys:
        matched_b = pb.total  # each has the same key in a: all matched in full, in order
    else:
        matched_b = 0.0
        weights = pb.weights
        for j, key in enumerate(pb.keys):
            if key in a_keys:  # the same key: matched in full, whichever token of a is the partner
                matched_b += weights[j]
                continue
            best, _ = _org_partner(pb, j, pa)
            if best:
                matched_b += weights[j] * best
            else:
                left_b |= pb.left[j]
                features.append(pb.alone_second[j] or pb.alone(j, False))
    total = pa.total + pb.total
    score = (matched_a + matched_b) / total if total else 0.0
    if left_a & left_b & _FUNCTION_LEFT:
        # Each name has a word of function the other lacks: defence and interior, army and navy.
        features.append(FUNCTIONS_DIFFER)
        score = min(score, CAP_FUNCTIONS)
    if left_a & left_b & _DISTINCTIVE_LEFT:
        # Each name has a distinctive word the other lacks: Transit and Water.
        features.append(WORDS_DIFFER)
        score *= DIFFERENT_WORDS
    return score, features


def _org_partner(a: Profile, i: int, b: Profile) -> tuple[float, int]:
    """`_partner` for a token of an organisation name that b does not have as it is (a generic
    word excepted): an organisation's name has no initials, and a word is never the same as one
    of b's words, only perhaps a typo of one."""
    role = a.roles[i]
    if role == WORD:
        key = a.keys[i]
        shortest, longest = a.spans[i]
        best, partner = 0.0, -1
        for k, other, size in b.words:
            if shortest <= size <= longest:
                value = _typo(key, other)
                if value > best:
                    best, partner = value, k
        return best, partner
    if role == GENERIC:
        j = b.by_key.get(a.keys[i], -1)
        for c in a.classes[i]:
            k = b.by_class.get(c, -1)
            if k >= 0 and (j < 0 or k < j):
                j = k
        if j >= 0:
            return 1.0, j
    elif role == LEGAL:
        j = b.first_legal
        if j >= 0:
            return 0.5, j
    return 0.0, -1  # a number, a country: the same key or nothing


def spell(letters: str, name: Analysed) -> str | None:
    """How the words of `name` spell the acronym, e.g. "I(srael) M(inistry) O(f) D(efense)"; None if they don't.

    Each word gives its initial or, for a generic word, the initial of its meaning in English; stop
    words and country names may be skipped; a country may come first whatever its place in the
    name ("ministère israélien de la Défense" spells IMOD).
    """
    tokens = [t for t in name.tokens if t.role not in (LEGAL,)]
    if len(tokens) < 2:
        return None
    countries = [t for t in tokens if t.role == COUNTRY]
    orders = [tokens]
    if countries and tokens[0].role != COUNTRY:
        orders.append(countries + [t for t in tokens if t.role != COUNTRY])
    for order in orders:
        path = _spell(letters, tuple(order))
        if path is not None:
            return " ".join(f"{t.surface[0].upper()}({t.surface[1:]})" if used else f"[{t.surface}]" for t, used in path)  # noqa: E501
    return None


def _spell(letters: str, tokens: tuple[Token, ...]) -> list[tuple[Token, bool]] | None:
    memo: dict[tuple[int, int], list[tuple[Token, bool]] | None] = {}

    def go(i: int, j: int) -> list[tuple[Token, bool]] | None:
        if (i, j) in memo:
            return memo[i, j]
        result: list[tuple[Token, bool]] | None = None
        if i == len(tokens):
            result = [] if j == len(letters) else None
        else:
            token = tokens[i]
            optional = token.role in (STOP, COUNTRY)
            if j < len(letters) and letters[j] in token.initials:
                rest = go(i + 1, j + 1)
                if rest is not None:
                    result = [(token, True), *rest]
            if result is None and optional:
                rest = go(i + 1, j)
                if rest is not None:
                    result = [(token, False), *rest]
        memo[i, j] = result
        return result

    return go(0, 0)


# ------------------------------------------------------------------------------------------ persons


def _persons(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    """Order-free: "Smith, John" is "John Smith"; initials and particles count for less."""
    features: list[Feature] = []
    pa, pb = profile(a), profile(b)
    matched_a, total_a, full_a, _ = _side(pa, pb, features, "a")
    matched_b, total_b, full_b, _ = _side(pb, pa, features, "b")
    total = total_a + total_b
    score = (matched_a + matched_b) / total if total else 0.0
    if not (full_a and full_b):
        detail = f"caps the score at {CAP_NO_SURNAME}"
        features.append(_new(Feature, ("no name part in common", CAP_NO_SURNAME, detail)))
        score = min(score, CAP_NO_SURNAME)
    return _round4(score), features

"""The comparison as it was written before it was made fast: the oracle the fast one is held to.

vigie/names/compare.py looks a token's partner up by key, keeps what it works out of a name on the
name, shortcuts names made of the same tokens, and screening hands it the public bodies it has
already worked out. None of that may change a score or a word of an explanation: this module is
the plain version (each token tried against each token of the other name, everything worked out
again for every pair), and tests/names/test_fast.py checks that both give equal Matches.
The same for pre-scoring (vigie/names/screen.py does it with numpy for a whole slice at once):
`prescore` here is the plain loop over a name's parts.
Keep it as it is unless the method itself changes, in both places.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from vigie.names.analyse import GENERIC, INITIAL, LEGAL, NUMBER, STOP, WORD, Analysed, Token
from vigie.names.compare import (
    ACRONYM,
    CAP_ACRONYM_OF_BODY,
    CAP_BODIES,
    CAP_COUNTRIES,
    CAP_FUNCTIONS,
    CAP_NO_SURNAME,
    CAP_NUMBERS,
    DIFFERENT_WORDS,
    FEW_BODIES,
    MATCH,
    SAME_ACRONYM,
    SAME_BODY,
    TYPO,
    WEIGHTS,
    Feature,
    Match,
    spell,
)
from vigie.names.gazetteer import Gazetteer, gazetteer
from vigie.names.screen import DECISIVE, TYPO_SHARE, Index, Slot, prepare, probes


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
    if a.kind == "person":
        score, features = _persons(a, b)
        return Match(a.text, b.text, a.kind, score, tuple(features))
    return _organisations(a, b, gaz or gazetteer(), where)


def bodies_of(name: Analysed, gaz: Gazetteer, countries: frozenset[str] = frozenset()) -> frozenset[str]:
    """The public bodies a name may be; of the record's countries only, when those leave any."""
    found = gaz.resolve(name)
    if countries and len(found) > 1:
        narrowed = frozenset(b for b in found if gaz.bodies[b].country in countries)
        if narrowed:
            return narrowed
    return found


# ------------------------------------------------------------------------------------ organisations


def _organisations(
    a: Analysed, b: Analysed, gaz: Gazetteer, where: tuple[frozenset[str], frozenset[str]]
) -> Match:
    body_a, body_b = bodies_of(a, gaz, where[0]), bodies_of(b, gaz, where[1])
    if body_a and body_b:
        shared = body_a & body_b
        # A name that could be a dozen bodies ("Department of Defence") is not, on its own, the
        # Australian one; a name that could be two ("Bundesnachrichtendienst": Germany's BND, or
        # Switzerland's NDB) is the one the other name pins down.
        if shared and min(len(body_a), len(body_b)) == 1 and max(len(body_a), len(body_b)) <= FEW_BODIES:
            body = gaz.bodies[sorted(shared)[0]]
            detail = f"both name {body.id} ({body.label}, {body.country}; source {body.source})"
            return Match(a.text, b.text, a.kind, SAME_BODY, (Feature("same public body", SAME_BODY, detail),))
        if not shared and len(body_a) == 1 and len(body_b) == 1:
            x, y = gaz.bodies[next(iter(body_a))], gaz.bodies[next(iter(body_b))]
            score, features = _direct(a, b)
            detail = f"{a.text!r} is {x.id} ({x.label}), {b.text!r} is {y.id} ({y.label})"
            return _capped(a, b, score, features, CAP_BODIES, "different public bodies", detail)
    score, features = _direct(a, b)
    for known, other, body_ids in ((a, b, body_a), (b, a, body_b)):
        if known.acronym and 0 < len(body_ids) <= FEW_BODIES and not (body_a and body_b) and other.acronym is None:
            # "MPS" is London's Metropolitan Police Service (or China's Ministry of Public Security);
            # "Mapoza Pubu Solutions" spells it too, but a name of those bodies would be known as one.
            which = ", ".join(f"{b} ({gaz.bodies[b].label})" for b in sorted(body_ids))
            detail = f"{known.text!r} is {which}, and {other.text!r} is not one of their names"
            if score > CAP_ACRONYM_OF_BODY and any(f.name.startswith("acronym") for f in features):
                return _capped(a, b, score, features, CAP_ACRONYM_OF_BODY, "the acronym of a known body", detail)
        if len(body_ids) == 1 and not (body_a and body_b) and score < MATCH:
            # One name is a known body under a name the other does not share ("Tsahal"): compare the
            # other with each of that body's names.
            body = gaz.bodies[next(iter(body_ids))]
            best: tuple[float, list[Feature], str] | None = None
            for alias in gaz.names_of(body.id):
                alias_score, alias_features = _direct(alias, other)
                if best is None or alias_score > best[0]:
                    best = (alias_score, alias_features, alias.text)
            if best is not None and best[0] > score:
                # The body's other names must not lift what the names themselves rule out.
                caps = [f.value for f in features if f.name in ("numbers differ", "countries differ")]
                if other.countries and f"country:{body.country}" not in other.countries:
                    caps.append(CAP_COUNTRIES)
                    detail = f"{body.id} is in {body.country}, not in {other.text!r}"
                    best[1].append(Feature("countries differ", CAP_COUNTRIES, detail))
                best = (min([best[0], *caps]), best[1], best[2])
            if best is not None and best[0] > score:
                via = Feature(
                    "public body",
                    0.0,
                    f"{known.text!r} is {body.id} ({body.label}, {body.country}; source {body.source}), "
                    f"also called {best[2]!r}",
                )
                score, features = best[0], [via, *best[1]]
    return Match(a.text, b.text, a.kind, round(score, 4), tuple(features))


def _capped(
    a: Analysed, b: Analysed, score: float, features: list[Feature], cap: float, name: str, detail: str
) -> Match:
    features = [*features, Feature(name, cap, f"caps the score at {cap}: {detail}")]
    return Match(a.text, b.text, a.kind, round(min(score, cap), 4), tuple(features))


def _direct(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    """Everything but the gazetteer: acronyms, then words by meaning, then the hard disagreements."""
    features: list[Feature] = []
    if a.acronym and b.acronym:
        if a.acronym == b.acronym:
            score = SAME_ACRONYM
            features.append(Feature("same acronym", score, a.acronym.upper()))
        else:
            score, features = _words(a, b)
    elif a.acronym or b.acronym:
        short, long = (a, b) if a.acronym else (b, a)
        spelled = spell(short.acronym or "", long)
        if spelled:
            score = ACRONYM
            features.append(Feature("acronym", score, f"{short.acronym.upper() if short.acronym else ''} = {spelled}"))
        else:
            score, features = _words(a, b)
    else:
        score, features = _words(a, b)
    if a.numbers and b.numbers and a.numbers != b.numbers:
        cap = CAP_NUMBERS
        detail = f"{', '.join(sorted(n[4:] for n in a.numbers))} vs {', '.join(sorted(n[4:] for n in b.numbers))}"
        features.append(Feature("numbers differ", cap, f"caps the score at {cap}: {detail}"))
        score = min(score, cap)
    if a.countries and b.countries and not (a.countries & b.countries):
        cap = CAP_COUNTRIES
        detail = f"{', '.join(sorted(c[8:] for c in a.countries))} vs {', '.join(sorted(c[8:] for c in b.countries))}"
        features.append(Feature("countries differ", cap, f"caps the score at {cap}: {detail}"))
        score = min(score, cap)
    return score, features


def _similar(x: str, y: str) -> float:
    if x == y:
        return 1.0
    if min(len(x), len(y)) < 4:
        return 0.0
    ratio = OSA.normalized_similarity(x, y)  # a transposition is one typo, not two
    return ratio if ratio >= TYPO else 0.0


def _pair(x: Token, y: Token) -> tuple[float, str]:
    """How far token x of one name is matched by token y of the other, and what to call it."""
    if x.key == y.key:
        return 1.0, "same word" if x.role == WORD else f"same {x.role}"
    if x.role == GENERIC and y.role == GENERIC:
        if set(x.key[6:].split("|")) & set(y.key[6:].split("|")):
            return 1.0, "same meaning"
        return 0.0, ""
    if x.role == LEGAL and y.role == LEGAL:
        return 0.5, "another legal form"
    if x.role in (WORD, INITIAL) and y.role in (WORD, INITIAL):
        if x.role == INITIAL or y.role == INITIAL:
            return (0.8, "initial") if x.key[0] == y.key[0] else (0.0, "")
        similar = _similar(x.key, y.key)
        return (similar, "spelling") if similar else (0.0, "")
    return 0.0, ""


def _side(
    tokens: tuple[Token, ...], others: tuple[Token, ...], features: list[Feature], label: str
) -> tuple[float, float, bool, set[str]]:
    """Matched and total weight of one side's tokens, whether a distinctive word found its match,
    and the roles of the tokens that found none."""
    matched = total = 0.0
    distinctive = False
    unmatched: set[str] = set()
    for token in tokens:
        weight = WEIGHTS[token.role]
        if not weight:
            continue
        total += weight
        best, how, partner = 0.0, "", None
        for other in others:
            value, name = _pair(token, other)
            if value > best:
                best, how, partner = value, name, other
                if value == 1.0:
                    break
        matched += weight * best
        if best and token.role in (WORD, NUMBER):
            distinctive = True
        if not best:
            unmatched.add(token.role)
        if label == "a":
            if partner is not None:
                features.append(Feature(how, weight * best, f"{token.surface!r} ~ {partner.surface!r}"))
            else:
                features.append(Feature("only in the first name", 0.0, f"{token.surface!r} ({token.role})"))
        elif partner is None:
            features.append(Feature("only in the second name", 0.0, f"{token.surface!r} ({token.role})"))
    return matched, total, distinctive, unmatched


def _words(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    features: list[Feature] = []
    ta = tuple(t for t in a.tokens if t.role != STOP)
    tb = tuple(t for t in b.tokens if t.role != STOP)
    matched_a, total_a, _, left_a = _side(ta, tb, features, "a")
    matched_b, total_b, _, left_b = _side(tb, ta, features, "b")
    total = total_a + total_b
    score = (matched_a + matched_b) / total if total else 0.0
    if GENERIC in left_a and GENERIC in left_b:
        # Each name has a word of function the other lacks: defence and interior, army and navy.
        features.append(Feature("functions differ", CAP_FUNCTIONS, f"caps the score at {CAP_FUNCTIONS}"))
        score = min(score, CAP_FUNCTIONS)
    if (left_a & {WORD, NUMBER}) and (left_b & {WORD, NUMBER}):
        # Each name has a distinctive word the other lacks: Transit and Water.
        features.append(Feature("words differ", DIFFERENT_WORDS, f"multiplies the score by {DIFFERENT_WORDS}"))
        score *= DIFFERENT_WORDS
    return score, features


def _persons(a: Analysed, b: Analysed) -> tuple[float, list[Feature]]:
    """Order-free: "Smith, John" is "John Smith"; initials and particles count for less."""
    features: list[Feature] = []
    matched_a, total_a, full_a, _ = _side(a.tokens, b.tokens, features, "a")
    matched_b, total_b, full_b, _ = _side(b.tokens, a.tokens, features, "b")
    total = total_a + total_b
    score = (matched_a + matched_b) / total if total else 0.0
    if not (full_a and full_b):
        features.append(Feature("no name part in common", CAP_NO_SURNAME, f"caps the score at {CAP_NO_SURNAME}"))
        score = min(score, CAP_NO_SURNAME)
    return round(score, 4), features


# ------------------------------------------------------------------------------------ pre-scoring


def candidate_keys(index: Index, position: int) -> frozenset[str]:
    """Every key of a candidate's names, as the index was built from."""
    prepared = prepare(index.entries[position], index.gaz)
    return frozenset(k for name_slots in prepared.slots for slot in name_slots for k in slot.keys)


def weigh(index: Index, name_slots: tuple[Slot, ...]) -> float:
    return sum(index.weight(s) for s in name_slots if s.sort not in DECISIVE)


def prescore(index: Index, name_slots: tuple[Slot, ...], position: int) -> float:
    """Twice the weight of the parts a name shares with a candidate over the weight of both."""
    keys = candidate_keys(index, position)
    shared = 0.0
    for slot in name_slots:
        if slot.sort in DECISIVE:
            if any(k in keys for k in probes(slot)):
                return 1.0
        elif slot.main in keys:
            shared += index.weight(slot)
        elif any(k in keys for k in slot.keys[1:]):
            shared += TYPO_SHARE * index.weight(slot)
    return min(2.0 * shared / max(weigh(index, name_slots) + float(index.mass[position]), 1e-9), 1.0)

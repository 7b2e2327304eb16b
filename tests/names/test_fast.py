"""The fast comparison and pre-scoring give what the plain ones (tests/names/reference.py) give.

vigie/names/compare.py looks tokens up by key, keeps per-name work on the name, shortcuts names of
the same tokens and skips the gazetteer when neither name is a known body; screening hands it the
bodies it has worked out once a name, and pre-scores a whole slice with numpy. None of it may change
a score, a feature or a word of an explanation: every Match here must equal the plain one, on the
hand-made pairs and on names made up of the words that make comparison hard.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

import tests.names.reference as plain
from tests.names.test_compare import APART, PEOPLE_APART, PEOPLE_SAME, SAME
from vigie.names import compare
from vigie.names.analyse import analyse
from vigie.names.compare import TYPO, _round4, _typo, compare_analysed
from vigie.names.gazetteer import gazetteer
from vigie.names.keyset import KeySet
from vigie.names.screen import FLOOR, Entry, Index, _apart, prepare, score

# Pairs where the shortcuts and the lookups by key could go wrong: repeated tokens, generic words of
# several meanings, two legal forms, typos, transliterations, acronyms and public bodies.
TRICKY = [
    ("Valtoria Systems Ltd", "VALTORIA, SYSTEMS, LTD."),
    ("Valtoria Systems Ltd", "Systems Valtoria Limited"),
    ("Valtoria Valtoria", "Valtoria"),
    ("Valtoria Systems Systems", "Systems Valtoria"),
    ("Ministry of Defence and Security", "Security Ministry of Defence"),
    ("Ministerium der Verteidigung", "Verteidigungsministerium"),
    ("Defence Intelligence Service", "Intelligence Defence Service Service"),
    ("Unit 8200", "Unité 8200"),
    ("Unit 8200", "Unit 8200 8201"),
    ("Unité 8200", "Einheit 8201"),
    ("Kedoko Industries GmbH", "Keoko Industries GmbH"),
    ("Kedoko Industries GmbH", "Kedoko Industries AG"),
    ("Kedoko Industries GmbH SA", "Kedoko Industries LLC"),
    ("Tidgitve Forobu Aerospace", "Tidgatve Forobu Aerospace"),
    ("Verivo Zepite BV", "Вериво Зепите АО"),
    ("Nudkifpe Global", "International Nudkifpe Global"),
    ("Zemuza Aerospace", "Zemuza Aerospace Ltd"),
    ("Israel Ministry of Defense", "ministère israélien de la Défense"),
    ("Israel Ministry of Defense", "Ministry of Defence"),
    ("Israel Ministry of Defense", "IMOD"),
    ("Federal Police", "Departamento de Polícia Federal"),
    ("Mossad", "Shin Bet"),
    ("Tsahal", "Israel Defence Forces"),
    ("MPS", "Mapoza Pubu Solutions"),
    ("BND", "Bundesnachrichtendienst"),
    ("Department of Defence", "Department of Defense"),
    ("", "Valtoria"),
    ("of the", "de la"),
]

INVENTED = ["Valtoria", "Valtorai", "Valtora", "Kedoko", "Keoko", "Bumise", "Bumsie", "Zepite", "Aurelion", "Aurelian"]
GENERIC = ["Ministry", "Ministère", "Ministerio", "Ministerium", "Defence", "Défense", "Defensa", "Interior",
           "Intérieur", "Unit", "Unité", "Unidad", "Police", "Polizei", "Army", "Armée", "Navy", "Intelligence",
           "Renseignement", "Security", "Service", "Federal", "National", "Forces", "Agency", "Minstry"]  # fmt: skip
COUNTRIES = ["Israel", "israélien", "France", "français", "Germany", "Russian Federation", "Colombia", "Peru"]
LEGAL = ["Ltd", "Limited", "GmbH", "LLC", "SA", "S.A.", "AG", "Inc", "plc", "ООО", "АО"]
OTHER = ["of", "de", "la", "the", "8200", "8201", "12", "Systems", "Holdings", "Group", "International",
         "Валтория", "Зепите", "IMOD", "DGSE", "FSB", "MoD", "IDF", "Mossad", "Tsahal", "BND"]  # fmt: skip
WORDS = INVENTED + GENERIC + COUNTRIES + LEGAL + OTHER
PEOPLE = ["John", "J.", "Smith", "Smyth", "de", "van", "bin", "Mohammed", "Muhammad", "Anna", "A", "Schmidt",
          "Владимир", "Vladimir", "Putin", "Путин", "Müller", "Muller"]  # fmt: skip

names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
people = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4).map(" ".join)
codes = st.frozensets(st.sampled_from(["IL", "FR", "DE", "RU", "CO", "PE"]), max_size=2)


def _same_both_ways(a: str, b: str, kind: str = "organisation") -> None:
    for x, y in ((a, b), (b, a)):
        fast = compare(x, y, kind=kind)
        slow = plain.compare_analysed(analyse(x, kind), analyse(y, kind))
        assert fast == slow, f"{fast.explain()}\n---- plain:\n{slow.explain()}"


def test_hand_made_pairs_score_and_explain_as_the_plain_comparison() -> None:
    for a, b in [*SAME, *APART, *TRICKY]:
        _same_both_ways(a, b)
    for a, b in [*PEOPLE_SAME, *PEOPLE_APART]:
        _same_both_ways(a, b, "person")


def test_every_name_of_the_gazetteer_against_its_neighbours_as_the_plain_comparison() -> None:
    # Each name of a public body against the next body's names and its own others: same body,
    # different bodies, acronyms of bodies, several bodies per name.
    gaz = gazetteer()
    bodies = sorted(gaz.bodies.values(), key=lambda body: body.id)
    for body, neighbour in pairwise(bodies):
        own, theirs = body.all_names(), neighbour.all_names()
        for a, b in zip(own, [*own[1:], *theirs], strict=False):
            _same_both_ways(a, b)


@settings(max_examples=400, deadline=None)
@given(a=names, b=names)
def test_organisation_names_score_and_explain_as_the_plain_comparison(a: str, b: str) -> None:
    _same_both_ways(a, b)


@settings(max_examples=200, deadline=None)
@given(a=names, b=names, where_a=codes, where_b=codes)
def test_with_the_records_countries_as_the_plain_comparison(
    a: str, b: str, where_a: frozenset[str], where_b: frozenset[str]
) -> None:
    x, y = analyse(a), analyse(b)
    assert compare_analysed(x, y, where=(where_a, where_b)) == plain.compare_analysed(
        x, y, gazetteer(), (where_a, where_b)
    )


@settings(max_examples=200, deadline=None)
@given(a=people, b=people)
def test_person_names_score_and_explain_as_the_plain_comparison(a: str, b: str) -> None:
    _same_both_ways(a, b, "person")


kinds = st.sampled_from(["organisation", "organisation", "person"])
entries = st.lists(st.tuples(st.lists(names, min_size=1, max_size=2), codes, kinds), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subjects=entries, candidates=entries)
def test_screening_pre_scores_and_scores_as_the_plain_loops(
    subjects: list[tuple[list[str], frozenset[str], str]], candidates: list[tuple[list[str], frozenset[str], str]]
) -> None:
    index = Index([Entry(f"c{i}", tuple(n), kind, c) for i, (n, c, kind) in enumerate(candidates)])
    prepared = [prepare(Entry(f"s{i}", tuple(n), kind, c), index.gaz) for i, (n, c, kind) in enumerate(subjects)]
    queries, _ = index.queries(prepared)
    # Every pair, found by blocking or not: the pre-score of the subject's best name.
    rows = np.repeat(np.arange(len(prepared), dtype=np.int64), len(index.entries))
    positions = np.tile(np.arange(len(index.entries), dtype=np.int64), len(prepared))
    fast = index.prescore_pairs(queries, rows, positions)
    for row, position, value in zip(rows.tolist(), positions.tolist(), fast.tolist(), strict=True):
        subject = prepared[row]
        expected = max((plain.prescore(index, s, position) for s in subject.slots), default=-1.0)
        assert value == expected, (subject.entry, index.entries[position])
    # The pairs blocking finds, with the pre-score of the names that found them.
    found_rows, found_positions, found_pre = index.candidates(prepared)
    assert list(zip(found_rows.tolist(), found_positions.tolist(), strict=True)) == sorted(
        set(zip(found_rows.tolist(), found_positions.tolist(), strict=True))
    )
    for row, position, value in zip(found_rows.tolist(), found_positions.tolist(), found_pre.tolist(), strict=True):
        assert value <= fast[row * len(index.entries) + position]
        hit = score(prepared[row], index, position)
        subject, candidate = prepared[row], index.entries[position]
        if hit is None:
            assert candidate.kind != subject.entry.kind
            continue
        best = None
        for name in subject.names:
            for other in index.names[position]:
                match = plain.compare_analysed(name, other, index.gaz, (subject.countries, index.countries[position]))
                if best is None or match.score > best[0].score:
                    best = (match, name.text, other.text)
        assert best is not None
        assert (hit.subject_name, hit.candidate_name) == best[1:]
        assert hit.match == _apart(best[0], subject.countries, index.countries[position])
    assert FLOOR > 0


@settings(max_examples=300, deadline=None)
@given(
    score=st.floats(min_value=0.0, max_value=1.0)
    | st.builds(
        lambda k, d: min(max(k / 10000 + d, 0.0), 1.0),
        st.integers(0, 10000),
        st.sampled_from([0.0, 5e-5, -5e-5, 4.99999999e-5, 5.00000001e-5, 1e-17, -1e-17]),
    )
    | st.builds(lambda m, t: m / t, st.integers(0, 60), st.integers(60, 120))
)
def test_scores_are_rounded_as_round_does(score: float) -> None:
    """`_round4` (arithmetic) gives `round(score, 4)` (digits) to the last bit, ties included."""
    assert _round4(score) == round(score, 4)
    assert _round4(score * 0.8) == round(score * 0.8, 4)


@settings(max_examples=100, deadline=None)
@given(
    held=st.lists(st.integers(0, 5000), max_size=400),
    asked=st.lists(st.integers(0, 6000), max_size=400),
)
def test_key_set_answers_as_a_set(held: list[int], asked: list[int]) -> None:
    """Codes crowded into a small table (long probe chains), asked about whether held or not."""
    keys = KeySet(np.array(sorted(set(held)), dtype=np.int64))
    assert [q in keys for q in asked + held] == [q in set(held) for q in asked + held]


def _edited(word: str, where: int, how: int, letter: str) -> str:
    """`word` with one edit at `where`: a letter changed, added, dropped, or swapped with the next."""
    i = where % (len(word) + 1)
    if how == 0:
        return word[:i] + letter + word[i + 1 :]
    if how == 1:
        return word[:i] + letter + word[i:]
    if how == 2:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]


letters = st.sampled_from("aeioukdstrnéждаו")
words = st.text(letters, min_size=0, max_size=24)
edits = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 3), letters), max_size=3)


@settings(max_examples=800, deadline=None)
@given(word=words, changes=edits, other=words)
def test_a_typo_is_told_as_rapidfuzz_tells_it(word: str, changes: list[tuple[int, int, str]], other: str) -> None:
    """`_typo`'s pass over the letters gives rapidfuzz's OSA similarity where that is TYPO or more,
    to the last bit, and 0 where it is less: on words a few edits apart, and on unrelated words."""
    edited = word
    for where, how, letter in changes:
        edited = _edited(edited, where, how, letter)
    for x, y in ((word, edited), (edited, word), (word, other)):
        ratio = OSA.normalized_similarity(x, y)
        assert _typo(x, y) == (ratio if ratio >= TYPO else 0.0), (x, y)


def test_typos_in_words_of_every_length_up_to_the_longest_checked_by_hand() -> None:
    for size in range(1, 16):
        word = "".join("kedoslativ"[i % 10] for i in range(size))
        for i in range(size + 1):
            for how in range(4):
                x = _edited(word, i, how, "z")
                ratio = OSA.normalized_similarity(word, x)
                assert _typo(word, x) == (ratio if ratio >= TYPO else 0.0), (word, x)

"""Screening: every name of one set against every name of another, without scoring every pair.

Three steps, each cheaper than the next is precise:

1. *Blocking.* Each name gives a few keys: its distinctive words and, for the longer ones, their
   spellings with one letter left out (so that one typo still meets), its numbers, the acronym it
   is or the initials it has, the public body the gazetteer says it is, and for names made only of
   generic words, their meaning as a whole. Only entries that share a key are candidates. A key
   shared by more than `MAX_BLOCK` entries says little and is skipped, unless an entry has no other.
   A name looks in the blocks of its heaviest parts only, until what is left could not make a
   pair reach `FLOOR` (see 2.); the blocks of a whole slice of subjects are expanded with numpy.
2. *Pre-scoring*: twice the weight of the parts of a name a pair shares (a word one typo away
   counting for less) over the weight of both sides', each part weighing by its rarity among the
   candidates (so that sharing "Systems" says less than sharing "Valtoria"). Pairs under `FLOOR`
   are dropped, except those that share an acronym or a public body, which the words alone cannot
   judge. All the pairs of a slice are pre-scored in one compiled loop (`Index.prescores`).
3. *Comparing* what is left with `compare`, which gives the score and its explanation; what the
   comparison needs of a name (its public bodies, its profile) is worked out once a name.

`screen` is pure and works on a slice of the subjects at a time, so that the same code runs here
and on a cluster (vigie/names/cluster.py) and gives the same results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import cython
import numpy as np
import numpy.typing as npt

from vigie.names.analyse import COUNTRY, GENERIC, LEGAL, NUMBER, STOP, WORD, Analysed, analyse
from vigie.names.compare import (
    CAP_COUNTRIES,
    MATCH,
    Feature,
    Match,
    compare_known,
    narrow,
)
from vigie.names.gazetteer import Gazetteer, gazetteer
from vigie.names.keyset import EMPTY, MASK, MIX, KeySet
from vigie.store.bulk import paused_gc

MAX_BLOCK = 500  # a key shared by more candidates than this is too common to block on
FLOOR = 0.6  # the least pre-score at which a pair is compared in full
# A candidate sharing parts of weight w with a name of weight m has a pre-score of at most
# 2w / (m + w): below FLOOR unless w ≥ REACH · m.
REACH = FLOOR / (2.0 - FLOOR)
MIN_TYPO = 6  # words this long are found with one letter wrong, missing, added or swapped (compare's TYPO)
TYPO_SHARE = 0.8  # what a word one typo away counts for in the pre-score (compare's TYPO)
DECISIVE_SHARE = 2.0  # marks an acronym or body shared: compared whatever the rest
MAX_COMPARED = 50  # at most this many candidates of one subject compared in full, best pre-scores first
# Key weights in the pre-score; acronyms and public bodies make a pair compared whatever its pre-score.
WEIGHTS = {"w": 1.0, "n": 1.0, "g": 1.0, "a": 1.0, "i": 1.0, "b": 2.0}
DECISIVE = frozenset("aib")

IntArray = npt.NDArray[np.int64]
# This module compiled by Cython (setup.py): `_prescore` then reads numpy's arrays as C arrays, and
# `_new` is compare.pxd's C function (vigie/names/compare.py).
COMPILED = cython.compiled
if not cython.compiled:
    _new = tuple.__new__
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Entry:
    """Something with names: a register organisation, an entity of a list, an unlinked mention."""

    id: str
    names: tuple[str, ...]
    kind: str = "organisation"
    countries: frozenset[str] = frozenset()  # ISO codes from the register or the list, upper case


class Hit(NamedTuple):
    """A subject and a candidate compared in full: which of their names, and the Match. A named
    tuple, made as `Match` is (vigie/names/compare.py): one a pair compared."""

    subject: str
    candidate: str
    subject_name: str
    candidate_name: str
    match: Match

    @property
    def score(self) -> float:
        return self.match.score


@dataclass
class Screening:
    hits: list[Hit] = field(default_factory=list)
    pairs: int = 0  # pairs of entries pre-scored
    compared: int = 0  # pairs of entries compared in full
    comparisons: int = 0  # pairs of names compared in full

    def add(self, other: Screening) -> None:
        self.hits.extend(other.hits)
        self.pairs += other.pairs
        self.compared += other.compared
        self.comparisons += other.comparisons


@dataclass(frozen=True)
class Slot:
    """One part of a name that another name can share: a word, a number, an acronym, a body …

    `keys` are what it is found by: a word by itself and, when it is long enough for a typo to
    leave it recognisable, by each spelling with one letter left out (two words one typo apart
    always share one of those). `main` is the key its weight is counted by.
    """

    sort: str  # one of WEIGHTS
    main: str
    keys: tuple[str, ...]


@lru_cache(maxsize=500_000)
def _word_slot(kind: str, word: str) -> Slot:
    main = f"{kind}w:{word}"
    typo = f"{kind}e:"
    if len(word) < MIN_TYPO - 1:
        return Slot("w", main, (main,))
    if len(word) < MIN_TYPO:  # met by a longer word with one letter left out
        return Slot("w", main, (main, typo + word))
    # The word and each spelling with one letter left out; a repeat ("aab") does no harm.
    return Slot("w", main, (main, typo + word, *[typo + word[:i] + word[i + 1 :] for i in range(len(word))]))


def slots(name: Analysed, gaz: Gazetteer, bodies: frozenset[str] | None = None) -> list[Slot]:
    """The parts of a name that blocking and pre-scoring look at, keys prefixed by the kind of name."""
    kind = name.kind[0] + ":"
    words = [t for t in name.tokens if t.role == WORD]
    out = [_word_slot(kind, w) for w in dict.fromkeys(t.key for t in words) if len(w) >= 3]
    for number in dict.fromkeys(t.key for t in name.tokens if t.role == NUMBER):
        out.append(Slot("n", f"{kind}n:{number}", (f"{kind}n:{number}",)))
    if name.acronym:
        out.append(Slot("a", f"{kind}a:{name.acronym}", (f"{kind}a:{name.acronym}",)))
    else:
        # Initials meet acronyms only (see `probes`): two full names with the same initials are
        # not alike for that.
        initials = "".join(t.surface[0] for t in name.tokens if t.role not in (STOP, LEGAL, COUNTRY, NUMBER))
        if 2 <= len(initials) <= 8:
            out.append(Slot("i", f"{kind}i:{initials}", (f"{kind}i:{initials}",)))
    for body in sorted(gaz.resolve(name) if bodies is None else bodies):
        out.append(Slot("b", f"{kind}b:{body}", (f"{kind}b:{body}",)))
    if not words and not name.acronym:
        meaning = [t.key for t in name.tokens if t.role in (GENERIC, COUNTRY, NUMBER)]
        if meaning:
            key = f"{kind}g:" + "+".join(sorted(meaning))
            out.append(Slot("g", key, (key,)))
    return out


def probes(slot: Slot) -> tuple[str, ...]:
    """The keys a subject's slot looks up: an acronym looks for full names with those initials too."""
    if slot.sort == "a":
        return (*slot.keys, slot.main[:2] + "i" + slot.main[3:])
    if slot.sort == "i":
        return (slot.main[:2] + "a" + slot.main[3:],)
    return slot.keys


def countries_of(
    entry: Entry, names: Sequence[Analysed], gaz: Gazetteer, bodies: Sequence[frozenset[str]] | None = None
) -> frozenset[str]:
    """Where an entry belongs: what its record says, the countries its names name, its public body's.

    A name alone may not say it ("Ministry of Defense" as an alias of the Israeli ministry), so
    the pair is kept apart at entry level when both sides know their countries and none is shared.
    """
    found = set(entry.countries)
    for i, name in enumerate(names):
        found.update(code.removeprefix("country:") for code in name.countries)
        body_ids = gaz.resolve(name) if bodies is None else bodies[i]
        if len(body_ids) == 1:
            found.add(gaz.bodies[next(iter(body_ids))].country)
    return frozenset(found)


def _apart(match: Match, subject: frozenset[str], candidate: frozenset[str]) -> Match:
    if not subject or not candidate or subject & candidate or match.score <= CAP_COUNTRIES:
        return match
    detail = f"caps the score at {CAP_COUNTRIES}: one is of {', '.join(sorted(subject))}, the other of " + ", ".join(
        sorted(candidate)
    )
    feature = _new(Feature, ("entries' countries differ", CAP_COUNTRIES, detail))
    return _new(Match, (match.a, match.b, match.kind, CAP_COUNTRIES, (*match.features, feature)))


# What scoring needs of an entry: its id, kind, its name, that name's text and its public bodies
# when it has one name only (else None, "" and no bodies), its countries, and all its names and
# their bodies.
Head = tuple[
    str,
    str,
    Analysed | None,
    str,
    frozenset[str],
    frozenset[str],
    tuple[Analysed, ...],
    tuple[frozenset[str], ...],
]


@dataclass(frozen=True)
class Prepared:
    """An entry analysed once: its names, the slots of each, its countries, and the public bodies
    each name may be given those countries (what `compare_analysed` would work out for every pair)."""

    entry: Entry
    names: tuple[Analysed, ...]
    slots: tuple[tuple[Slot, ...], ...]  # by name
    countries: frozenset[str]
    bodies: tuple[frozenset[str], ...]  # by name
    # What `score` needs of it, in one tuple (see `Head`).
    head: Head = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        one = len(self.names) == 1
        head = (
            self.entry.id,
            self.entry.kind,
            self.names[0] if one else None,
            self.names[0].text if one else "",
            self.bodies[0] if one else frozenset(),
            self.countries,
            self.names,
            self.bodies,
        )
        object.__setattr__(self, "head", head)


def prepare(entry: Entry, gaz: Gazetteer) -> Prepared:
    names = tuple(analyse(n, entry.kind) for n in entry.names if n.strip())
    found = [gaz.resolve(n) for n in names]
    bodies = [narrow(f, gaz, entry.countries) for f in found]
    countries = countries_of(entry, names, gaz, bodies)
    return Prepared(
        entry,
        names,
        tuple(tuple(slots(n, gaz, b)) for n, b in zip(names, bodies, strict=True)),
        countries,
        tuple(narrow(f, gaz, countries) for f in found),
    )


@dataclass(frozen=True)
class Queries:
    """The parts of a slice's names as the index numbers their keys: what pre-scoring looks up.

    Names are numbered in the order of their subjects. Name i has the parts `p_start[i]` to
    `p_start[i] + p_count[i] - 1` (those with a key some candidate has), and part p asks for the
    keys `key[part_first[p]:part_first[p] + part_size[p]]`: a word's own key first, then its
    one-letter-left-out spellings; an acronym's or a public body's keys. When the candidate has
    the first, the part counts for `part_value` (its weight, or `TYPO_SHARE` of it when the first
    is already a spelling); when it has only another, for `part_share` (`TYPO_SHARE` of it). Both
    are -1 for an acronym or a body, which decides alone. Worked out with blocking, once a name,
    so that pre-scoring reads flat arrays, in C when compiled (`_prescore`).
    """

    row: IntArray  # the subject of each name
    mass: FloatArray  # what each name's parts weigh
    first: IntArray  # by subject: its first name (and `first[row + 1]` the one after its last)
    p_start: IntArray
    p_count: IntArray
    part_first: IntArray
    part_size: IntArray
    part_value: FloatArray
    part_share: FloatArray
    key: IntArray
    one_name: bool  # every subject has one name


class Index:
    """Candidates by block key, as flat arrays, built once and shared by every slice of subjects."""

    def __init__(self, candidates: Sequence[Entry], gaz: Gazetteer | None = None) -> None:
        with paused_gc():
            self._build(candidates, gaz)

    def _build(self, candidates: Sequence[Entry], gaz: Gazetteer | None) -> None:
        self.gaz = gaz or gazetteer()
        self.entries = list(candidates)
        prepared = [prepare(e, self.gaz) for e in self.entries]
        self.names: list[tuple[Analysed, ...]] = [p.names for p in prepared]
        self.countries: list[frozenset[str]] = [p.countries for p in prepared]
        self.bodies: list[tuple[frozenset[str], ...]] = [p.bodies for p in prepared]
        # What `score` needs of a candidate, in one place.
        self.compared: list[Head] = [p.head for p in prepared]
        members: dict[str, list[int]] = {}
        for position, p in enumerate(prepared):
            for key in {k for name_slots in p.slots for slot in name_slots for k in slot.keys}:
                members.setdefault(key, []).append(position)
        ordered = sorted(members)
        self.key_ids = {key: i for i, key in enumerate(ordered)}
        sizes = np.array([len(members[k]) for k in ordered], dtype=np.int64)
        self.block_start = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.block_start[1:])
        self.block_members = np.array([position for k in ordered for position in members[k]], dtype=np.int64)
        # Which entry has which key, as the set of key number × entries + position.
        self.has = KeySet(
            np.repeat(np.arange(len(ordered), dtype=np.int64), sizes) * len(self.entries) + self.block_members
        )
        rarity = np.log((len(self.entries) + 1.0) / np.maximum(sizes, 1))
        self.rarities: list[float] = rarity.tolist()  # looked up one by one: numpy's scalars are slow
        self.sizes: list[int] = sizes.tolist()
        self.rarest = float(np.log(len(self.entries) + 1.0))  # the rarity of a key no candidate has
        # The lightest of an entry's names, which the pre-score of any of them cannot be lower than.
        self.mass = np.array([min((self.weigh(s) for s in p.slots), default=0.0) for p in prepared], dtype=np.float64)

    def weight(self, slot: Slot) -> float:
        i = self.key_ids.get(slot.main)
        return WEIGHTS[slot.sort] * (self.rarest if i is None else self.rarities[i])

    def weigh(self, name_slots: Sequence[Slot]) -> float:
        """What a name's parts weigh; acronyms, initials and bodies decide alone and weigh nothing."""
        return sum(self.weight(s) for s in name_slots if s.sort not in DECISIVE)

    def _lookups(
        self, name_slots: Sequence[Slot], weights: Sequence[float], ids: Sequence[list[int]], mass: float
    ) -> list[int]:
        """The blocks a name looks in: its decisive parts', and its heaviest parts' until what is left
        could not bring a candidate sharing only those parts to FLOOR (see REACH). A block too
        large says little and is skipped, unless it is all there is. `ids`: the index's numbers of
        each part's keys (`probes` for a decisive part), those it has."""
        found: list[int] = []
        left = mass
        for weight, slot, slot_ids in sorted(zip(weights, name_slots, ids, strict=True), key=lambda ws: -ws[0]):
            if slot.sort in DECISIVE:
                found += slot_ids
            elif left >= REACH * mass:
                left -= weight
                found += slot_ids
        usable = [k for k in found if self.sizes[k] <= MAX_BLOCK]
        if not usable and found:
            usable = [min(found, key=lambda k: (self.sizes[k], k))]
        return usable

    def queries(self, subjects: Sequence[Prepared]) -> tuple[Queries, list[list[int]]]:
        """The slice's names as `Queries`, and the blocks each name looks in."""
        rows: list[int] = []
        masses: list[float] = []
        first: list[int] = []
        p_count: list[int] = []
        part_first: list[int] = []
        part_size: list[int] = []
        part_value: list[float] = []
        part_share: list[float] = []
        keys: list[int] = []
        lookups: list[list[int]] = []
        ids = self.key_ids
        for row, subject in enumerate(subjects):
            first.append(len(rows))
            for name_slots in subject.slots:
                weights = [self.weight(s) for s in name_slots]
                # Summed as `weigh` sums them, to the last bit: pre-scores are compared with FLOOR.
                mass = sum(w for s, w in zip(name_slots, weights, strict=True) if s.sort not in DECISIVE)
                before = len(part_first)
                slot_ids: list[list[int]] = []
                for slot, weight in zip(name_slots, weights, strict=True):
                    decisive = slot.sort in DECISIVE
                    found = [ids[k] for k in (probes(slot) if decisive else slot.keys) if k in ids]
                    slot_ids.append(found)
                    if not found:
                        continue  # no candidate has any of its keys: it adds nothing to any pair
                    share = -1.0 if decisive else TYPO_SHARE * weight
                    part_first.append(len(keys))
                    part_size.append(len(found))
                    part_value.append(weight if not decisive and slot.main in ids else share)
                    part_share.append(share)
                    keys += found
                rows.append(row)
                masses.append(mass)
                p_count.append(len(part_first) - before)
                lookups.append(self._lookups(name_slots, weights, slot_ids, mass))
        first.append(len(rows))
        counts = np.array(p_count, dtype=np.int64)
        queries = Queries(
            row=np.array(rows, dtype=np.int64),
            mass=np.array(masses, dtype=np.float64),
            first=np.array(first, dtype=np.int64),
            p_start=np.cumsum(counts) - counts,
            p_count=counts,
            part_first=np.array(part_first, dtype=np.int64),
            part_size=np.array(part_size, dtype=np.int64),
            part_value=np.array(part_value, dtype=np.float64),
            part_share=np.array(part_share, dtype=np.float64),
            key=np.array(keys, dtype=np.int64),
            one_name=bool((np.diff(np.array(first, dtype=np.int64)) == 1).all()),
        )
        return queries, lookups

    def prescores(self, q: Queries, names: IntArray, positions: IntArray) -> FloatArray:
        """The pre-score of each (name, candidate) pair: twice the weight of the parts the name shares
        with the candidate over the weight of both (1 if an acronym or a public body is shared), all
        its parts, not only those it was found by; a part met only through a one-letter-left-out
        spelling counts `TYPO_SHARE` of its weight. Words that only one side has count against the
        pair, as they do in `compare`.

        One loop over the pairs and their parts (`_prescore`), compiled to C (docs/decisions/0007):
        each part's first key (a word's own) is looked up in the index's set of (key, candidate)
        codes, its other keys only when the candidate lacks the first.
        """
        out = np.zeros(len(names), dtype=np.float64)
        if len(names):
            has, c = self.has, _as_read
            _prescore(
                c(names), c(positions), c(q.p_start), c(q.p_count), c(q.part_first), c(q.part_size), c(q.key),
                c(q.part_value), c(q.part_share), c(q.mass), c(self.mass), c(has.table),
                len(self.entries), has.shift, has.reach, out,
            )  # fmt: skip
        return out

    def prescore_pairs(self, q: Queries, rows: IntArray, positions: IntArray) -> FloatArray:
        """The pre-score of each (subject, candidate) pair: that of the subject's name that shares most."""
        if not len(rows):
            return np.zeros(0, dtype=np.float64)
        if q.one_name:  # one name a subject, the usual case
            return self.prescores(q, q.first[rows], positions)
        counts = q.first[rows + 1] - q.first[rows]
        names = np.repeat(q.first[rows], counts) + np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        pre = self.prescores(q, names, np.repeat(positions, counts))
        best = np.full(len(rows), -1.0)
        np.maximum.at(best, np.repeat(np.arange(len(rows), dtype=np.int64), counts), pre)
        return best

    def candidates(self, subjects: Sequence[Prepared]) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (subject, candidate) pair of the slice found by blocking, with its pre-score.

        Returned as three arrays (subject position in the slice, candidate position, pre-score),
        ordered by subject then candidate; the pre-score is that of the subject's name that shares
        most with the candidate, of the names that found it. The blocks are expanded with numpy,
        over the whole slice at once.
        """
        q, lookups = self.queries(subjects)
        lookup_names = [number for number, keys in enumerate(lookups) for _ in keys]
        lookup_keys = [k for keys in lookups for k in keys]
        empty = np.zeros(0, dtype=np.int64)
        if not lookup_keys:
            return empty, empty, np.zeros(0)
        n = len(self.entries)
        key_arr = np.array(lookup_keys, dtype=np.int64)
        starts = self.block_start[key_arr]
        lengths = self.block_start[key_arr + 1] - starts
        offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        cands = self.block_members[np.repeat(starts, lengths) + offsets]
        pairs = np.unique(np.repeat(np.array(lookup_names, dtype=np.int64), lengths) * n + cands)
        names, positions = pairs // n, pairs % n
        pre = self.prescores(q, names, positions)
        by_row, inverse = np.unique(q.row[names] * n + positions, return_inverse=True)
        best = np.full(len(by_row), -1.0)
        np.maximum.at(best, inverse, pre)
        return by_row // n, by_row % n, best


def _as_read(array: npt.NDArray[Any]) -> Any:
    """An array as `_prescore` reads it: as it is when compiled, else as a list (numpy's int64 would
    overflow in the hash's multiplication, which Python's int and C's unsigned arithmetic do not)."""
    return array if COMPILED else array.tolist()


def _prescore(
    names: Any,
    positions: Any,
    p_start: Any,
    p_count: Any,
    part_first: Any,
    part_size: Any,
    key: Any,
    part_value: Any,
    part_share: Any,
    name_mass: Any,
    entry_mass: Any,
    table: Any,
    n: int,
    shift: int,
    reach: int,
    out: FloatArray,
) -> None:
    """`Index.prescores`, pair by pair, into `out`: the arrays are those of `Queries` and of the index,
    numpy's when compiled (screen.pxd types them) and lists when not. A part counts its value when the
    candidate has its first key, its share when it has only another; the parts are summed in the
    name's order; a decisive part found (an acronym or a body, of negative share) makes the pair 1.

    The candidate's keys are looked up in the index's `KeySet` as `KeySet.__contains__` does, written
    out here so that the compiled loop makes no call: at the code's home slot, and when another code
    is there, in the `reach` slots after it.
    """
    for p in range(len(names)):
        name, where = names[p], positions[p]
        shared = 0.0
        decisive = False
        first_part = p_start[name]
        for part in range(first_part, first_part + p_count[name]):
            first = part_first[part]
            for k in range(first, first + part_size[part]):
                code = key[k] * n + where
                slot = ((code * MIX) & MASK) >> shift
                found = table[slot] == code
                if not found and table[slot] != EMPTY:
                    for at in range(slot + 1, slot + reach + 1):
                        if table[at] == code:
                            found = True
                            break
                if found:
                    shared += part_value[part] if k == first else part_share[part]
                    decisive = decisive or part_share[part] < 0.0
                    break
        if decisive:
            out[p] = 1.0
        else:
            mass = name_mass[name] + entry_mass[where]
            pre = 2.0 * shared / (mass if mass > 1e-9 else 1e-9)
            out[p] = pre if pre < 1.0 else 1.0


def score(subject: Prepared, index: Index, position: int) -> Hit | None:
    """A subject against one candidate, in full: the best pair of their names, with the entries'
    countries applied. None when the two cannot be the same (another kind, the same entry)."""
    return score_all([subject], index, [0], [position])[0]


def score_all(
    subjects: Sequence[Prepared], index: Index, rows: Sequence[int], positions: Sequence[int]
) -> list[Hit | None]:
    """`score` of each pair (the subject at `rows[i]`, the candidate at `positions[i]`), in one loop."""
    with paused_gc():  # as `screen`: thousands of small acyclic objects
        return _score_all(subjects, index, rows, positions)


def _score_all(
    subjects: Sequence[Prepared], index: Index, rows: Sequence[int], positions: Sequence[int]
) -> list[Hit | None]:
    out: list[Hit | None] = []
    add = out.append
    gaz, compared = index.gaz, index.compared
    for row, position in zip(rows, positions, strict=True):
        subject_id, kind, name, text, body, countries, names, bodies = subjects[row].head
        candidate_id, other_kind, other, other_text, other_body, where, others, other_bodies = compared[position]
        if kind != other_kind or candidate_id == subject_id:
            add(None)
        elif name is not None and other is not None:  # one name each, the usual case, without the loops
            match = compare_known(name, other, gaz, body, other_body)
            if countries and where and match.score > CAP_COUNTRIES and countries.isdisjoint(where):
                match = _apart(match, countries, where)
            add(_new(Hit, (subject_id, candidate_id, text, other_text, match)))
        else:
            best: tuple[Match, str, str] | None = None
            for name, name_bodies in zip(names, bodies, strict=True):
                for other, bodies_of_other in zip(others, other_bodies, strict=True):
                    match = compare_known(name, other, gaz, name_bodies, bodies_of_other)
                    if best is None or match.score > best[0].score:
                        best = (match, name.text, other.text)
            if best is None:
                add(None)
            else:
                add(_new(Hit, (subject_id, candidate_id, best[1], best[2], _apart(best[0], countries, where))))
    return out


def screen(subjects: Sequence[Entry], index: Index, threshold: float = MATCH, limit: int = 5) -> Screening:
    """The best matches (at most `limit` a subject) at or above `threshold`, with their explanations."""
    with paused_gc():  # millions of small acyclic objects: the cycle collector would only slow this
        return _screen(subjects, index, threshold, limit)


def _screen(subjects: Sequence[Entry], index: Index, threshold: float, limit: int) -> Screening:
    result = Screening()
    prepared = [prepare(s, index.gaz) for s in subjects]
    rows, cands, pre = index.candidates(prepared)
    result.pairs = len(rows)
    keep = pre >= FLOOR
    rows, cands, pre = rows[keep], cands[keep], pre[keep]
    bounds = np.searchsorted(rows, np.arange(len(prepared) + 1))
    for row, subject in enumerate(prepared):
        lo, hi = int(bounds[row]), int(bounds[row + 1])
        if lo == hi:
            continue
        order = np.lexsort((cands[lo:hi], -pre[lo:hi]))[:MAX_COMPARED]
        found: list[Hit] = []
        positions = sorted(cands[lo:hi][order].tolist())
        for position, hit in zip(positions, score_all([subject], index, [0] * len(positions), positions), strict=True):
            if hit is None:
                continue
            result.compared += 1
            result.comparisons += len(subject.names) * len(index.names[position])
            if hit.score >= threshold:
                found.append(hit)
        found.sort(key=lambda h: (-h.score, h.candidate))
        result.hits.extend(found[:limit])
    return result

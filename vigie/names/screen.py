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
   judge.
3. *Comparing* what is left with `compare`, which gives the score and its explanation.

`screen` is pure and works on a slice of the subjects at a time, so that the same code runs here
and on a cluster (vigie/names/cluster.py) and gives the same results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from vigie.names.analyse import COUNTRY, GENERIC, LEGAL, NUMBER, STOP, WORD, Analysed, analyse
from vigie.names.compare import CAP_COUNTRIES, MATCH, Feature, Match, bodies_of, compare_analysed
from vigie.names.gazetteer import Gazetteer, gazetteer
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


@dataclass(frozen=True)
class Entry:
    """Something with names: a register organisation, an entity of a list, an unlinked mention."""

    id: str
    names: tuple[str, ...]
    kind: str = "organisation"
    countries: frozenset[str] = frozenset()  # ISO codes from the register or the list, upper case


@dataclass(frozen=True)
class Hit:
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
    feature = Feature("entries' countries differ", CAP_COUNTRIES, detail)
    return Match(match.a, match.b, match.kind, CAP_COUNTRIES, (*match.features, feature))


@dataclass(frozen=True)
class Prepared:
    """An entry analysed once: its names, the slots of each, its countries."""

    entry: Entry
    names: tuple[Analysed, ...]
    slots: tuple[tuple[Slot, ...], ...]  # by name
    countries: frozenset[str]


def prepare(entry: Entry, gaz: Gazetteer) -> Prepared:
    names = tuple(analyse(n, entry.kind) for n in entry.names if n.strip())
    bodies = [bodies_of(n, gaz, entry.countries) for n in names]
    return Prepared(
        entry,
        names,
        tuple(tuple(slots(n, gaz, b)) for n, b in zip(names, bodies, strict=True)),
        countries_of(entry, names, gaz, bodies),
    )


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
        self.keys: list[frozenset[str]] = [
            frozenset(k for name_slots in p.slots for slot in name_slots for k in slot.keys) for p in prepared
        ]
        members: dict[str, list[int]] = {}
        for position, entry_keys in enumerate(self.keys):
            for key in entry_keys:
                members.setdefault(key, []).append(position)
        ordered = sorted(members)
        self.key_ids = {key: i for i, key in enumerate(ordered)}
        sizes = np.array([len(members[k]) for k in ordered], dtype=np.int64)
        self.block_start = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.block_start[1:])
        self.block_members = np.array([position for k in ordered for position in members[k]], dtype=np.int64)
        self.rarity = np.log((len(self.entries) + 1.0) / np.maximum(sizes, 1))
        self.rarest = float(np.log(len(self.entries) + 1.0))  # the rarity of a key no candidate has
        # The lightest of an entry's names, which the pre-score of any of them cannot be lower than.
        self.mass = [min((self.weigh(s) for s in p.slots), default=0.0) for p in prepared]

    def weight(self, slot: Slot) -> float:
        i = self.key_ids.get(slot.main)
        return WEIGHTS[slot.sort] * (self.rarest if i is None else float(self.rarity[i]))

    def weigh(self, name_slots: Sequence[Slot]) -> float:
        """What a name's parts weigh; acronyms, initials and bodies decide alone and weigh nothing."""
        return sum(self.weight(s) for s in name_slots if s.sort not in DECISIVE)

    def block_size(self, key_id: int) -> int:
        return int(self.block_start[key_id + 1] - self.block_start[key_id])

    def _lookups(self, name_slots: Sequence[Slot], mass: float) -> list[int]:
        """The blocks a name looks in: its decisive parts', and its heaviest parts' until what is left
        could not bring a candidate sharing only those parts to FLOOR (see REACH). A block too
        large says little and is skipped, unless it is all there is."""
        found: list[int] = []
        left = mass
        for weight, slot in sorted(((self.weight(s), s) for s in name_slots), key=lambda ws: -ws[0]):
            if slot.sort in DECISIVE:
                found += [self.key_ids[k] for k in probes(slot) if k in self.key_ids]
            elif left >= REACH * mass:
                left -= weight
                found += [self.key_ids[k] for k in slot.keys if k in self.key_ids]
        usable = [k for k in found if self.block_size(k) <= MAX_BLOCK]
        if not usable and found:
            usable = [min(found, key=lambda k: (self.block_size(k), k))]
        return usable

    def prescore(self, name_slots: Sequence[Slot], mass: float, position: int) -> float:
        """Twice the weight of the parts a name shares with a candidate over the weight of both
        (1 if an acronym or a public body is shared): all its parts, not only those it was found by.
        Words that only one side has count against the pair, as they do in `compare`."""
        keys = self.keys[position]
        shared = 0.0
        for slot in name_slots:
            if slot.sort in DECISIVE:
                if any(k in keys for k in probes(slot)):
                    return 1.0
            elif slot.main in keys:
                shared += self.weight(slot)
            elif any(k in keys for k in slot.keys[1:]):
                shared += TYPO_SHARE * self.weight(slot)
        return min(2.0 * shared / max(mass + self.mass[position], 1e-9), 1.0)

    def candidates(self, subjects: Sequence[Prepared]) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
        """Every (subject, candidate) pair of the slice found by blocking, with its pre-score.

        Returned as three arrays (subject position in the slice, candidate position, pre-score),
        ordered by subject then candidate; the pre-score is that of the subject's name that shares
        most with the candidate. The blocks are expanded with numpy, over the whole slice at once.
        """
        name_slots: list[Sequence[Slot]] = []
        name_rows: list[int] = []
        masses: list[float] = []
        lookup_names: list[int] = []
        lookup_keys: list[int] = []
        for row, subject in enumerate(subjects):
            for slots_of_name in subject.slots:
                number = len(name_slots)
                mass = self.weigh(slots_of_name)
                name_slots.append(slots_of_name)
                name_rows.append(row)
                masses.append(mass)
                keys = self._lookups(slots_of_name, mass)
                lookup_names += [number] * len(keys)
                lookup_keys += keys
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
        best: dict[tuple[int, int], float] = {}
        for name, position in zip((pairs // n).tolist(), (pairs % n).tolist(), strict=True):
            pre = self.prescore(name_slots[name], masses[name], position)
            pair = (name_rows[name], position)
            if pre > best.get(pair, -1.0):
                best[pair] = pre
        ordered = sorted(best)
        rows = np.array([r for r, _ in ordered], dtype=np.int64)
        positions = np.array([c for _, c in ordered], dtype=np.int64)
        return rows, positions, np.array([best[p] for p in ordered], dtype=np.float64)


def score(subject: Prepared, index: Index, position: int) -> Hit | None:
    """A subject against one candidate, in full: the best pair of their names, with the entries'
    countries applied. None when the two cannot be the same (another kind, the same entry)."""
    candidate = index.entries[position]
    if candidate.kind != subject.entry.kind or candidate.id == subject.entry.id:
        return None
    best: tuple[Match, str, str] | None = None
    for name in subject.names:
        for other in index.names[position]:
            match = compare_analysed(name, other, index.gaz, (subject.countries, index.countries[position]))
            if best is None or match.score > best[0].score:
                best = (match, name.text, other.text)
    if best is None:
        return None
    match = _apart(best[0], subject.countries, index.countries[position])
    return Hit(subject.entry.id, candidate.id, best[1], best[2], match)


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
        for position in sorted(int(c) for c in cands[lo:hi][order]):
            hit = score(subject, index, position)
            if hit is None:
                continue
            result.compared += 1
            result.comparisons += len(subject.names) * len(index.names[position])
            if hit.score >= threshold:
                found.append(hit)
        found.sort(key=lambda h: (-h.score, h.candidate))
        result.hits.extend(found[:limit])
    return result

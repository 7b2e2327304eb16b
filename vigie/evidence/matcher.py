"""Finding many phrases at once in folded text, on word boundaries (Aho-Corasick).

One automaton per vocabulary (register names, capability words, cue words, places): the text is
scanned once whatever the number of phrases. A phrase ending in `*` matches any word that starts
with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from vigie.evidence.text import fold, is_word_char

T = TypeVar("T")


@dataclass(frozen=True)
class Hit(Generic[T]):
    start: int
    end: int
    payload: T
    phrase: str


class PhraseMatcher(Generic[T]):
    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[bool, T, str]]] = {}
        for phrase, payload in phrases:
            prefix = phrase.endswith("*")
            key = fold(phrase.rstrip("*").strip())
            if not key:
                continue
            entries.setdefault(key, []).append((prefix, payload, phrase))
        for key, values in entries.items():
            self._automaton.add_word(key, (key, values))
        self.size = len(entries)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str, folded: str | None = None) -> list[Hit[T]]:
        """Every match on word boundaries, longest first where matches overlap."""
        if not self.size:
            return []
        folded = fold(text) if folded is None else folded
        found: list[Hit[T]] = []
        n = len(folded)
        for end_index, (key, values) in self._automaton.iter(folded):
            start = end_index - len(key) + 1
            if start > 0 and is_word_char(folded[start - 1]) and is_word_char(key[0]):
                continue
            end = end_index + 1
            after_is_word = end < n and is_word_char(folded[end])
            for prefix, payload, phrase in values:
                if prefix:
                    stop = end
                    while stop < n and is_word_char(folded[stop]):
                        stop += 1
                    found.append(Hit(start, stop, payload, phrase))
                elif not after_is_word or not is_word_char(key[-1]):
                    found.append(Hit(start, end, payload, phrase))
        return _longest_first(found)


def _longest_first(hits: list[Hit[T]]) -> list[Hit[T]]:
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit[T]] = []
    last_end = -1
    for hit in hits:
        if hit.start >= last_end:
            kept.append(hit)
            last_end = hit.end
        elif kept and hit.start == kept[-1].start and hit.end == kept[-1].end:
            kept.append(hit)  # the same words naming more than one thing: keep both
    return kept

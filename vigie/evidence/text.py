"""Text helpers that keep character offsets: folding, sentences and clauses.

Every mention and claim points into the extracted text by offsets, so folding for matching must
keep one character for one character, and sentences are found by scanning, not by rewriting.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_APOSTROPHES = {"’": "'", "ʼ": "'", "`": "'", "‘": "'", "–": "-", "—": "-", "\u00a0": " ", "\u202f": " "}


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return _APOSTROPHES[char]
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered[0] if lowered else char


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes unified; exactly one character per input character."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# A sentence ends at . ! ? or a closing quote after one, followed by space and a capital, a quote,
# a dash or a digit; or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”)]?\s+(?=[A-ZÀ-ÖØ-Þ«\"“(\-–—\d])|\n\s*")
_ABBREVIATIONS = ("m.", "mme.", "dr.", "st.", "mr.", "mrs.", "ms.", "no.", "art.", "p.", "etc.", "e.g.", "i.e.", "vs.")


def sentences(text: str) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        tail = text[max(start, end - 5) : end + 1].lower().split()
        if tail and tail[-1] in _ABBREVIATIONS:
            continue
        _append(spans, text, start, end if text[end : end + 1] in "\n " else match.start())
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


@lru_cache(maxsize=64)
def _folded_markers(markers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(m) for m in markers)


def clauses(text: str, span: Span, breaks: list[str]) -> list[Span]:
    """Split a sentence where a clause break of the language stands (", tout en", ", while")."""
    folded = fold(text[span.start : span.end])
    cuts: list[int] = []
    for folded_marker in _folded_markers(tuple(breaks)):
        pos = folded.find(folded_marker)
        while pos != -1:
            cuts.append(pos)
            pos = folded.find(folded_marker, pos + 1)
    parts: list[Span] = []
    start = 0
    for cut in sorted(set(cuts)):
        if cut > start:
            parts.append(Span(span.start + start, span.start + cut))
            start = cut
    parts.append(Span(span.start + start, span.end))
    out: list[Span] = []
    for part in parts:
        s, e = part.start, part.end
        while s < e and (text[s].isspace() or text[s] in ",;"):
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Span(s, e))
    return out

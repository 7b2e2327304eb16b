"""Which writing system a name is in, so aliases can be matched and shown by script."""

from __future__ import annotations

import unicodedata
from collections import Counter

# Prefixes of Unicode character names and their ISO 15924 codes.
_SCRIPTS = (
    ("LATIN", "Latn"),
    ("CYRILLIC", "Cyrl"),
    ("ARABIC", "Arab"),
    ("HEBREW", "Hebr"),
    ("GREEK", "Grek"),
    ("CJK", "Hani"),
    ("HIRAGANA", "Hira"),
    ("KATAKANA", "Kana"),
    ("HANGUL", "Hang"),
    ("DEVANAGARI", "Deva"),
    ("THAI", "Thai"),
    ("ARMENIAN", "Armn"),
    ("GEORGIAN", "Geor"),
    ("ETHIOPIC", "Ethi"),
    ("PERSIAN", "Arab"),
    ("BENGALI", "Beng"),
    ("TAMIL", "Taml"),
    ("MYANMAR", "Mymr"),
    ("KHMER", "Khmr"),
)


def char_script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for prefix, code in _SCRIPTS:
        if name.startswith(prefix):
            return code
    return None


def detect_script(text: str) -> str | None:
    """The script most letters are written in; None for a name with no letters."""
    counts = Counter(s for s in map(char_script, text) if s)
    return counts.most_common(1)[0][0] if counts else None

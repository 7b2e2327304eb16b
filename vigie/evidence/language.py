"""Offline language identification (lingua), restricted to the languages vigie reads."""

from __future__ import annotations

import re
from functools import cache
from itertools import islice

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Languages a document may be in; extraction rules exist for those with a data/lang file.
CANDIDATES = (
    Language.FRENCH, Language.ENGLISH, Language.GERMAN, Language.SPANISH, Language.ITALIAN,
    Language.PORTUGUESE, Language.DUTCH, Language.ARABIC, Language.HEBREW, Language.RUSSIAN,
    Language.UKRAINIAN, Language.TURKISH,
)  # fmt: skip


@cache
def _detector() -> LanguageDetector:
    # Models load lazily, for the languages a text's alphabet leaves possible: preloading all of
    # them cost 2.5 s at every start of `vigie ingest` for no gain in accuracy.
    return LanguageDetectorBuilder.from_languages(*CANDIDATES).build()


_LETTER = re.compile(r"[^\W\d_]")


def detect(text: str, sample: int = 600) -> str | None:
    """ISO 639-1 code of the text's main language, from its beginning; None when unsure.

    A paragraph decides as well as the whole text and cost a fraction of it.
    """
    snippet = text[:sample]
    if sum(1 for _ in islice(_LETTER.finditer(snippet), 10)) < 10:
        return None
    found = _detector().detect_language_of(snippet)
    return found.iso_code_639_1.name.lower() if found else None

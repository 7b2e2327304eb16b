"""Offline language identification (lingua), restricted to the languages vigie reads."""

from __future__ import annotations

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Languages a document may be in; extraction rules exist for those with a data/lang file.
CANDIDATES = (
    Language.FRENCH, Language.ENGLISH, Language.GERMAN, Language.SPANISH, Language.ITALIAN,
    Language.PORTUGUESE, Language.DUTCH, Language.ARABIC, Language.HEBREW, Language.RUSSIAN,
    Language.UKRAINIAN, Language.TURKISH,
)  # fmt: skip


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*CANDIDATES).with_preloaded_language_models().build()


def detect(text: str, sample: int = 4000) -> str | None:
    """ISO 639-1 code of the text's main language, from its beginning; None when unsure."""
    snippet = text[:sample]
    if sum(c.isalpha() for c in snippet) < 10:
        return None
    found = _detector().detect_language_of(snippet)
    return found.iso_code_639_1.name.lower() if found else None

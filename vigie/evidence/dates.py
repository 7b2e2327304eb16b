"""Dates in sentences, resolved against the document's own date.

"le 25 septembre" in an article of 10 October 2025 is 2025-09-25; "début août 2025" is 2025-08
(a month, not an invented day). A date without a year in a document without a date stays
unresolved rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import dateparser

from vigie.evidence.lexicon import Language
from vigie.evidence.text import fold


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    text: str
    value: str | None  # ISO: YYYY-MM-DD, or YYYY-MM when only the month is known


def _resolve(groups: dict[str, Any], months: dict[str, int], reference: date | None) -> str | None:
    month_name = groups.get("month") or groups.get("month2")
    month = months.get(month_name or "")
    if month is None:
        return None
    day_text = groups.get("day") or groups.get("day2")
    year_text = groups.get("year")
    year = int(year_text) if year_text else None
    if year is None:
        if reference is None:
            return None
        year = reference.year
        if (month, int(day_text or 1)) > (reference.month, reference.day):
            year -= 1  # a news text speaks of the past: "le 25 septembre" in January means last year
    if not day_text:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, int(day_text)).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int, end: int, lang: Language, reference: date | None) -> list[FoundDate]:
    folded = fold(text[start:end])
    out: list[FoundDate] = []
    for match in lang.date_pattern.finditer(folded):
        groups = match.groupdict()
        if groups.get("month2") and not (groups.get("day2") or groups.get("year")):
            continue  # a bare month name ("may") is too ambiguous to be a date
        value = _resolve(groups, lang.months, reference)
        s, e = start + match.start(), start + match.end()
        out.append(FoundDate(s, e, text[s:e], value))
    return out


def _iso_date(value: str) -> date | None:
    """Front matter and HTML metadata mostly carry ISO dates, which need no 4 ms of dateparser."""
    if len(value) < 10 or (len(value) > 10 and value[10] not in "T "):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_document_date(value: str | None, languages: list[str] | None = None) -> date | None:
    """A publication date from metadata or a dateline, in any language dateparser knows."""
    if not value:
        return None
    iso = _iso_date(value.strip())
    if iso is not None:
        return iso
    parsed = dateparser.parse(
        value.strip(),
        languages=languages,
        settings={"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"], "RETURN_AS_TIMEZONE_AWARE": False},
    )
    return parsed.date() if parsed else None

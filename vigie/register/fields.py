"""Field kinds of the register: how a raw value from CSV, JSON or FtM becomes a canonical value.

Each parser takes what a file gives (text from CSV, native values from JSON) and returns the
JSON-ready spelling vigie stores, compares and audits, or raises ValueError with a message a user
can act on. Declaring columns as data (see specs.py) keeps import, export and the API schema on
one description; parsing them with small functions keeps a million-row import fast
(docs/decisions/0001-register-validation.md).

A million-row import spends much of its time calling those parsers on values that are already in
canonical form ("FR", "2024-01-31", "1200.00"). `quick(parser)` gives a shortcut for each that
recognises such values with one regular expression or one dictionary lookup and returns exactly
what the parser would; for anything else it answers None and the importer asks the parser itself,
which keeps every message (vigie/register/importer.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from vigie.register.vocabulary import countries, terms

Parser = Callable[[Any], Any]
# A parser's shortcut: the parser's own result, or None when it cannot tell at a glance. It may also raise
# (ValueError, TypeError, KeyError) where the parser would; the caller then asks the parser, for its message.
Quick = Callable[[Any], Any]
_QUICK: dict[Parser, Callable[[int | None], Quick]] = {}  # parser -> maker of its shortcut for a length limit

_ID = re.compile(r"[^\s;|]{1,200}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_SCRIPT = re.compile(r"[A-Z][a-z]{3}")
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
LIST_SEP = ";"
MAP_SEP = "="


def _text(value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected text, got {type(value).__name__}")
        value = str(value)
    if "\x00" in value:
        raise ValueError("contains the NUL character (binary data where text belongs)")
    return str(value).strip()


def ident(value: Any) -> str:
    text = _text(value)
    if not _ID.fullmatch(text):
        raise ValueError(f"not a valid id {text!r}: 1 to 200 characters, no spaces, ';' or '|'")
    return text


def text(value: Any) -> str:
    result = _text(value)
    if not result:
        raise ValueError("must not be empty")
    return result


def vocabulary(name: str) -> Parser:
    allowed = terms(name)
    listing = ", ".join(allowed)

    def parse(value: Any) -> str:
        result = _text(value)
        if result not in allowed:
            raise ValueError(f"unknown value {result!r}; expected one of: {listing}")
        return result

    _QUICK[parse] = lambda limit: _table(parse, allowed, limit).get
    return parse


def country(value: Any) -> str:
    result = _text(value).upper()
    if result not in countries():
        raise ValueError(f"{result!r} is not an ISO 3166-1 alpha-2 country code")
    return result


def currency(value: Any) -> str:
    result = _text(value).upper()
    if not _CURRENCY.fullmatch(result):
        raise ValueError(f"{result!r} is not an ISO 4217 currency code (three letters)")
    return result


def lang(value: Any) -> str:
    result = _text(value)
    if not _LANG.fullmatch(result):
        raise ValueError(f"{result!r} is not a language code (ISO 639, e.g. 'fr', 'he', 'pt-BR')")
    return result


def script(value: Any) -> str:
    result = _text(value)
    if not _SCRIPT.fullmatch(result):
        raise ValueError(f"{result!r} is not an ISO 15924 script code (e.g. 'Latn', 'Hebr')")
    return result


def iso_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raw = _text(value)
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ValueError(f"{raw!r} is not a date in the form YYYY-MM-DD") from None


def money(value: Any) -> str:
    raw = _text(value).replace("_", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount (digits with an optional decimal point)") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e16"):
        raise ValueError(f"{raw!r} is not a usable amount")
    return f"{amount:.2f}"


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = _text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not true or false")


def list_of(item: Parser) -> Parser:
    """A set of values, in sorted order so that the same set is always spelled the same way."""

    def parse(value: Any) -> list[str]:
        items: Iterable[Any] = value.split(LIST_SEP) if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        return sorted({item(v) for v in items if not (isinstance(v, str) and not v.strip())})

    def make_quick(_limit: int | None) -> Quick:
        # A list's spelling is not text: the column's length does not apply to it.
        item_quick = quick(item)

        def quick_list(value: Any) -> list[str] | None:
            if type(value) is not str:
                return None
            found = set()
            for part in value.split(LIST_SEP):
                result = item_quick(part)
                if result is None:
                    return None  # a blank part, or one the item's parser must look at
                found.add(result)
            return sorted(found)

        return quick_list

    _QUICK[parse] = make_quick
    return parse


# ------------------------------------------------------------------------------------------ shortcuts


def quick(parse: Parser, limit: int | None = None) -> Quick:
    """A shortcut for `parse` that also answers None for text longer than `limit` (the column's length).

    Every shortcut returns `parse(value)` or None, whatever the value (tests/register/test_quick.py); a
    parser without one is its own shortcut, bounded by the limit.
    """
    make = _QUICK.get(parse)
    if make is not None:
        return make(limit)
    if limit is None:
        return parse

    def bounded(value: Any) -> Any:
        result = parse(value)
        return None if isinstance(result, str) and len(result) > limit else result

    return bounded


def _fits(result: Any, limit: int | None) -> bool:
    return limit is None or not isinstance(result, str) or len(result) <= limit


def _table(parse: Parser, spellings: Iterable[str], limit: int | None) -> dict[str, Any]:
    """{spelling: parse(spelling)} for the spellings the parser accepts within the limit: a lookup that is
    right by construction, for parsers of a small closed set of values."""
    table: dict[str, Any] = {}
    for spelling in spellings:
        try:
            result = parse(spelling)
        except ValueError:
            continue
        if _fits(result, limit):
            table[spelling] = result
    return table


def _matching(pattern: str, limit: int | None, longest: int | None) -> Quick:
    """A shortcut for a parser that returns any value matching `pattern` unchanged (`longest`: the longest
    such value, None when unbounded)."""
    match = re.compile(pattern).fullmatch
    if limit is None or (longest is not None and longest <= limit):

        def matching(value: Any) -> str | None:
            return value if type(value) is str and match(value) else None

        return matching

    def matching_within(value: Any) -> str | None:
        return value if type(value) is str and len(value) <= limit and match(value) else None

    return matching_within


# No whitespace and no NUL anywhere: what `_text` would return unchanged, and `ident` accept.
_QUICK[ident] = lambda limit: _matching(r"[^\s;|\x00]{1,200}", limit, 200)
# Neither starting nor ending with whitespace, and no NUL: `_text` returns it unchanged, and it is not empty.
_QUICK[text] = lambda limit: _matching(r"[^\s\x00](?:[^\x00]*[^\s\x00])?", limit, None)
_QUICK[currency] = lambda limit: _matching(_CURRENCY.pattern, limit, 3)
_QUICK[lang] = lambda limit: _matching(_LANG.pattern, limit, 12)
_QUICK[script] = lambda limit: _matching(_SCRIPT.pattern, limit, 4)


def _quick_country(limit: int | None) -> Quick:
    # The table is made on first use: the list of countries costs followthemoney's import (up to a second),
    # which a file without countries should not pay.
    table: dict[str, Any] = {}
    made = False

    def quick_country(value: Any) -> Any:
        nonlocal made
        if not made:
            codes = countries()
            table.update(_table(country, [*codes, *(code.lower() for code in codes)], limit))
            made = True
        return table.get(value)

    return quick_country


_QUICK[country] = _quick_country

_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def _quick_date(limit: int | None) -> Quick:
    if limit is not None and limit < 10:
        return lambda value: None

    def quick_date(value: Any) -> str | None:
        if type(value) is not str or not _PLAIN_DATE(value):
            return None
        date.fromisoformat(value)  # a ValueError (2024-02-30) sends the value to the parser for its message
        return value

    return quick_date


_QUICK[iso_date] = _quick_date

# Amounts already written with at most two decimals, no leading zero, no exponent, no '_', and under 1e16.
_PLAIN_MONEY = re.compile(r"-?(?:0|[1-9][0-9]{0,15})(?:\.([0-9]{1,2}))?").fullmatch
# What `f"{amount:.2f}"` appends to such an amount, by the number of decimals it was given with.
_CENTS: dict[int | None, str] = {None: ".00", 1: "0", 2: ""}


def _quick_money(limit: int | None) -> Quick:
    def quick_money(value: Any) -> str | None:
        if type(value) is not str:
            return None
        found = _PLAIN_MONEY(value)
        if not found:
            return None
        decimals = found[1]
        result = value + _CENTS[len(decimals) if decimals else None]
        return result if limit is None or len(result) <= limit else None

    return quick_money


_QUICK[money] = _quick_money
_SPELLED_BOOLEANS = [form for word in sorted(_TRUE | _FALSE) for form in (word, word.upper(), word.capitalize())]
_QUICK[boolean] = lambda limit: _table(boolean, _SPELLED_BOOLEANS, limit).get


def mapping(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {text(k): text(v) for k, v in sorted(value.items())}
    result: dict[str, str] = {}
    for part in _text(value).split(LIST_SEP):
        if not part.strip():
            continue
        key, sep, val = part.partition(MAP_SEP)
        if not sep or not key.strip() or not val.strip():
            raise ValueError(f"expected scheme{MAP_SEP}value pairs separated by '{LIST_SEP}', got {part.strip()!r}")
        result[key.strip()] = val.strip()
    return dict(sorted(result.items()))


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    required: bool = False
    default: Any = None
    doc: str = ""
    shape: str = "scalar"  # "list" and "map" are spelled specially in CSV

    def default_value(self) -> Any:
        return (
            list(self.default)
            if isinstance(self.default, list)
            else (dict(self.default) if isinstance(self.default, dict) else self.default)
        )

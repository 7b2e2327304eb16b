"""Field kinds of the register: how a raw value from CSV, JSON or FtM becomes a canonical value.

Each parser takes what a file gives (text from CSV, native values from JSON) and returns the
JSON-ready spelling vigie stores, compares and audits, or raises ValueError with a message a user
can act on. Declaring columns as data (see specs.py) keeps import, export and the API schema on
one description; parsing them with small functions keeps a million-row import fast
(docs/decisions/0001-register-validation.md).
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

    return parse


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

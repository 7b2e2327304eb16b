"""How an audit entry is serialised and hashed: pure functions shared by writing and verifying."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

GENESIS = "0" * 64
SEPARATOR = "\x1f"  # between the parts of an entry, as hashed
NONE = "\x00"  # stands for a part that is None (no state before a creation, no context)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot audit a value of type {type(value).__name__}")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _make_encode() -> Callable[[Any], str]:
    """`_ENCODER.encode`, without what it repeats on every call.

    `JSONEncoder.encode` builds a new C encoder for each value it encodes, a third of the cost of encoding
    a register row; an import encodes one per row. This builds the same C encoder, with the same settings,
    once. It is made without the check for circular values (a shared check would not be safe across
    threads): a circular value, which no audited state is, fails with RecursionError instead of ValueError.
    Where the C encoder is missing, the encoder itself is used.
    """
    if c_make_encoder is None:
        return _ENCODER.encode
    encoder = c_make_encoder(
        None,
        _ENCODER.default,
        encode_basestring,
        _ENCODER.indent,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        _ENCODER.sort_keys,
        _ENCODER.skipkeys,
        _ENCODER.allow_nan,
    )

    def encode(value: Any) -> str:
        return "".join(encoder(value, 0))

    return encode


_encode = _make_encode()


def canonical_json(value: Any) -> str | None:
    """One spelling per value, so that the same state always hashes the same on every database."""
    if value is None:
        return None
    return _encode(value)


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: str | None,
    after: str | None,
    context: str | None,
    prev_hash: str,
) -> str:
    # One f-string rather than a join of a tuple: an import hashes a million entries through here.
    s, none = SEPARATOR, NONE
    text = (
        f"{seq}{s}{at}{s}{actor}{s}{action}{s}{entity_type}{s}{entity_id}{s}{none if before is None else before}"
        f"{s}{none if after is None else after}{s}{none if context is None else context}{s}{prev_hash}"
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

"""How an audit entry is serialised and hashed: pure functions shared by writing and verifying."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
_SEP = "\x1f"


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot audit a value of type {type(value).__name__}")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def canonical_json(value: Any) -> str | None:
    """One spelling per value, so that the same state always hashes the same on every database."""
    if value is None:
        return None
    return _ENCODER.encode(value)


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
    parts = (
        str(seq),
        at,
        actor,
        action,
        entity_type,
        entity_id,
        before if before is not None else "\x00",
        after if after is not None else "\x00",
        context if context is not None else "\x00",
        prev_hash,
    )
    return hashlib.sha256(_SEP.join(parts).encode("utf-8")).hexdigest()

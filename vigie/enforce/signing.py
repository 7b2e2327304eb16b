"""The webhook signature: HMAC-SHA256 over the timestamp and the body, with a shared secret.

    X-Vigie-Timestamp: 1764057600
    X-Vigie-Signature: hex(HMAC-SHA256(secret, "1764057600" + "." + body))

Signing the timestamp with the body lets a receiver refuse a captured request replayed later
(outside its time window); the idempotency key inside the body makes a replay inside the window
harmless. The same functions sign and verify, so vigie and the reference receiver cannot disagree.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Vigie-Timestamp"
SIGNATURE_HEADER = "X-Vigie-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_WINDOW = 300  # seconds either side of the receiver's clock


class SignatureError(ValueError):
    """A request (or an answer) whose signature or timestamp does not check out; the message says which."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: float) -> dict[str, str]:
    """The two headers that sign `body` at time `now` (seconds since the epoch)."""
    timestamp = str(int(now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    timestamp: str | None,
    given: str | None,
    body: bytes,
    now: float,
    window: float = DEFAULT_WINDOW,
) -> None:
    """Raise SignatureError unless `given` signs `body` at `timestamp` and the timestamp is within `window` of `now`."""
    if not timestamp or not given:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    if not timestamp.isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} must be whole seconds since the epoch, got {timestamp!r}")
    # Compare in constant time, and before the clock check, so a forger learns nothing from timing.
    if not hmac.compare_digest(signature(secret, timestamp, body), given.strip().lower()):
        raise SignatureError("bad signature")
    if abs(now - int(timestamp)) > window:
        raise SignatureError(f"timestamp {timestamp} is more than {window:g} s from the receiver's clock")

"""The pure rules: ids and keys derived from content, payloads, backoff, signatures, acknowledgements."""

from __future__ import annotations

import random

import pytest

from vigie.enforce import orders
from vigie.enforce.signing import SignatureError, sign, signature, verify


def payload(**changes: object) -> dict[str, object]:
    base = orders.build_payload(
        order="ord-1", subscription_id="sub-1", customer_id="org-1", service_id="svc-1", action="suspend",
        decision_id="dec_1", reason="r", issued_by="abe", issued_at="2026-01-01T00:00:00.000000+00:00",
        due_by="2026-01-02T00:00:00.000000+00:00",
    )  # fmt: skip
    return {**base, **changes}


def test_a_decisions_order_for_a_subscription_always_has_the_same_id() -> None:
    first = orders.order_id("sub-1", "suspend", "dec_1", "2026-01-01T00:00:00+00:00")
    assert first == orders.order_id("sub-1", "suspend", "dec_1", "2027-05-05T00:00:00+00:00")
    assert first != orders.order_id("sub-2", "suspend", "dec_1", "2026-01-01T00:00:00+00:00")
    by_hand = orders.order_id("sub-1", "restore", None, "2026-01-01T00:00:00+00:00")
    assert by_hand != orders.order_id("sub-1", "restore", None, "2026-03-01T00:00:00+00:00")
    assert len(first) <= 40 and first.startswith("ord-")


def test_the_idempotency_key_is_the_content_and_only_the_content() -> None:
    key = orders.idempotency_key(payload())
    assert key == orders.idempotency_key(dict(reversed(list(payload().items()))))  # key order does not matter
    assert key != orders.idempotency_key(payload(action="terminate"))
    assert len(key) == 64
    body = orders.message_body(payload(), key)
    assert body == orders.message_body(payload(), key)  # the same bytes at every attempt
    assert b'"idempotency_key":"' + key.encode() + b'"' in body


def test_every_action_leads_to_a_register_status() -> None:
    assert dict(orders.ACTIONS) == {
        "suspend": "suspended", "disable": "disabled", "terminate": "terminated", "restore": "active",
    }  # fmt: skip
    assert payload()["target_status"] == "suspended"


def test_backoff_grows_exponentially_is_capped_and_jittered_within_bounds() -> None:
    rng = random.Random(7)
    for attempt in range(1, 12):
        planned = min(60.0, 1.0 * 2 ** (attempt - 1))
        for _ in range(50):
            delay = orders.backoff_delay(attempt, 1.0, 60.0, rng)
            assert planned / 2 <= delay <= planned
    assert orders.backoff_delay(30, 1.0, 60.0, rng) <= 60.0


def test_an_order_goes_to_the_dead_letters_after_the_last_attempt_or_a_permanent_failure() -> None:
    assert orders.state_after_failure(1, 3, permanent=False) == orders.PENDING
    assert orders.state_after_failure(3, 3, permanent=False) == orders.DEAD
    assert orders.state_after_failure(1, 3, permanent=True) == orders.DEAD


def test_signatures_verify_and_anything_else_is_refused() -> None:
    body = b'{"order_id":"ord-1"}'
    headers = sign("s3cret", body, 1_764_000_000.7)
    timestamp, given = headers["X-Vigie-Timestamp"], headers["X-Vigie-Signature"]
    assert timestamp == "1764000000"
    verify("s3cret", timestamp, given, body, 1_764_000_100)
    with pytest.raises(SignatureError, match="bad signature"):
        verify("other", timestamp, given, body, 1_764_000_100)
    with pytest.raises(SignatureError, match="bad signature"):
        verify("s3cret", timestamp, given, body + b" ", 1_764_000_100)
    with pytest.raises(SignatureError, match="bad signature"):
        verify("s3cret", "1764000001", given, body, 1_764_000_100)  # the timestamp is signed too
    with pytest.raises(SignatureError, match="more than 300 s"):
        verify("s3cret", timestamp, given, body, 1_764_000_000 + 301)
    with pytest.raises(SignatureError, match="missing"):
        verify("s3cret", None, given, body, 1_764_000_000)


def test_the_documented_worked_example() -> None:
    """docs/enforce.md shows this signature (computed there with openssl); if the scheme changes, so must the docs."""
    assert (
        signature("example-secret", "1764057600", b'{"order_id":"ord-example"}')
        == "40b75d92c2a0efe984fae62777dc8cb31358a564366c89bfe08ab3e5668f328b"
    )


def test_an_answer_acknowledges_only_this_order() -> None:
    key = "k" * 64
    assert orders.read_acknowledgement({"applied": True, "idempotency_key": key}, key).outcome == "acknowledged"
    assert orders.read_acknowledgement({"applied": True}, key).outcome == "acknowledged"
    other = orders.read_acknowledgement({"applied": True, "idempotency_key": "x"}, key)
    assert other.outcome == "failed" and "not this order's" in (other.detail or "")
    assert orders.read_acknowledgement({"accepted": True}, key).outcome == "sent"
    assert orders.read_acknowledgement(None, key).outcome == "sent"

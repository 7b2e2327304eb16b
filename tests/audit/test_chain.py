"""The audit chain's spelling and hashing stay byte for byte what they were: entries already written must
still verify, and a chain written by the bulk path must verify with `entry_hash`."""

from __future__ import annotations

import json
from datetime import UTC, date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from vigie.audit.chain import GENESIS, _default, canonical_json, entry_hash
from vigie.audit.trail import AuditTrail, Change
from vigie.audit.verify import verify
from vigie.store.engine import session_scope

TEXT = st.text() | st.sampled_from(["", "\u2028", "\x00\x1f\x7f", '"\\', "Ministère", "משרד", "\ud800", "😀"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**80)
    | st.floats()
    | TEXT
    | st.decimals()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(UTC))
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.frozensets(st.text(max_size=3), max_size=3)
        | st.dictionaries(TEXT, inner, max_size=5)
    ),
    max_leaves=20,
)


def stdlib(value: Any) -> str:
    """What the audit log has always stored: the standard library's encoder with vigie's settings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


@settings(max_examples=500, deadline=None)
@given(value=VALUES)
def test_canonical_json_is_the_standard_encoder_s_spelling(value: Any) -> None:
    if value is None:
        assert canonical_json(value) is None
        return
    try:
        expected = stdlib(value)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_canonical_json_of_a_register_state() -> None:
    state = {"id": "sub-1", "value": Decimal("12.50"), "start_date": date(2024, 1, 31), "use_territories": ["b", "a"]}
    state |= {"fictional": False, "end_date": None, "tags": {"y", "x"}, "name": "Ministère\u2028"}
    assert canonical_json(state) == (
        '{"end_date":null,"fictional":false,"id":"sub-1","name":"Ministère\u2028","start_date":"2024-01-31",'
        '"tags":["x","y"],"use_territories":["b","a"],"value":"12.50"}'
    )


def test_what_cannot_be_audited_is_refused_as_before() -> None:
    with pytest.raises(TypeError, match="cannot audit a value of type object"):
        canonical_json({"x": object()})


def test_a_bulk_chain_hashes_what_entry_hash_hashes(engine: Engine) -> None:
    changes = [
        Change("create", "subscription", "sub-1", None, {"id": "sub-1", "status": "active", "name": "Ministère"}),
        Change("update", "subscription", "sub-1", {"status": "active"}, {"status": "suspended"}),
        Change("delete", "subscription", "sub-1", {"status": "suspended"}, None),
        Change("note", "subscription", "sub-\u2028", None, None),
    ]
    for context in (None, "import a.csv b.csv", ""):
        with session_scope(engine) as session:
            trail = AuditTrail(session, "alice ✓", context)
            rows = trail.chain(changes)
            previous = rows[0][9]
            for row in rows:
                seq, at, actor, action, entity_type, entity_id, before, after, ctx, prev_hash, digest = row
                assert prev_hash == previous
                assert digest == entry_hash(
                    seq, at, actor, action, entity_type, entity_id, before, after, ctx, prev_hash
                )
                assert ctx == context and actor == "alice ✓"
                previous = digest
            session.rollback()
        with session_scope(engine) as session:
            AuditTrail(session, "alice ✓", context).record_many(changes)
    with session_scope(engine) as session:
        result = verify(session)
    assert result.ok and result.entries == 3 * len(changes)


def test_the_first_entry_chains_onto_the_genesis_hash(engine: Engine) -> None:
    with session_scope(engine) as session:
        rows = AuditTrail(session, "alice").chain([Change("create", "organisation", "org-a", None, {"id": "org-a"})])
        assert rows[0][0] == 1 and rows[0][9] == GENESIS
        session.rollback()


@pytest.mark.parametrize(
    ("entry", "digest"),
    [
        (
            (7, "2026-12-02T06:00:00.000000+00:00", "bench", "create", "subscription", "sub-1", None,
             '{"id":"sub-1"}', None, GENESIS),
            "84aa3529b097f702e98a69fc894c595f895135cb6c57687128a81f9619c267aa",
        ),
        (
            (8, "2026-12-02T06:00:00.000000+00:00", "bench", "update", "subscription", "sub-1", '{"a":1}',
             '{"a":2}', "import x", "f" * 64),
            "7f2f85691e4344d3aa3546c70b748b06356b8972c24512625d8ba83e7675ef25",
        ),
    ],
)  # fmt: skip
def test_entry_hashes_keep_the_spelling_of_chains_already_written(entry: tuple[Any, ...], digest: str) -> None:
    """SHA-256 of the parts joined by U+001F, NUL for a missing part: chains written by earlier versions must
    still verify, so the spelling is pinned here, not only checked against itself."""
    assert entry_hash(*entry) == digest

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tests.helpers import small_register
from vigie.audit.trail import record
from vigie.audit.verify import history, verify
from vigie.register.service import import_files
from vigie.store.engine import session_scope


def seeded(engine: Engine, tmp_path: Path) -> int:
    import_files(engine, small_register(tmp_path, subscriptions=4), "alice")
    with session_scope(engine) as session:
        result = verify(session)
    assert result.ok
    return result.entries


def problems(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [p.message for p in verify(session).problems]


def test_an_edited_entry_is_named(engine: Engine, tmp_path: Path) -> None:
    seeded(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    found = problems(engine)
    assert len(found) == 1 and found[0].startswith("entry 3 (")
    assert "edited" in found[0]


def test_an_edit_that_recomputes_its_own_hash_is_still_caught(engine: Engine, tmp_path: Path) -> None:
    seeded(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET hash = :h WHERE seq = 2"), {"h": "f" * 64})
    found = problems(engine)
    assert any(m.startswith("entry 2") for m in found)


def test_a_deleted_entry_is_named(engine: Engine, tmp_path: Path) -> None:
    seeded(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    assert problems(engine) == ["entry 5 deleted: the log jumps from 4 to 6"]


def test_entries_deleted_from_the_end_are_caught(engine: Engine, tmp_path: Path) -> None:
    total = seeded(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": total - 1})
    assert problems(engine) == [f"entries {total - 1}–{total} deleted from the end of the log"]


def test_history_of_one_entity_in_order(engine: Engine, tmp_path: Path) -> None:
    seeded(engine, tmp_path)
    with session_scope(engine) as session:
        record(session, "bob", "note", "subscription", "sub-00001", None, {"comment": "checked"})
    with session_scope(engine) as session:
        entries = history(session, "sub-00001")
        assert [(e.actor, e.action) for e in entries] == [("alice", "create"), ("bob", "note")]
        assert verify(session).ok


def test_a_rolled_back_change_leaves_no_entry(engine: Engine, tmp_path: Path) -> None:
    total = seeded(engine, tmp_path)
    try:
        with session_scope(engine) as session:
            record(session, "bob", "note", "subscription", "sub-00001", None, {"x": 1})
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    with session_scope(engine) as session:
        result = verify(session)
    assert result.ok and result.entries == total

"""Cases through the service functions the CLI and the API use: need-to-know, custody, sealing, findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text

from tests.cases.conftest import World
from vigie.access import AccessDenied
from vigie.access.crypto import SealError, generate_key, load_sealer
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.cases import service
from vigie.store.engine import session_scope

INTERVIEWEE = "Mireille Fictivenom"
AFFILIATION = "Former contractor (fictional)"
INTERVIEW = "She described weekly uploads of call recordings to the storage service, codeword PLUMTREE-7731."
FILE_TEXT = b"Internal memo (fictional): subscription sub-00001 provisioned with 40 PB. Witness ref OAKLEAF-5520."


def raw_dump(engine: Engine) -> str:
    """Every row of every table, as plain SQL returns it: what someone holding the database file sees."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return "\n".join(
            repr(row)
            for name in names
            for row in conn.execute(text(f'SELECT * FROM "{name}"'))
        )


def open_case_with_evidence(world: World) -> tuple[str, str, str]:
    with session_scope(world.engine) as session:
        case = service.open_case(
            session, world["lea"], "Unité 42 storage (test)", org_id="org-unit", subscription_ids=["sub-00001"]
        )
        service.add_member(session, world["lea"], case.id, "max")
        interview = service.add_interview(
            session, world["max"], case.id, world.sealer, interviewee=INTERVIEWEE, text=INTERVIEW,
            conducted_on=date(2026, 1, 5), affiliation=AFFILIATION,
        )  # fmt: skip
        upload = service.add_file(
            session, world["lea"], case.id, "memo-OAKLEAF.txt", FILE_TEXT, world.store, world.sealer, "memo from HR"
        )
        return case.id, interview.id, upload.id


def test_a_non_member_sees_that_a_case_exists_and_nothing_in_it(world: World) -> None:
    case_id, interview_id, file_id = open_case_with_evidence(world)
    with session_scope(world.engine) as session:
        listing = {c.id: c for c in service.list_cases(session, world["out"])}
        assert listing[case_id].status == "open" and listing[case_id].opened_on == date.today().isoformat()
        assert listing[case_id].title is None and listing[case_id].org_id is None and not listing[case_id].readable
        member_view = {c.id: c for c in service.list_cases(session, world["max"])}[case_id]
        assert member_view.title == "Unité 42 storage (test)"
        for name in ("out", "root", "abe"):  # every working role, an admin, an approver: none is a member
            actor = world[name]
            with pytest.raises(AccessDenied, match=f"{name} .* may not read case {case_id}"):
                service.show_case(session, actor, case_id, world.sealer)
            for item in (interview_id, file_id):
                with pytest.raises(AccessDenied, match="may not read"):
                    service.view_item(session, actor, item, world.sealer, world.store)
                with pytest.raises(AccessDenied, match="may not read"):
                    service.export_item(session, actor, item, "/tmp/x", world.sealer, world.store)
                with pytest.raises(AccessDenied, match="may not read"):
                    service.custody_history(session, actor, item)
        with pytest.raises(AccessDenied, match="not a member"):
            service.add_interview(
                session, world["out"], case_id, world.sealer, interviewee="x", text="y", conducted_on=date(2026, 1, 1)
            )
        with pytest.raises(AccessDenied, match="not a member"):
            service.record_finding(session, world["out"], case_id, "a", "inconclusive", "b")
        with pytest.raises(AccessDenied, match="only its leads and admins"):
            service.add_member(session, world["max"], case_id, "out")  # a member is not a lead
        stub = service.case_stub(session, case_id)
        assert (stub.id, stub.status, stub.title) == (case_id, "open", None)


def test_members_read_auditors_read_only_admins_manage_without_reading(world: World) -> None:
    case_id, interview_id, _file_id = open_case_with_evidence(world)
    with session_scope(world.engine) as session:
        view = service.show_case(session, world["max"], case_id, world.sealer)
        assert [m.name for m in view.members] == ["lea", "max"]
        assert {i.kind for i in view.items} == {"interview", "file"}
        audited = service.show_case(session, world["aud"], case_id)
        assert audited.id == case_id
        with pytest.raises(AccessDenied, match="not a member"):
            service.record_finding(session, world["aud"], case_id, "a", "inconclusive", "b")
        service.add_member(session, world["root"], case_id, "ada", "lead")  # admin manages membership
        with pytest.raises(AccessDenied):
            service.show_case(session, world["root"], case_id)  # …but does not read
        service.remove_member(session, world["ada"], case_id, "max")
    with session_scope(world.engine) as session:
        with pytest.raises(AccessDenied, match="may not read"):
            service.view_item(session, world["max"], interview_id, world.sealer)  # removed: no longer reads
        views = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "view", AuditEntry.entity_id == case_id)
        ).all()
        assert sorted(views) == ["aud", "max"]
        assert verify(session).ok


def test_custody_records_every_add_view_and_export_with_the_hash(world: World, tmp_path: Path) -> None:
    _case_id, interview_id, file_id = open_case_with_evidence(world)
    with session_scope(world.engine) as session:
        opened = service.view_item(session, world["max"], interview_id, world.sealer, world.store)
        assert opened.interview is not None and opened.interview["interviewee"] == INTERVIEWEE
        assert opened.interview["text"] == INTERVIEW and opened.interview["conducted_by"] == "max"
        service.view_item(session, world["aud"], file_id, world.sealer, world.store)
        exported = service.export_item(session, world["lea"], file_id, str(tmp_path / "out.txt"), world.sealer, world.store)
        assert exported.content == FILE_TEXT
    with session_scope(world.engine) as session:
        item, events = service.custody_history(session, world["lea"], file_id)
        assert [(e.action, e.actor) for e in events] == [("added", "lea"), ("viewed", "aud"), ("exported", "lea")]
        assert {e.sha256 for e in events} == {item.sha256}
        assert events[2].note == f"to {tmp_path / 'out.txt'}"
        _item, interview_events = service.custody_history(session, world["aud"], interview_id)
        assert [(e.action, e.actor) for e in interview_events] == [("added", "max"), ("viewed", "max")]
        actions = {
            (row.action, row.actor)
            for row in session.execute(
                select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity_type == "evidence_item")
            )
        }
        assert {("add", "max"), ("add", "lea"), ("view", "max"), ("view", "aud"), ("export", "lea")} <= actions


def test_the_raw_database_and_file_store_hold_no_interview_text_or_personal_data(world: World) -> None:
    case_id, interview_id, file_id = open_case_with_evidence(world)
    with session_scope(world.engine) as session:
        service.view_item(session, world["max"], interview_id, world.sealer)
        service.export_item(session, world["max"], file_id, "/tmp/elsewhere", world.sealer, world.store)
    dump = raw_dump(world.engine)
    assert case_id in dump and interview_id in dump  # the dump really holds the case's rows
    for secret in (INTERVIEWEE, "Fictivenom", AFFILIATION, "PLUMTREE-7731", "call recordings", "OAKLEAF", "memo from HR"):
        assert secret not in dump, f"{secret!r} is readable in the database"
    stored = b"".join(p.read_bytes() for p in world.store.root.rglob("*") if p.is_file())
    assert stored and b"OAKLEAF" not in stored and b"Internal memo" not in stored
    # With another key nothing opens, and the message says which key is needed.
    with session_scope(world.engine) as session, pytest.raises(SealError, match="sealed under key"):
        service.view_item(session, world["max"], interview_id, load_sealer(generate_key(), None))


def test_an_altered_file_is_detected_on_reading(world: World) -> None:
    _case_id, _interview_id, file_id = open_case_with_evidence(world)
    path = next(p for p in world.store.root.rglob("*") if p.is_file())
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF
    path.write_bytes(bytes(data))
    with session_scope(world.engine) as session, pytest.raises(SealError, match="altered"):
        service.view_item(session, world["lea"], file_id, world.sealer, world.store)


def test_findings_per_allegation_supersede_and_cite_the_case_evidence(world: World) -> None:
    case_id, interview_id, file_id = open_case_with_evidence(world)
    allegation = "org-unit/svc-store/privacy"
    with session_scope(world.engine) as session:
        first = service.record_finding(
            session, world["max"], case_id, allegation, "inconclusive", "One witness so far.", [interview_id]
        )
        second = service.record_finding(
            session, world["lea"], case_id, allegation, "partly-substantiated", "The memo corroborates the witness.",
            [interview_id, file_id],
        )  # fmt: skip
        assert second.supersedes == first.id
        with pytest.raises(ValueError, match="conclusion: must be one of"):
            service.record_finding(session, world["lea"], case_id, allegation, "proven", "x")
        with pytest.raises(ValueError, match="rationale: must not be empty"):
            service.record_finding(session, world["lea"], case_id, allegation, "inconclusive", "  ")
        with pytest.raises(ValueError, match="not evidence items of case"):
            service.record_finding(session, world["lea"], case_id, allegation, "inconclusive", "x", ["ev-nope"])
    with session_scope(world.engine) as session:
        findings = service.show_case(session, world["max"], case_id).findings
        assert [(f.conclusion, f.current) for f in findings] == [("inconclusive", False), ("partly-substantiated", True)]
        service.close_case(session, world["lea"], case_id, "Partly substantiated; decision proposed.")
        with pytest.raises(ValueError, match="is closed"):
            service.record_finding(session, world["lea"], case_id, allegation, "substantiated", "late")


def test_cases_open_from_an_assessment_or_by_hand_with_checked_input(world: World) -> None:
    with session_scope(world.engine) as session:
        with pytest.raises(AccessDenied, match="may not open a case"):
            service.open_case(session, world["abe"], "x")
        with pytest.raises(ValueError, match="org: no organisation"):
            service.open_case(session, world["lea"], "x", org_id="org-nope")
        with pytest.raises(ValueError, match="subscription: no subscription"):
            service.open_case(session, world["lea"], "x", subscription_ids=["sub-nope"])
        with pytest.raises(ValueError, match="title: must not be empty"):
            service.open_case(session, world["lea"], " ")
        with pytest.raises(LookupError, match="no current assessment"):
            service.open_from_assessment(session, world["lea"], "sub-00001")
        with pytest.raises(ValueError, match="ORGANISATION/SERVICE/HARM"):
            service.open_from_allegation(session, world["lea"], "org-unit")
        with pytest.raises(LookupError, match="no allegation"):
            service.open_from_allegation(session, world["lea"], "org-unit/svc-store/privacy")
        assert service.parse_allegation_key("org-unit/capability:storage/privacy") == (
            "org-unit", "capability:storage", "privacy"
        )  # fmt: skip

"""Screening the demo register against lists on both databases: matches, judgements, bad lists, links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.helpers import write_csv
from vigie.audit.verify import verify
from vigie.demo import DATA, TERRITORIES
from vigie.evidence import service as evidence
from vigie.names.service import judge, latest_matches, link_register, run_screen
from vigie.names.tables import OrganisationBody, ScreenMatch, ScreenRun
from vigie.register.errors import ImportFailed
from vigie.register.service import import_files
from vigie.store.engine import session_scope


@pytest.fixture
def registered(engine: Engine) -> Engine:
    import_files(engine, [TERRITORIES, DATA / "register.json"], "alice")
    return engine


def a_list(folder: Path) -> Path:
    return write_csv(
        folder / "watchlist.csv",
        ("id", "name", "aliases", "kind"),
        [
            ("l-mod", "ministère israélien de la Défense", "", "organisation"),
            ("l-8201", "Unit 8201", "", "organisation"),
            ("l-8200", "Unité 8200", "Israeli SIGINT National Unit", "organisation"),
            ("l-fr-mod", "Ministère des Armées", "ministère français de la Défense", "organisation"),
            ("l-person", "Jean Dupont", "", "person"),
        ],
    )


def pairs(matches: list[ScreenMatch]) -> set[tuple[str, str]]:
    return {(m.subject_id, m.candidate_id) for m in matches}


def test_screening_finds_the_register_in_a_list_and_explains(registered: Engine, tmp_path: Path) -> None:
    report = run_screen(registered, [a_list(tmp_path)], "alice")
    found = pairs(report.hits)
    assert ("org-il-mod", "l-mod") in found
    assert ("org-il-unit-8200", "l-8200") in found
    assert not any(c in ("l-8201", "l-fr-mod", "l-person") for _, c in found), found
    with session_scope(registered) as session:
        stored = latest_matches(session)
        assert pairs(stored) == found
        mod = next(m for m in stored if m.candidate_id == "l-mod")
        assert mod.features and any("il-mod" in f["detail"] for f in mod.features)
        run = session.scalars(select(ScreenRun)).one()
        assert run.lists[0]["name"] == "watchlist.csv" and run.lists[0]["entries"] == 5
        assert verify(session).ok


def test_judgements_persist_and_later_runs_respect_them(registered: Engine, tmp_path: Path) -> None:
    listing = a_list(tmp_path)
    first = run_screen(registered, [listing], "alice")
    by_pair = {(m.subject_id, m.candidate_id): m.id for m in first.hits}
    with session_scope(registered) as session:
        judge(session, by_pair["org-il-unit-8200", "l-8200"], "rejected", "bob", "another unit")
        judge(session, by_pair["org-il-mod", "l-mod"], "confirmed", "bob")
    # A stricter threshold would drop the confirmed pair; the reviewer's word keeps it.
    second = run_screen(registered, [listing], "alice", threshold=0.99)
    assert ("org-il-mod", "l-mod") in pairs(second.hits)
    with session_scope(registered) as session:
        judged = {(m.subject_id, m.candidate_id): m.judgement for m in latest_matches(session)}
        assert judged[("org-il-mod", "l-mod")] == "confirmed"
    third = run_screen(registered, [listing], "alice")
    with session_scope(registered) as session:
        stored = {(m.subject_id, m.candidate_id): m.judgement for m in latest_matches(session)}
        assert stored[("org-il-unit-8200", "l-8200")] == "rejected"
        assert ("org-il-unit-8200", "l-8200") not in pairs(latest_matches(session, open_only=True))
        assert third.run_id > second.run_id
        assert verify(session).ok


def test_a_bad_list_is_reported_with_file_row_and_field_and_nothing_is_stored(
    registered: Engine, tmp_path: Path
) -> None:
    bad = write_csv(tmp_path / "bad.csv", ("id", "name", "kind"), [("x1", "", "organisation"), ("x2", "Acme", "ship")])
    broken = tmp_path / "broken.ftm.json"
    broken.write_text('{"id": "e1", "schema": "Company", "properties": {}}\nnot json\n', encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        run_screen(registered, [bad, broken], "alice")
    messages = [str(e) for e in caught.value.errors]
    assert any("bad.csv" in m and "row 1" in m and "'name'" in m for m in messages), messages
    assert any("bad.csv" in m and "row 2" in m and "'kind'" in m for m in messages), messages
    assert any("broken.ftm.json" in m and "row 1" in m for m in messages), messages
    assert any("broken.ftm.json" in m and "row 2" in m for m in messages), messages
    with session_scope(registered) as session:
        assert session.scalar(select(func.count()).select_from(ScreenRun)) == 0


def test_followthemoney_lists_are_screened_by_schema(registered: Engine, tmp_path: Path) -> None:
    entities = [
        {"id": "ent-idf", "schema": "PublicBody", "properties": {"name": ["Tsahal"], "country": ["il"]}},
        {"id": "ent-san", "schema": "Sanction", "properties": {"entity": ["ent-idf"]}},
        {"id": "ent-p", "schema": "Person", "properties": {"name": ["Israel Defense"]}},
    ]
    path = tmp_path / "list.ftm.json"
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    report = run_screen(registered, [path], "alice")
    assert pairs(report.hits) == {("org-il-idf", "ent-idf")}


def test_unlinked_mentions_are_matched_against_the_register(registered: Engine, tmp_path: Path) -> None:
    doc = tmp_path / "note.md"
    doc.write_text(
        "---\ntitle: Note\ndate: 2025-10-01\n---\n\nSelon le rapport, la Direction du renseignement militaire "
        "israélien a utilisé un service de stockage en nuage pour conserver des appels interceptés à Gaza.\n",
        encoding="utf-8",
    )
    evidence.ingest(registered, [doc], "alice", use_ner=True)
    report = run_screen(registered, [], "alice", mentions=True)
    mention_hits = [m for m in report.hits if m.subject_kind == "mention"]
    assert any(m.candidate_id == "org-il-aman" and "renseignement" in m.subject_name for m in mention_hits), [
        (m.subject_name, m.candidate_id) for m in report.hits
    ]


def test_register_organisations_are_linked_to_the_gazetteer(registered: Engine) -> None:
    with session_scope(registered) as session:
        links, changed = link_register(session, "alice")
        linked = {link.org_id: link.body_id for link in links}
        assert linked["org-il-mod"] == "il-mod"
        assert linked["org-il-unit-8200"] == "il-unit-8200"
        assert linked["org-il-idf"] == "il-idf"
        assert "org-fr-val-clair" not in linked
        assert changed == len(links)
    with session_scope(registered) as session:
        _, again = link_register(session, "alice")
        assert again == 0
        assert session.scalar(select(func.count()).select_from(OrganisationBody)) == len(links)
        assert verify(session).ok

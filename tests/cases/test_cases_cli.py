"""The whole stage as people drive it from the command line, each as themself (VIGIE_TOKEN), on the demo's
book of business: users, a case with an interview and a finding, a request triaged and refused, a
suspension proposed and approved by a second person — and every way around the rules refused.

Every test runs on SQLite and PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tests.cases.test_cases_service import raw_dump
from vigie.audit.tables import AuditEntry
from vigie.cli import app
from vigie.commands.common import console
from vigie.demo import DATA, DEMO_AS_OF, DEMO_PROVIDER, TERRITORIES
from vigie.evidence.tables import Document
from vigie.store.engine import make_engine, session_scope

runner = CliRunner()
INTERVIEWEE = "Noémie Exemplaire"
INTERVIEW = "I saw the unit's analysts search stored call recordings by keyword (fictional testimony, MARIGOLD-3318)."
FORGED = "vgt_0123456789ab_" + "x" * 43


def run(token: str | None, *args: str, stdin: str | None = None) -> Result:
    env = {"VIGIE_TOKEN": token} if token is not None else {"VIGIE_TOKEN": ""}
    return runner.invoke(app, list(args), env=env, input=stdin)


def ok(token: str | None, *args: str, stdin: str | None = None) -> Result:
    result = run(token, *args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result


def as_json(token: str | None, *args: str) -> Any:
    return json.loads(ok(token, *args, "--json").stdout)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def demo(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo register and documents, assessed; a secret key and a file store in the test's folder."""
    config = tmp_path / "vigie.toml"
    config.write_text(f'[cases]\nfiles = "{tmp_path / "case-files"}"\n', encoding="utf-8")
    monkeypatch.setenv("VIGIE_CONFIG", str(config))
    monkeypatch.setenv("VIGIE_DATABASE_URL", database_url)
    monkeypatch.setenv("VIGIE_PROVIDER", DEMO_PROVIDER)
    monkeypatch.setenv("VIGIE_NER", "off")
    monkeypatch.setenv("VIGIE_USER", "setup")
    monkeypatch.delenv("VIGIE_POLICY", raising=False)
    monkeypatch.setattr(console, "_width", 250)
    key = runner.invoke(app, ["case", "new-key"]).stdout.strip()
    monkeypatch.setenv("VIGIE_SECRET_KEY", key)
    ok(None, "init")
    ok(None, "register", "import", str(TERRITORIES), str(DATA / "register.json"))
    ok(None, "ingest", "--no-ner", str(DATA / "documents"))
    ok(None, "risk", "assess", "--as-of", DEMO_AS_OF)
    yield database_url


def team() -> dict[str, str]:
    """The first user by bootstrap, then the others by that admin; a token each."""
    tokens = {"root": ok(None, "user", "add", "root", "--role", "admin").stdout.strip()}
    roles = {
        "lea": ("investigator", "analyst"),
        "abe": ("approver",),
        "ada": ("approver", "investigator"),
        "out": ("investigator", "approver", "analyst"),
    }
    for name, granted in roles.items():
        ok(tokens["root"], "user", "add", name, *[a for r in granted for a in ("--role", r)])
        tokens[name] = ok(tokens["root"], "user", "token", name).stdout.strip()
    return tokens


def test_users_bootstrap_once_and_commands_need_a_valid_token(demo: str) -> None:
    result = run(None, "case", "list")
    assert result.exit_code == 1 and "set VIGIE_TOKEN" in result.output
    tokens = team()
    result = run(None, "user", "add", "mallory", "--role", "admin")
    assert result.exit_code == 1 and "set VIGIE_TOKEN" in flat(result.output)
    result = run(tokens["lea"], "user", "add", "mallory", "--role", "admin")
    assert result.exit_code == 1 and "may not create user 'mallory'" in flat(result.output)
    for bad in (FORGED, "garbage", tokens["lea"][:-1] + ("A" if tokens["lea"][-1] != "A" else "B")):
        result = run(bad, "case", "list")
        assert result.exit_code == 1 and "authentication refused" in result.output
    # A user with a password issues their own token; the token is shown once, stored hashed.
    ok(tokens["root"], "user", "password", "lea", "--password-stdin", stdin="a long enough password\n")
    own = ok(None, "user", "token", "lea", "--password-stdin", stdin="a long enough password\n").stdout.strip()
    assert ok(own, "user", "whoami").stdout.startswith("lea")
    result = run(None, "user", "token", "lea", "--password-stdin", stdin="wrong password entirely\n")
    assert result.exit_code == 1 and "wrong name or password" in result.output
    token_id = own.split("_")[1]
    ok(own, "user", "revoke-token", token_id)
    assert run(own, "user", "whoami").exit_code == 1
    users = {u["name"]: u for u in as_json(tokens["out"], "user", "list")}
    assert users["root"]["roles"] == ["admin"] and users["lea"]["has_password"] is True
    assert "password" not in json.dumps(users).replace("has_password", "")
    listed = as_json(tokens["root"], "user", "list", "--tokens")
    assert token_id in {t["id"] for t in listed} and all("hash" not in json.dumps(t) for t in listed)


def test_a_full_case_request_and_decision_flow(demo: str, tmp_path: Path) -> None:
    t = team()
    # --- a case opened on the top assessment, with an interview, a document and a finding
    case = as_json(t["lea"], "case", "open", "--assessment", "sub-8200-storage")
    case_id = case["id"]
    assert case["origin"] == "assessment"
    allegations = json.loads(ok(None, "evidence", "allegations", "--org", "org-il-unit-8200", "--json").stdout)
    first = allegations[0]
    key = f"{first['organisation']}/{first['service']}/{first['harm']}"
    other = as_json(t["lea"], "case", "open", "--allegation", key)
    assert other["origin"] == "allegation" and other["origin_ref"] == key
    ok(t["lea"], "case", "add-member", case_id, "ada")
    record = tmp_path / "interview.txt"
    record.write_text(INTERVIEW, encoding="utf-8")
    ok(t["lea"], "case", "add-interview", case_id, "--interviewee", INTERVIEWEE, "--date", "2025-09-20",
       "--text-file", str(record), "--affiliation", "former staff (fictional)")  # fmt: skip
    engine = make_engine(demo)
    with session_scope(engine) as session:
        doc_id = session.scalars(select(Document.id).order_by(Document.id)).first()
    assert doc_id is not None
    ok(t["lea"], "case", "add-evidence", case_id, "--document", doc_id)
    shown = as_json(t["ada"], "case", "show", case_id)
    interview_id = next(i["id"] for i in shown["items"] if i["kind"] == "interview")
    keyless = runner.invoke(app, ["case", "view", interview_id], env={"VIGIE_TOKEN": t["ada"], "VIGIE_SECRET_KEY": None})
    assert keyless.exit_code == 1 and "a key is needed to open an interview record: set VIGIE_SECRET_KEY" in flat(
        keyless.output
    )
    viewed = as_json(t["ada"], "case", "view", interview_id)
    assert viewed["content"]["interviewee"] == INTERVIEWEE and viewed["content"]["text"] == INTERVIEW
    ok(t["lea"], "case", "finding", case_id, "--allegation", key, "--conclusion", "partly-substantiated",
       "--rationale", "One witness and the public reporting agree.", "--evidence", interview_id)  # fmt: skip

    # --- a non-member learns that the case exists, and nothing in it
    result = run(t["out"], "case", "show", case_id)
    assert result.exit_code == 1
    assert f"Case {case_id} exists: open, opened {date.today().isoformat()}" in flat(result.output)
    assert "may not read case" in flat(result.output)
    for secret in (INTERVIEWEE, "MARIGOLD", "sub-8200-storage", shown["title"][:20]):
        assert secret not in result.output
    result = run(t["out"], "case", "view", interview_id)
    assert result.exit_code == 1 and INTERVIEWEE not in result.output and "MARIGOLD" not in result.output
    listing = {c["id"]: c for c in as_json(t["out"], "case", "list")}
    assert listing[case_id] == {
        "id": case_id, "status": "open", "opened_on": date.today().isoformat(), "readable": False, "title": None,
        "org_id": None,
    }  # fmt: skip
    custody = as_json(t["lea"], "case", "custody", interview_id)
    assert [(e["action"], e["actor"]) for e in custody["events"]] == [("added", "lea"), ("viewed", "ada")]

    # --- a request triaged under the policy, decided by an approver who did not triage it
    request = as_json(
        t["lea"], "request", "add", "--org", "org-il-unit-8200", "--kind", "emergency", "--urgency", "emergency",
        "--subscription", "sub-8200-ai", "--purpose", "Transcribe and translate intercepted calls to find targets",
        "--requester", "Capt. Fictional Requester", "--case", case_id,
    )  # fmt: skip
    triage = as_json(t["lea"], "request", "triage", request["id"])
    assert {c["clause"] for c in triage["clauses"]} >= {"AUP-1", "AUP-2", "AI-1", "AI-2"}
    assert triage["approval"] == "approver"
    text = flat(ok(t["lea"], "request", "show", request["id"]).stdout)
    assert "AUP-1" in text and "Mass surveillance of a civilian population" in text and "Capt. Fictional" in text
    assert as_json(t["root"], "request", "show", request["id"])["requester"] == "(sealed)"  # an admin: no need to know
    refused = run(t["lea"], "request", "decide", request["id"], "--outcome", "refused", "--rationale", "x")
    assert refused.exit_code == 1 and "needs the role approver" in flat(refused.output)
    ok(t["abe"], "request", "decide", request["id"], "--outcome", "refused",
       "--rationale", "Prohibited by AUP-1, AUP-2, AI-1 and AI-2.")  # fmt: skip
    assert as_json(t["out"], "request", "list")[0]["status"] == "refused"

    # --- a suspension: proposed by ada, who cannot approve it herself; approved by abe
    review = (date.today() + timedelta(days=30)).isoformat()
    proposal = as_json(
        t["ada"], "decision", "propose", "--action", "suspend", "--subscription", "sub-8200-storage",
        "--subscription", "sub-8200-ai", "--rationale", "Finding partly substantiated; suspend pending review.",
        "--review-date", review, "--case", case_id,
    )  # fmt: skip
    dec_id = proposal["id"]
    for token, why in (
        (t["ada"], "two-person rule"),  # the proposer
        (t["lea"], "needs the role approver"),  # an investigator
        (t["root"], "needs the role approver"),  # an admin is not an approver
        (FORGED, "authentication refused"),  # a forged token
    ):
        result = run(token, "decision", "approve", dec_id)
        assert result.exit_code == 1 and why in flat(result.output), result.output
    assert as_json(t["out"], "decision", "show", dec_id)["status"] == "proposed"
    ok(t["abe"], "decision", "approve", dec_id, "--note", "Second person: agreed.")
    decided = as_json(t["out"], "decision", "show", dec_id)
    assert decided["status"] == "approved" and decided["approved_by"] == "abe" and decided["proposed_by"] == "ada"
    assert decided["subscription_ids"] == ["sub-8200-ai", "sub-8200-storage"]
    again = run(t["out"], "decision", "approve", dec_id)
    assert again.exit_code == 1 and "already approved by abe" in flat(again.output)

    # --- reviews: nothing overdue today, the suspension once its review date has passed
    assert "No decision is overdue" in ok(t["abe"], "decision", "overdue").stdout
    later = (date.today() + timedelta(days=31)).isoformat()
    result = run(t["abe"], "decision", "overdue", "--as-of", later)
    assert result.exit_code == 1 and dec_id in result.stdout and "1 day overdue" in result.stdout

    # --- the record: the audit log verifies, refusals are in it, nothing sealed is readable in the database
    assert "the chain is intact" in ok(None, "audit", "verify").output
    with session_scope(engine) as session:
        refusals = session.scalars(select(AuditEntry).where(AuditEntry.action == "refuse")).all()
        assert {r.actor for r in refusals} >= {"out", "ada", "lea", "root"}
        assert any("two-person rule" in (r.after or "") for r in refusals)
        opened = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.entity_type == "use_request", AuditEntry.action == "view")
        ).all()
        assert opened == ["lea"]  # who saw the requester's name is on record
    dump = raw_dump(engine)
    for secret in (INTERVIEWEE, "Exemplaire", "MARIGOLD-3318", "call recordings by keyword", "Capt. Fictional"):
        assert secret not in dump
    engine.dispose()


def test_inputs_are_checked_with_the_field_named(demo: str) -> None:
    t = team()
    cases = [
        (("decision", "propose", "--action", "terminate", "--org", "org-il-unit-8200", "--rationale", "r",
          "--review-date", "2099-01-01"), "exit_plan: a termination needs a responsible-exit plan"),
        (("decision", "propose", "--action", "halt", "--org", "org-il-unit-8200", "--rationale", "r",
          "--review-date", "2099-01-01"), "action: must be one of"),
        (("decision", "propose", "--action", "suspend", "--org", "org-il-unit-8200", "--rationale", "r",
          "--review-date", "2001-01-01"), "review_date: must be after today"),
        (("decision", "propose", "--action", "suspend", "--org", "org-il-unit-8200", "--rationale", "r",
          "--review-date", "soon"), "--review-date must be a date"),
        (("request", "add", "--org", "org-nope", "--purpose", "p", "--service", "svc"), "org: no organisation"),
        (("case", "finding", "case-nope", "--allegation", "a", "--conclusion", "inconclusive", "--rationale", "r"),
         "no case with id 'case-nope'"),
    ]  # fmt: skip
    for args, message in cases:
        result = run(t["ada"], *args)
        assert result.exit_code == 1 and message in flat(result.output), (args, result.output)
    result = run(t["ada"], "case", "add-interview", "case-x", "--interviewee", "x", "--date", "2025-01-01",
                 "--text-stdin", stdin="text")  # fmt: skip
    assert result.exit_code == 1 and "no case with id" in result.output

"""`vigie demo`, run for real as a new user would, then toured with the README's commands."""

from __future__ import annotations

import html
import json
import re
import shlex
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.cases.tables import Case, Decision, EvidenceItem
from vigie.cli import app
from vigie.demo.investigation import INTERVIEW_TEXT, INTERVIEWEE, timeline
from vigie.enforce.tables import Order
from vigie.register.tables import Organisation, Service, Subscription
from vigie.store.engine import make_engine, session_scope

runner = CliRunner()


@dataclass
class Demo:
    folder: Path
    result: Result
    engine: Engine

    @property
    def output(self) -> str:
        return self.result.output

    def env(self) -> dict[str, str]:
        """What `. ./vigie-demo.env` sets, read the way the shell reads it."""
        found: dict[str, str] = {}
        for line in (self.folder / "vigie-demo.env").read_text(encoding="utf-8").splitlines():
            words = shlex.split(line, comments=True)
            if len(words) == 2 and words[0] == "export":
                name, _, value = words[1].partition("=")
                found[name] = value
        return found

    def tour(self, user: str, *args: str) -> Result:
        """A README tour command as the demo user whose token the env file names (e.g. DEMO_ADMIN_TOKEN)."""
        env = self.env()
        settings = {k: v for k, v in env.items() if k.startswith("VIGIE_")}
        return runner.invoke(app, list(args), env={**settings, "VIGIE_TOKEN": env[user], "VIGIE_SECRET_KEY": ""})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One run of `vigie demo` in an empty folder, shared by the tests that read what it built."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.delenv("VIGIE_CONFIG", raising=False)
        result = runner.invoke(app, ["demo"])
        engine = make_engine(f"sqlite:///{folder / 'vigie-demo.db'}")
        yield Demo(folder, result, engine)
        engine.dispose()


def test_demo_builds_a_register_that_cites_or_labels_every_fact(demo: Demo) -> None:
    assert demo.result.exit_code == 0, demo.output
    assert "chain intact" in demo.output
    with session_scope(demo.engine) as session:
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
        unit = orgs["org-il-unit-8200"]
        assert unit.kind == "military-unit" and not unit.fictional
        assert orgs[orgs["org-il-aman"].parent_id or ""].parent_id == "org-il-mod"
        for org in orgs.values():
            assert org.source, f"{org.id} has no source"
            assert org.fictional or "http" in org.source or "press release" in org.source or "Agency" in org.source
        assert all(s.fictional for s in session.scalars(select(Service)))
        assert all(s.fictional and s.source for s in session.scalars(select(Subscription)))
        capabilities = {
            c
            for sub, svc in session.execute(
                select(Subscription, Service)
                .join(Service, Service.id == Subscription.service_id)
                .where(Subscription.customer_id.in_(["org-il-unit-8200", "org-il-mod"]))
            )
            for c in svc.capabilities
        }
        assert {"storage", "ai-model", "translation"} <= capabilities
        assert verify(session).ok


def test_demo_investigates_decides_and_enforces_with_a_timeline(demo: Demo) -> None:
    assert demo.result.exit_code == 0, demo.output
    with session_scope(demo.engine) as session:
        (case,) = session.scalars(select(Case))
        (decision,) = session.scalars(select(Decision))
        orders = list(session.scalars(select(Order).order_by(Order.subscription_id)))
        rows = timeline(session, case.id)
        assert verify(session).ok

    # The case is on the top of the risk ranking; the suspension covers the subscriptions it recommends suspending.
    assert case.origin == "assessment" and case.subscription_ids == ["sub-8200-ai"]
    assert (decision.action, decision.status, decision.case_id) == ("suspend", "approved", case.id)
    assert (decision.proposed_by, decision.approved_by) == ("iris.fictional", "abel.fictional")
    assert decision.subscription_ids == ["sub-8200-ai", "sub-8200-storage"]
    assert [(o.subscription_id, o.action, o.state) for o in orders] == [
        ("sub-8200-ai", "suspend", "acknowledged"),
        ("sub-8200-storage", "suspend", "acknowledged"),
    ]

    steps = [r.step for r in rows]
    assert steps[:7] == [
        "case opened", "evidence added", "interview", "finding", "proposed", "approved", "orders issued",
    ]  # fmt: skip
    assert steps[7] == "orders sent" and set(steps[8:]) == {"acknowledged", "subscription status"}
    assert [r.actor for r in rows if r.step in ("approved", "orders issued")] == ["abel.fictional"] * 2
    changes = [r.what for r in rows if r.step == "subscription status"]
    assert sorted(changes) == ["sub-8200-ai: active → suspended", "sub-8200-storage: active → suspended"]
    assert f"Timeline of case {case.id}" in demo.output
    flat = " ".join(demo.output.split())
    for word in ("case opened", "interview", "finding", "proposed", "approved", "orders sent", "acknowledged"):
        assert word in flat


def test_subscriptions_are_suspended_only_once_their_order_is_acknowledged(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        orders = list(session.scalars(select(Order)))
        for order in orders:
            seq = {
                e.action: e.seq
                for e in session.scalars(select(AuditEntry).where(AuditEntry.entity_id == order.id))
                if e.action in ("issue", "send", "acknowledge")
            }
            (update,) = [
                e
                for e in session.scalars(
                    select(AuditEntry).where(
                        AuditEntry.entity_type == "subscription",
                        AuditEntry.entity_id == order.subscription_id,
                        AuditEntry.action == "update",
                    )
                )
                if order.id in (e.context or "")
            ]
            assert seq["issue"] < seq["send"] < seq["acknowledge"] < update.seq
            assert json.loads(update.before or "{}")["status"] == "active"
            assert json.loads(update.after or "{}")["status"] == "suspended"
            assert update.actor == "admin.fictional"
    assert "the register still says sub-8200-ai active, sub-8200-storage active" in " ".join(demo.output.split())


def test_orders_went_through_the_outbox_and_came_back_as_acknowledgement_files(demo: Demo) -> None:
    outbox = demo.folder / "vigie-demo-outbox"
    with session_scope(demo.engine) as session:
        orders = {o.id: o for o in session.scalars(select(Order))}
    assert sorted(p.name for p in outbox.glob("*.json")) == sorted(f"{i}.json" for i in orders)
    for order_id, order in orders.items():
        sent = json.loads((outbox / f"{order_id}.json").read_text(encoding="utf-8"))
        assert sent["idempotency_key"] == order.idempotency_key and sent["action"] == "suspend"
        ack = json.loads((outbox / "acks" / "done" / f"{order_id}.json").read_text(encoding="utf-8"))
        assert ack["applied"] is True and ack["idempotency_key"] == order.idempotency_key
        assert "fictional" in ack["note"]
        assert (order.acknowledgement or {})["via"] == f"outbox ack file {order_id}.json"
    assert list((outbox / "acks").glob("*.json")) == [], "every acknowledgement file was read and archived"


def test_the_key_stays_secret_and_the_interview_is_sealed(demo: Demo) -> None:
    key_file, env_file = demo.folder / "vigie-demo.key", demo.folder / "vigie-demo.env"
    key = key_file.read_text(encoding="ascii").strip()
    assert len(key) == 44 and key not in demo.output and key not in env_file.read_text(encoding="utf-8")
    for private in (key_file, env_file):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    raw = (demo.folder / "vigie-demo.db").read_bytes()
    for secret in (INTERVIEWEE, "account engineer", INTERVIEW_TEXT[:60], "speech-to-text features"):
        assert secret.encode("utf-8") not in raw
    assert "FICTIONAL INTERVIEW RECORD" in INTERVIEW_TEXT and "no real person" in INTERVIEW_TEXT


def test_the_readme_tour_works_with_the_printed_tokens(demo: Demo) -> None:
    env = demo.env()
    for name in ("DEMO_ADMIN_TOKEN", "DEMO_INVESTIGATOR_TOKEN", "DEMO_APPROVER_TOKEN"):
        assert env[name] in demo.output.replace("\n", ""), f"{name} is printed for the user to copy"
    with session_scope(demo.engine) as session:
        (case,) = session.scalars(select(Case))
        (interview,) = session.scalars(select(EvidenceItem).where(EvidenceItem.kind == "interview"))
        (decision,) = session.scalars(select(Decision))
    assert (env["DEMO_CASE"], env["DEMO_INTERVIEW"], env["DEMO_DECISION"]) == (case.id, interview.id, decision.id)

    listed = demo.tour("DEMO_INVESTIGATOR_TOKEN", "case", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [(c["id"], c["readable"]) for c in json.loads(listed.stdout)] == [(case.id, True)]
    hidden = demo.tour("DEMO_ADMIN_TOKEN", "case", "list", "--json")
    assert [(c["id"], c["readable"], c["title"]) for c in json.loads(hidden.stdout)] == [(case.id, False, None)]
    refused = demo.tour("DEMO_ADMIN_TOKEN", "case", "show", case.id)
    assert refused.exit_code == 1 and "need to know" in refused.output

    shown = demo.tour("DEMO_INVESTIGATOR_TOKEN", "case", "show", env["DEMO_CASE"], "--json")
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert [f["conclusion"] for f in record["findings"]] == ["partly-substantiated"]
    assert {(m["name"], m["role"]) for m in record["members"]} == {
        ("iris.fictional", "lead"),
        ("abel.fictional", "member"),
    }
    assert record["decision_ids"] == [env["DEMO_DECISION"]]
    viewed = demo.tour("DEMO_INVESTIGATOR_TOKEN", "case", "view", env["DEMO_INTERVIEW"], "--json")
    assert viewed.exit_code == 0, viewed.output
    assert json.loads(viewed.stdout)["content"]["text"] == INTERVIEW_TEXT

    decisions = demo.tour("DEMO_APPROVER_TOKEN", "decision", "list", "--json")
    assert [(d["action"], d["status"]) for d in json.loads(decisions.stdout)] == [("suspend", "approved")]
    status = demo.tour("DEMO_ADMIN_TOKEN", "enforce", "status", "--check")
    assert status.exit_code == 0 and "Nothing overdue, no dead letters" in status.output
    verified = demo.tour("DEMO_ADMIN_TOKEN", "audit", "verify")
    assert verified.exit_code == 0 and "the chain is intact" in verified.output


def test_the_demo_ends_with_the_years_transparency_report_and_the_top_relationships_dossier(demo: Demo) -> None:
    assert demo.result.exit_code == 0, demo.output
    folder = demo.folder / "vigie-demo-reports"
    with session_scope(demo.engine) as session:
        year = session.scalars(select(AuditEntry.at).order_by(AuditEntry.seq.desc()).limit(1)).one()[:4]
        (decision,) = session.scalars(select(Decision))
        published = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "publish")))
        assert verify(session).ok
    assert decision.decided_at and decision.decided_at[:4] == year, "the demo's events happen now"
    html, pdf = folder / f"transparency-{year}.html", folder / f"transparency-{year}.pdf"
    page = html.read_text(encoding="utf-8")
    assert f"Transparency report {year}" in page and f"{year}-01-01 to {year}-12-31" in page
    assert "Unit 8200" in page and INTERVIEWEE not in page and "iris.fictional" not in page
    pages = PdfReader(pdf).pages
    assert len(pages) >= 8 and "1. Summary" in " ".join((pages[1].extract_text() or "").split())
    report = json.loads((folder / "data" / "transparency.json").read_text(encoding="utf-8"))
    assert report["figures"]["decisions_approved"]["value"] == 1
    assert report["figures"]["relationships_reviewed"]["value"] > 0
    register = (folder / "data" / "register.ftm.json").read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line)["id"] == "org-il-unit-8200" for line in register)
    assert (folder / "data" / "evidence.ftm.json").stat().st_size > 1000

    # The dossier of the relationship the case investigated, read by the case's lead: the case is in it.
    dossier = json.loads((folder / "dossier-sub-8200-ai.json").read_text(encoding="utf-8"))
    assert dossier["read_as"] == "iris.fictional" and [c["id"] for c in dossier["cases"]] == [decision.case_id]
    assert [d["id"] for d in dossier["decisions"]] == [decision.id]
    dossier_pages = PdfReader(folder / "dossier-sub-8200-ai.pdf").pages
    assert len(dossier_pages) >= 2 and "Unit 8200" in (dossier_pages[0].extract_text() or "")
    assert (folder / "dossier-sub-8200-ai.evidence.ftm.json").stat().st_size > 1000

    # Both are in the audit log, with the hash of every file, and the demo prints where they are.
    assert sorted(e.entity_id for e in published) == ["dossier-sub-8200-ai", f"transparency-{year}"]
    flat = demo.output.replace("\n", " ")
    for path in (html, pdf, folder / "dossier-sub-8200-ai.html", folder / "dossier-sub-8200-ai.pdf"):
        assert str(path.relative_to(demo.folder)) in flat, path


def test_the_served_demo_uses_the_demos_key_files_and_outbox(demo: Demo) -> None:
    """`vigie demo --serve` serves with the settings of vigie-demo.env: a member opens the sealed interview
    in the browser, and the outbox is where the demo's orders went."""
    from fastapi.testclient import TestClient

    from vigie.commands.demo import demo_settings
    from vigie.web.app import create_app
    from vigie.web.settings import load_web_settings

    env = demo.env()
    served = demo_settings(demo.folder / "vigie-demo.db")
    assert served.cases.secret_key_file is not None
    assert served.cases.secret_key_file.resolve() == Path(env["VIGIE_SECRET_KEY_FILE"])
    assert served.enforce.connector == "outbox"
    assert served.enforce.outbox.resolve() == Path(env["VIGIE_ENFORCE_OUTBOX"])
    password = re.search(r"iris\.fictional \([^)]*\) — [^;]*; password (\S+)", demo.output)
    assert password is not None, demo.output
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(demo.folder)
        patch.delenv("VIGIE_SECRET_KEY", raising=False)
        client = TestClient(create_app(load_web_settings(served)))
        login = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf is not None
        signed = client.post("/login", data={"name": "iris.fictional", "password": password.group(1),
                                             "csrf": csrf.group(1), "next": "/"}, follow_redirects=False)  # fmt: skip
        assert signed.status_code == 303
        page = client.get(f"/cases/{env['DEMO_CASE']}/items/{env['DEMO_INTERVIEW']}")
        assert page.status_code == 200, page.text
        assert INTERVIEW_TEXT.splitlines()[0] in html.unescape(page.text)


def test_running_the_demo_again_starts_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIGIE_CONFIG", raising=False)
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    key = (tmp_path / "vigie-demo.key").read_text(encoding="ascii")
    (tmp_path / "vigie-demo-reports" / "stale.txt").write_text("from the first run", encoding="utf-8")
    old_orders = {p.name for p in (tmp_path / "vigie-demo-outbox").glob("*.json")}

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "vigie-demo.key").read_text(encoding="ascii") != key
    new_orders = {p.name for p in (tmp_path / "vigie-demo-outbox").glob("*.json")}
    assert not (tmp_path / "vigie-demo-reports" / "stale.txt").exists(), "the previous run's reports are gone"
    assert len(new_orders) == 2 and not (old_orders & new_orders), "the previous run's orders are gone"
    engine = make_engine(f"sqlite:///{tmp_path / 'vigie-demo.db'}")
    with session_scope(engine) as session:
        assert len(list(session.scalars(select(Case)))) == 1
        assert verify(session).ok
    engine.dispose()

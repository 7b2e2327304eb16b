"""`vigie risk ...` and `vigie policy ...` as a user drives them, on the demo's book of business.

Every database test runs on SQLite and PostgreSQL (see tests/conftest.py). The demo register and
documents are loaded with the commands a user would type, and assessed as of the demo's date.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from vigie.cli import app
from vigie.commands.common import console
from vigie.demo import DATA, DEMO_AS_OF, DEMO_PROVIDER, TERRITORIES
from vigie.evidence.tables import Document
from vigie.risk import evidence_source, gather
from vigie.risk.policy import DEFAULT_POLICY, load_policy, policy_digest
from vigie.store.engine import make_engine, session_scope

runner = CliRunner()

UNIT = ("sub-8200-ai", "sub-8200-storage")
MINISTRY = ("sub-imod-translate", "sub-imod-workplace")
CIVILIANS = (
    "sub-ardent-storage", "sub-harbour-compute", "sub-lisiere-ai", "sub-val-clair-compute", "sub-val-clair-storage",
)  # fmt: skip

NEW_DOCUMENT = """---
title: "University used cloud AI to watch protesting students"
publisher: Campus Watch (fictional)
kind: ngo
date: 2025-11-03
language: en
---
# University used cloud AI to watch protesting students

Campus Watch has found that the Université de Lisière used Cumulo AI Studio for the mass surveillance of students who took part in peaceful protests on campus.

*This report is fictional, written for vigie's tests.*
"""


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def invoke_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def flat(text: str) -> str:
    """The output with line wrapping undone, for phrases Rich may have wrapped."""
    return " ".join(text.split())


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No vigie.toml from the working directory, no policy override, a known user and provider."""
    config = tmp_path / "vigie.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("VIGIE_CONFIG", str(config))
    monkeypatch.setenv("VIGIE_USER", "carol")
    monkeypatch.setenv("VIGIE_PROVIDER", DEMO_PROVIDER)
    monkeypatch.setenv("VIGIE_NER", "off")
    monkeypatch.delenv("VIGIE_POLICY", raising=False)
    monkeypatch.setattr(console, "_width", 250)  # wide enough that tables are not truncated
    return tmp_path


@pytest.fixture
def risk_env(database_url: str, settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo register and documents, assessed once as of the demo's date."""
    monkeypatch.setenv("VIGIE_DATABASE_URL", database_url)
    assert invoke("init")[0] == 0
    code, out = invoke("register", "import", str(TERRITORIES), str(DATA / "register.json"))
    assert code == 0, out
    code, out = invoke("ingest", "--no-ner", str(DATA / "documents"))
    assert code == 0 and "3 added" in out, out
    code, out = invoke("risk", "assess", "--as-of", DEMO_AS_OF, "--reason", "first assessment")
    assert code == 0 and "Assessed 9 relationship(s) under policy vigie-default 1.0.0: 9 changed" in flat(out), out
    yield database_url


def write_policy(path: Path, change: Any = None, text: str | None = None) -> Path:
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------- risk list


def test_list_ranks_every_relationship_by_priority(risk_env: str) -> None:
    rows = invoke_json("risk", "list", "--limit", "0")
    assert len(rows) == 9
    priorities = [r["priority"] for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert {r["subscription"] for r in rows[:2]} == set(UNIT)
    assert {r["subscription"] for r in rows[2:4]} == set(MINISTRY)
    assert {r["subscription"] for r in rows[4:]} == set(CIVILIANS)
    top = rows[0]
    assert top["band"] == "critical" and top["action"] == "suspend-pending-investigation"
    assert top["heightened"] is True and top["involvement"] == "contribute" and top["worst_harm"] == "life"
    assert top["organisation"] == "org-il-unit-8200" and top["version"] == 1
    assert top["policy"] == {"id": "vigie-default", "version": "1.0.0"} and top["reason"] == "first assessment"
    assert all(r["band"] == "low" and r["action"] == "monitor" and r["worst_harm"] is None for r in rows[4:])
    # Ties are broken by subscription id, so the order is stable from one run to the next.
    assert [r["subscription"] for r in rows[:2]] == sorted(UNIT)
    assert invoke_json("risk", "list", "--limit", "3") == rows[:3]
    assert len(invoke_json("risk", "list")) == 9  # the default limit (50) shows them all


def test_list_filters(risk_env: str) -> None:
    def ids(*args: str) -> list[str]:
        return [r["subscription"] for r in invoke_json("risk", "list", *args)]

    assert sorted(ids("--band", "critical")) == sorted(UNIT)
    assert ids("--band", "high") == ["sub-imod-translate"]
    assert ids("--band", "nonexistent") == []
    assert sorted(ids("--org", "org-il-mod")) == sorted(MINISTRY)
    assert sorted(ids("--heightened")) == sorted(UNIT + MINISTRY)
    assert sorted(ids("--not-heightened")) == sorted(CIVILIANS)
    assert ids("--band", "low", "--org", "org-fr-val-clair") == ["sub-val-clair-compute", "sub-val-clair-storage"]
    assert ids("--heightened", "--band", "low") == []


def test_list_as_a_table(risk_env: str) -> None:
    code, out = invoke("risk", "list")
    assert code == 0 and "Relationships by priority" in out
    rows = [line for line in out.splitlines() if "sub-" in line]
    assert len(rows) == 9
    order = [next(w for w in line.split() if w.startswith("sub-")) for line in rows]
    assert order == [r["subscription"] for r in invoke_json("risk", "list")]
    assert "Unit 8200" in rows[0] and "6.28 critical" in rows[0] and "suspend-pending-investigation" in rows[0]
    assert "Israel Ministry of Defense" in rows[2] and "Cumulo Translate" in rows[2] and "restrict" in rows[2]
    assert "Ardent Warenhaus GmbH" in out and "monitor" in rows[-1]


def test_list_before_any_assessment(database_url: str, settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_DATABASE_URL", database_url)
    invoke("init")
    code, out = invoke("risk", "list")
    assert code == 1 and "no assessments yet: run `vigie risk assess`" in out
    assert invoke_json("risk", "list") == []


def test_a_full_assessment_reads_the_same_claims_when_there_are_too_many_organisations_to_list(
    risk_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a threshold the claims are read in full and filtered in Python, not with one parameter per organisation."""
    before = invoke_json("risk", "list")
    monkeypatch.setattr(evidence_source, "MAX_ORGS_IN_QUERY", 1)
    code, out = invoke("risk", "assess", "--as-of", DEMO_AS_OF, "--reason", "again")
    assert code == 0 and "0 changed, 9 unchanged" in flat(out), out
    code, out = invoke("risk", "assess", "--as-of", DEMO_AS_OF, "--org", "org-il-unit-8200", "--org", "org-fr-lisiere")
    assert code == 0 and "Assessed 5 relationship(s)" in flat(out) and "0 changed, 5 unchanged" in flat(out), out
    assert invoke_json("risk", "list") == before


# ------------------------------------------------------------------------------------ risk explain


def test_explain_a_subscription_names_quotes_sources_and_clauses(risk_env: str) -> None:
    code, out = invoke("risk", "explain", "sub-8200-storage")
    assert code == 0, out
    text = flat(out)
    assert "sub-8200-storage: Unit 8200 × Cumulo Object Storage" in text
    assert f"as of {DEMO_AS_OF}, under policy vigie-default 1.0.0 ({policy_digest(load_policy())})" in text
    assert "Reason: first assessment." in text
    assert (
        "Priority 6.28 (critical) → recommended action: suspend-pending-investigation — Suspend the services that "
        "bear on the harm while an investigation runs." in text
    )
    assert "involvement: contribute, heightened due diligence: yes; territories: IL, gaza-strip, west-bank" in text
    # Every factor with the clause it applies, the quotes with their publisher and offsets.
    for clause in ("[CTX-1]", "[INV-1]", "[SEV-1]", "[PRI-1]", "[LIK-1, CRED-1]", "[SEV-1, AUP-1, AI-2]"):
        assert clause in text, clause
    assert "Gaza Strip: occupied (source: International Court of Justice" in text
    assert "would breach: AUP-2, AI-1" in text and "would breach: AUP-1, AI-2" in text
    assert (
        "“An investigation by The Demo Ledger has revealed that Unit 8200, the Israeli military intelligence unit, "
        "used Cumulo Object Storage" in text
    )
    assert "The Demo Ledger (fictional) (media, 2025-08-06)" in text
    assert "Observatoire des droits numériques (fictif) (ngo, 2025-09-26)" in text
    assert "Cumulo Cloud newsroom (fictional) (company-statement, 2025-09-25)" in text  # the corroboration


def test_explain_json_cites_quotes_at_their_offsets(risk_env: str) -> None:
    [body] = invoke_json("risk", "explain", "sub-8200-storage")
    assert body["subscription_id"] == "sub-8200-storage" and body["as_of"] == DEMO_AS_OF
    harms = {h["harm"]: h for h in body["harms"]}
    assert set(harms) >= {"life", "privacy"}
    assert harms["privacy"]["clauses"] == ["AUP-1", "AI-2"] and harms["life"]["clauses"] == ["AUP-2", "AI-1"]
    citations = [c for h in body["harms"] for f in h["factors"] for c in f["citations"]]
    assert len({c["document_id"] for c in citations}) == 3
    engine = make_engine(risk_env)
    try:
        with session_scope(engine) as session:
            texts = dict(session.execute(select(Document.id, Document.text)).all())
    finally:
        engine.dispose()
    for c in citations:
        assert texts[c["document_id"]][c["start"] : c["end"]] == c["quote"]


def test_explain_an_organisation_by_id_name_or_alias(risk_env: str) -> None:
    def subs(target: str) -> list[str]:
        return [b["subscription_id"] for b in invoke_json("risk", "explain", target)]

    assert sorted(subs("org-il-unit-8200")) == sorted(UNIT)
    assert sorted(subs("Unit 8200")) == sorted(UNIT)
    assert sorted(subs("Unité 8200")) == sorted(UNIT)  # an alias
    assert sorted(subs("org-il-mod")) == sorted(MINISTRY)
    code, out = invoke("risk", "explain", "org-il-mod")
    assert code == 0
    text = flat(out)
    assert "sub-imod-translate: Israel Ministry of Defense × Cumulo Translate" in text
    assert "sub-imod-workplace: Israel Ministry of Defense × Cumulo Workplace" in text
    assert "alleges it about the unit" in text  # evidence about Unit 8200 reaches its ministry
    # Highest priority first.
    assert text.index("sub-imod-translate:") < text.index("sub-imod-workplace:")


def test_explain_a_relationship_without_allegations(risk_env: str) -> None:
    code, out = invoke("risk", "explain", "sub-val-clair-storage")
    text = flat(out)
    assert code == 0 and "Priority 0.20 (low) → recommended action: monitor" in text
    assert "No harm is alleged in the evidence about this relationship." in text
    assert "inherent risk of a healthcare customer (1/5)" in text and "[CUS-1, PRI-1]" in text


def test_explain_something_unknown_fails(risk_env: str) -> None:
    code, out = invoke("risk", "explain", "sub-nowhere")
    assert code == 1 and "no current assessment for 'sub-nowhere'" in flat(out)


# ------------------------------------------------------------------------------ risk diff and review


def test_diff_before_any_review_lists_every_first_assessment(risk_env: str) -> None:
    report = invoke_json("risk", "diff")
    assert report["since_review"] is None
    changes = {c["subscription"]: c for c in report["changes"]}
    assert set(changes) == set(UNIT + MINISTRY + CIVILIANS)
    top = changes["sub-8200-storage"]
    assert top["reasons"] == ["first assessment"]
    assert top["changes"]["band"] == {"before": None, "after": "critical"}
    assert top["changes"]["policy_version"] == {"before": None, "after": "1.0.0"}
    # Highest priority first.
    after = [c["changes"]["priority"]["after"] for c in report["changes"]]
    assert after == sorted(after, reverse=True)
    code, out = invoke("risk", "diff")
    assert code == 0 and "Changes since the first assessment" in out


def test_review_then_new_evidence_shows_only_what_it_changed(risk_env: str, tmp_path: Path) -> None:
    code, out = invoke("risk", "review", "--note", "weekly review")
    assert code == 0 and out.startswith("Review 1 recorded at ")
    code, out = invoke("risk", "diff")
    assert code == 0 and "Nothing changed since review 1 by carol at " in flat(out)
    assert invoke_json("risk", "diff") == {"since_review": 1, "changes": []}

    doc = tmp_path / "campus-watch.md"
    doc.write_text(NEW_DOCUMENT, encoding="utf-8")
    code, out = invoke("ingest", "--no-ner", str(doc))
    assert code == 0 and "1 added" in out and "Re-assessed 1 relationship(s): 1 changed" in flat(out), out

    report = invoke_json("risk", "diff")
    assert report["since_review"] == 1
    [change] = report["changes"]
    assert change["subscription"] == "sub-lisiere-ai"
    assert change["reasons"] == ["evidence: 1 new document(s)"]
    assert change["changes"]["worst_harm"] == {"before": None, "after": "privacy"}
    assert change["changes"]["band"]["before"] == "low"
    assert change["changes"]["priority"]["after"] > change["changes"]["priority"]["before"]
    code, out = invoke("risk", "diff")
    text = flat(out)
    assert "Changes since review 1 by carol" in text and "sub-lisiere-ai" in text
    assert "worst_harm: None → privacy" in text and "evidence: 1 new document(s)" in text
    assert "sub-8200-storage" not in text

    [lisiere] = invoke_json("risk", "list", "--org", "org-fr-lisiere")
    assert lisiere["version"] == 2 and lisiere["worst_harm"] == "privacy"
    code, out = invoke("risk", "explain", "sub-lisiere-ai")
    assert "Campus Watch (fictional) (ngo, 2025-11-03)" in flat(out) and "AUP-1" in out

    code, out = invoke("risk", "review")
    assert code == 0 and out.startswith("Review 2 recorded at ")
    assert invoke_json("risk", "diff") == {"since_review": 2, "changes": []}
    code, out = invoke("audit", "verify")
    assert code == 0 and "chain is intact" in out


def test_a_correction_and_a_register_import_reassess_what_they_touch_and_diff_says_why(
    risk_env: str, tmp_path: Path
) -> None:
    doc = tmp_path / "campus-watch.md"
    doc.write_text(NEW_DOCUMENT, encoding="utf-8")
    assert invoke("ingest", "--no-ner", str(doc))[0] == 0
    assert invoke("risk", "review", "--note", "after the campus report")[0] == 0

    [claim] = [c for c in invoke_json("evidence", "claims", "--org", "org-fr-lisiere") if not c["rejected"]]
    code, out = invoke("evidence", "reject", claim["id"], "--note", "withdrawn by its publisher")
    assert code == 0 and "Re-assessed 1 relationship(s): 1 changed, 0 unchanged." in flat(out), out

    flags = tmp_path / "territory_flags.csv"
    flags.write_text(
        "territory_id,flag,source,as_of\nFR,conflict-affected,Test source (fictional),2025-11-30\n", encoding="utf-8"
    )
    code, out = invoke("register", "import", str(flags))
    assert code == 0 and "Re-assessed 3 relationship(s): 3 changed, 0 unchanged." in flat(out), out

    report = invoke_json("risk", "diff")
    changes = {c["subscription"]: c for c in report["changes"]}
    assert set(changes) == {"sub-lisiere-ai", "sub-val-clair-storage", "sub-val-clair-compute"}
    correction = f"correction 1: reject-claim in {claim['document']} at {claim['start']}-{claim['end']}"
    imported = "register import territory_flags.csv (territory_flags: 1 added, 0 changed)"
    lisiere = changes["sub-lisiere-ai"]
    assert lisiere["reasons"] == [f"{correction} (withdrawn by its publisher)", imported]
    assert lisiere["changes"]["worst_harm"] == {"before": "privacy", "after": None}
    assert lisiere["changes"]["heightened"] == {"before": False, "after": True}
    storage = changes["sub-val-clair-storage"]
    assert storage["reasons"] == [imported] and storage["changes"]["heightened"] == {"before": False, "after": True}
    code, out = invoke("risk", "diff")
    text = flat(out)
    assert code == 0 and "withdrawn by its publisher" in text and "heightened: False → True" in text
    assert "worst_harm: privacy → None" in text and "sub-8200-storage" not in text

    # Without re-assessment, the import alone: the diff does not move.
    flags.write_text(
        "territory_id,flag,source,as_of,active\nFR,conflict-affected,Test source (fictional),2025-11-30,false\n",
        encoding="utf-8",
    )
    result = invoke_json("register", "import", str(flags), "--no-assess")
    assert result["counts"]["territory_flags"]["changed"] == 1 and result["reassessed"] is None
    assert invoke_json("risk", "diff") == report
    code, out = invoke("audit", "verify")
    assert code == 0 and "chain is intact" in out


def test_a_new_policy_version_shows_in_list_and_diff(
    risk_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("risk", "review")

    def stricter(d: dict[str, Any]) -> None:
        d["version"] = "1.1.0"
        d["priority"]["bands"][0]["min"] = 5.0  # the ministry's translation contract becomes critical

    monkeypatch.setenv("VIGIE_POLICY", str(write_policy(tmp_path / "policy.yaml", stricter)))
    code, out = invoke("risk", "assess", "--as-of", DEMO_AS_OF, "--reason", "policy 1.1.0")
    assert code == 0 and "under policy vigie-default 1.1.0: 9 changed" in flat(out)
    rows = invoke_json("risk", "list", "--band", "critical")
    assert sorted(r["subscription"] for r in rows) == sorted((*UNIT, "sub-imod-translate"))
    assert all(r["policy"]["version"] == "1.1.0" for r in rows)
    changes = {c["subscription"]: c for c in invoke_json("risk", "diff")["changes"]}
    assert set(changes) == set(UNIT + MINISTRY + CIVILIANS)  # every one now follows the new version
    imod = changes["sub-imod-translate"]
    assert imod["reasons"] == ["policy 1.1.0"]
    assert imod["changes"] == {
        "band": {"before": "high", "after": "critical"},
        "action": {"before": "restrict", "after": "suspend-pending-investigation"},
        "policy_version": {"before": "1.0.0", "after": "1.1.0"},
    }


# ------------------------------------------------------------------------------------------ policy


def test_policy_show(settings_env: Path) -> None:
    policy = load_policy()
    code, out = invoke("policy", "show")
    assert code == 0, out
    text = flat(out)
    assert policy.title in text
    assert f"vigie-default 1.0.0, effective 2026-01-01, fingerprint {policy_digest(policy)}" in text
    for harm in policy.harms:
        assert f"{harm}: " in out
    lines = out.splitlines()
    assert any("critical" in line and "6" in line and "suspend-pending-investigation" in line for line in lines)
    assert any("low" in line and "monitor" in line for line in lines)
    assert any("AUP-1" in line and "Mass surveillance of a civilian population." in line for line in lines)
    assert "Involvement by capability [INV-1]: storage → contribute" in text
    assert "Source credibility [CRED-1]: un-body 1, court 1, ngo 0.8" in text
    assert "Heightened due diligence [CTX-1]: territories flagged conflict-affected, occupied." in text
    assert invoke_json("policy", "show") == json.loads(policy.model_dump_json())


def test_policy_show_follows_the_configured_file(
    settings_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = write_policy(tmp_path / "ours.yaml", lambda d: d.update(id="our-policy", version="3.2.1"))
    monkeypatch.setenv("VIGIE_POLICY", str(custom))
    shown = invoke_json("policy", "show")
    assert shown["id"] == "our-policy" and shown["version"] == "3.2.1"
    broken = write_policy(tmp_path / "broken.yaml", lambda d: d["severity"].update(max_weight=3))
    monkeypatch.setenv("VIGIE_POLICY", str(broken))
    code, out = invoke("policy", "show")
    assert code == 1
    assert f"{broken}: severity.max_weight: Input should be less than or equal to 1" in flat(out)


def test_policy_check_accepts_the_default_policy(settings_env: Path) -> None:
    code, out = invoke("policy", "check", str(DEFAULT_POLICY))
    policy = load_policy()
    assert code == 0
    assert flat(out) == f"OK: vigie-default 1.0.0 (effective 2026-01-01), fingerprint {policy_digest(policy)}."


def _unknown_key(d: dict[str, Any]) -> None:
    d["priority"]["colour"] = "red"


def _missing_section(d: dict[str, Any]) -> None:
    del d["credibility"]


def _wrong_type(d: dict[str, Any]) -> None:
    d["harms"]["life"]["scale"] = "very high"


def _weight_out_of_range(d: dict[str, Any]) -> None:
    d["priority"]["involvement_weight"]["contribute"] = 11


def _undescribed_action(d: dict[str, Any]) -> None:
    del d["actions"]["engage"]


def _bands_with_a_gap(d: dict[str, Any]) -> None:
    d["priority"]["bands"][-1]["min"] = 0.5


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_unknown_key, "priority.colour: Extra inputs are not permitted"),
        (_missing_section, "credibility: Field required"),
        (_wrong_type, "harms.life.scale: Input should be a valid integer"),
        (_weight_out_of_range, "priority.involvement_weight.contribute: Input should be less than or equal to 10"),
        (_undescribed_action, "priority.bands.3.action: 'engage' is not described under actions"),
        (_bands_with_a_gap, "priority.bands: bands must be listed from the highest min down to a band with min 0"),
    ],
)
def test_policy_check_refuses_a_broken_file_naming_it_and_the_field(
    settings_env: Path, tmp_path: Path, change: Any, expected: str
) -> None:
    path = write_policy(tmp_path / "broken-policy.yaml", change)
    code, out = invoke("policy", "check", str(path))
    assert code == 1
    assert f"✗ {path}: {expected}" in out
    assert "OK" not in out


def test_policy_check_refuses_invalid_yaml_and_missing_files(settings_env: Path, tmp_path: Path) -> None:
    path = write_policy(tmp_path / "bad.yaml", text="id: x\nharms: [life\n")
    code, out = invoke("policy", "check", str(path))
    assert code == 1 and f"✗ {path}: not valid YAML: line 3, column 1: while parsing a flow sequence" in out
    code, out = invoke("policy", "check", str(tmp_path / "absent.yaml"))
    assert code == 1 and f"✗ {tmp_path / 'absent.yaml'}: cannot read: " in out


def test_policy_check_lists_every_problem(settings_env: Path, tmp_path: Path) -> None:
    def two(d: dict[str, Any]) -> None:
        d["likelihood"]["clause"] = "SEV-1"
        d["customer_kinds"]["security_sector"].append("militia")

    path = write_policy(tmp_path / "two.yaml", two)
    code, out = invoke("policy", "check", str(path))
    problems = [line for line in out.splitlines() if line.startswith("✗ ")]
    assert code == 1 and len(problems) == 2
    assert f"✗ {path}: likelihood.clause: clause id 'SEV-1' is already used by severity.clause" in problems
    assert f"✗ {path}: customer_kinds.security_sector: unknown organisation kinds ['militia']" in problems


def test_policy_check_refuses_a_key_given_twice(settings_env: Path, tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("  cap: 1.0\n", "  cap: 1.0\n  cap: 0.5\n", 1)
    line = text[: text.index("  cap: 0.5\n")].count("\n") + 1
    path = write_policy(tmp_path / "twice.yaml", text=text)
    code, out = invoke("policy", "check", str(path))
    assert code == 1
    assert f"✗ {path}: not valid YAML: line {line}, column 3: while reading a mapping, found the key 'cap' twice" in out


# -------------------------------------------------------------------------------------------- demo


def test_the_demo_prints_the_ranking(settings_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`vigie demo`: the unit's storage and AI first, the ministry's translation next, the civilians last."""
    monkeypatch.chdir(settings_env)
    code, out = invoke("demo")
    assert code == 0, out
    table = out[out.index("Relationships by priority (vigie risk list)") :]
    table = table[: table.index("└")]  # the ranking alone: the demo prints more tables after it
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if "│ sub-" in line]
    header = ["#", "subscription", "customer", "service", "worst harm", "sev.", "lik.", "involvement", "HRDD"]
    assert len(rows) == 9
    by_column = [dict(zip([*header, "priority", "action"], row, strict=True)) for row in rows]
    assert [r["#"] for r in by_column] == [str(i) for i in range(1, 10)]
    assert {r["subscription"] for r in by_column[:2]} == set(UNIT)
    for top in by_column[:2]:
        assert top["customer"] == "Unit 8200" and top["worst harm"] == "life"
        assert top["involvement"] == "contribute" and top["HRDD"] == "yes"
        assert top["priority"].endswith("critical") and top["action"] == "suspend-pending-investigation"
    third = by_column[2]
    assert third["subscription"] == "sub-imod-translate" and third["customer"] == "Israel Ministry of Defense"
    assert third["HRDD"] == "yes" and third["action"] != "monitor"
    assert {r["subscription"] for r in by_column[4:]} == set(CIVILIANS)
    assert all(r["priority"].endswith("low") and r["action"] == "monitor" for r in by_column[4:])
    priorities = [float(r["priority"].split()[0]) for r in by_column]
    assert priorities == sorted(priorities, reverse=True)


def test_list_and_explain_read_names_and_assessments_in_chunks(risk_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one id per query (as with millions of rows past the drivers' parameter limits), the output is the same."""
    before = [invoke("risk", "list"), invoke("risk", "explain", "org-il-mod"), invoke("risk", "explain", "Unit 8200")]
    monkeypatch.setattr(gather, "MAX_IDS_PER_QUERY", 1)
    after = [invoke("risk", "list"), invoke("risk", "explain", "org-il-mod"), invoke("risk", "explain", "Unit 8200")]
    assert after == before
    assert all(code == 0 for code, _ in after) and "Israel Ministry of Defense" in after[0][1]

"""The record the report tests read: the demo's, built by its own steps on the test's database, plus what the demo
lacks so that every part of the report has something to count or to withhold.

Added to the demo: a refused emergency request (its requester is personal data), a press article about a
customer rule N1 does not name (the public evidence must leave it out), and an internal memo (never published).
Both documents arrive after the demo's decision, so they must not count as the allegation that led to it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from vigie.access.crypto import load_sealer
from vigie.access.service import actor_of
from vigie.access.tables import User
from vigie.cases import requests
from vigie.cases.tables import Case, Decision
from vigie.demo import STEPS, DemoContext
from vigie.demo.investigation import APPROVER, INTERVIEW_TEXT, INTERVIEWEE, INVESTIGATOR, Story
from vigie.evidence.service import ingest
from vigie.report.queries import Period
from vigie.risk.policy import default_policy
from vigie.store.engine import session_scope

REQUESTER = "Requester Person (fictional)"
REQUEST_RATIONALE = "Refused in the test: the stated purpose is mass interception."
# Customers rule N1 withholds in the demo's register (a company, a hospital group, a university).
WITHHELD_CUSTOMERS = ("Ardent Warenhaus GmbH", "Hôpitaux du Val-Clair", "Université de Lisière")
ARTICLE = """---
title: "Retailer accused of keeping covert recordings (fictional)"
publisher: The Test Gazette (fictional)
kind: media
date: 2025-10-01
language: en
---
An investigation by The Test Gazette has revealed that Ardent Warenhaus GmbH used Cumulo Object Storage to store
recordings of intercepted phone calls made by its workers.
"""
MEMO_TITLE = "Internal memo on an account review (fictional)"
MEMO = f"""---
title: "{MEMO_TITLE}"
publisher: Cumulo Cloud compliance (fictional)
kind: internal
date: 2025-10-02
language: en
---
The account team confirmed that Unit 8200 used Cumulo AI Studio to transcribe intercepted phone calls.
"""


@dataclass
class Built:
    engine: Engine
    story: Story
    period: Period


def actor(session: Session, name: str) -> Any:
    return actor_of(session.scalars(select(User).where(User.name == name)).one())


@pytest.fixture
def built(engine: Engine, tmp_path: Path) -> Built:
    ctx = DemoContext(engine, Console(file=io.StringIO()), tmp_path / "vigie-demo.db")
    for step in STEPS:
        step(ctx)
    assert ctx.story is not None
    sealer = load_sealer(None, ctx.story.companions.key)
    with session_scope(engine) as session:
        investigator = actor(session, INVESTIGATOR)
        request = requests.add_request(
            session, investigator, kind="emergency", org_id="org-il-unit-8200", urgency="emergency",
            purpose="Intercept and transcribe the phone calls of a whole region", requester=REQUESTER, sealer=sealer,
            subscription_ids=["sub-8200-storage"],
        )  # fmt: skip
        requests.triage_request(session, investigator, request.id, default_policy())
        requests.decide_request(session, actor(session, APPROVER), request.id, "refused", REQUEST_RATIONALE)
    documents = tmp_path / "later-documents"
    documents.mkdir()
    (documents / "article.md").write_text(ARTICLE, encoding="utf-8")
    (documents / "memo.md").write_text(MEMO, encoding="utf-8")
    report = ingest(engine, [documents], "test")
    assert len(report.added) == 2
    with session_scope(engine) as session:
        opened = session.scalars(select(Case.opened_at)).one()
    return Built(engine, ctx.story, Period.parse(opened[:4]))


def secrets(built: Built) -> list[str]:
    """What the public report must never contain: personal data, interview content, internal text, withheld names."""
    with session_scope(built.engine) as session:
        case = session.scalars(select(Case)).one()
        decision = session.scalars(select(Decision)).one()
        users = list(session.scalars(select(User.name)))
    return [INTERVIEWEE, INTERVIEW_TEXT[:60], "account engineer", REQUESTER, REQUEST_RATIONALE, case.title,
            decision.rationale[:50], *users, *WITHHELD_CUSTOMERS, "org-de-ardent", "org-fr-val-clair", "org-fr-lisiere", "sub-ardent",
            "sub-val-clair", "sub-lisiere",
            MEMO_TITLE, "2400000", "Data storage for the unit's operational systems"]  # fmt: skip

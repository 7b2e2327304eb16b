"""A register whose assessments tie on priority, for tests of the risk list's order, pages and counts.

The demo register plus 90 subscriptions spread over its organisations, services and territories, so
that many relationships share a priority (the list breaks ties by subscription id) and each band and
heightened flag holds several. Two claim sets: the second alleges more, and places a French customer
in Gaza, so re-assessing moves relationships between bands and heightened flags.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.risk.builders import GAZA, claim
from vigie.demo import DATA, TERRITORIES
from vigie.register.service import import_files
from vigie.risk import service
from vigie.risk.inputs import Claim
from vigie.risk.policy import default_policy
from vigie.risk.tables import AssessmentRecord
from vigie.store.engine import session_scope

AS_OF = date(2025, 12, 1)
CUSTOMERS = ("org-il-unit-8200", "org-il-idf", "org-il-mod", "org-fr-val-clair", "org-fr-lisiere", "org-de-ardent")
SERVICES = ("svc-cumulo-object-storage", "svc-cumulo-compute", "svc-cumulo-ai-studio", "svc-cumulo-translate")
PLACES = (["IL"], ["gaza-strip"], ["FR"])

FIRST = [
    claim(orgs=("org-il-unit-8200",), harms=("privacy", "life"), capabilities=("storage", "ai-model")),
    claim(orgs=("org-il-unit-8200",), harms=("life",), publisher="Paper", kind="media"),
]
SECOND = [
    *FIRST,
    claim(
        orgs=("org-il-idf",), harms=("life",), capabilities=("compute", "storage"), publisher="UN body", kind="un-body"
    ),
    claim(orgs=("org-fr-lisiere",), harms=("privacy",), capabilities=("ai-model",), territories=(GAZA,)),
]


def build(engine: Engine, folder: Path) -> None:
    extra = folder / "more-subscriptions.json"
    subscriptions = [
        {
            "id": f"sub-tie-{i:03d}",
            "customer_id": CUSTOMERS[i % len(CUSTOMERS)],
            "service_id": SERVICES[(i // len(CUSTOMERS)) % len(SERVICES)],
            "use_territories": PLACES[i % len(PLACES)],
            "status": "active",
            "fictional": True,
        }
        for i in range(90)
    ]
    extra.write_text(json.dumps({"subscriptions": subscriptions}), encoding="utf-8")
    import_files(engine, [TERRITORIES, DATA / "register.json", extra], "alice")


def assess(engine: Engine, claims: list[Claim]) -> service.ReassessReport:
    def source(_session: Session, org_ids: set[str]) -> list[Claim]:
        return [c for c in claims if set(c.org_ids) & org_ids]

    with session_scope(engine) as session:
        return service.reassess(session, default_policy(), source, "alice", "test", AS_OF)


def every_current(session: Session) -> list[AssessmentRecord]:
    """Every current assessment, in the list's order worked out here rather than by the database."""
    rows = session.scalars(select(AssessmentRecord).where(AssessmentRecord.current.is_(True))).all()
    return sorted(rows, key=lambda r: (-r.priority, r.subscription_id))

"""The dashboard: where the risk is, and what is waiting for someone, each item linking to its page."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.cases import decisions as dec
from vigie.cases.requests import list_requests
from vigie.cases.service import list_cases
from vigie.enforce import service as enforce
from vigie.enforce.orders import OPEN_STATES, utc_now
from vigie.register.tables import Organisation, Service
from vigie.risk.service import current_assessments
from vigie.risk.tables import AssessmentRecord
from vigie.web.pages.render import render, signed_in

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

SEVERITY_BANDS = 5  # severity runs 0–5 (policy.yaml); one row per point
LIKELIHOOD_BANDS = 5  # likelihood runs 0–1; one column per fifth


def heat_map(session: Session) -> list[list[int]]:
    """Counts of current assessments, rows from the most severe down, columns from the least likely up."""
    grid = [[0] * LIKELIHOOD_BANDS for _ in range(SEVERITY_BANDS)]
    rows = session.execute(
        select(AssessmentRecord.severity, AssessmentRecord.likelihood).where(AssessmentRecord.current.is_(True))
    )
    for severity, likelihood in rows:
        s = min(max(int(severity), 0), SEVERITY_BANDS - 1)
        li = min(max(int(likelihood * LIKELIHOOD_BANDS), 0), LIKELIHOOD_BANDS - 1)
        grid[SEVERITY_BANDS - 1 - s][li] += 1
    return grid


def names_of(session: Session, records: list[AssessmentRecord]) -> dict[str, str]:
    org_ids = {r.org_id for r in records}
    service_ids = {r.service_id for r in records}
    found = {o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    found.update({s.id: s.name for s in session.scalars(select(Service).where(Service.id.in_(service_ids)))})
    return found


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    with signed_in(request) as (session, actor):
        top = current_assessments(session, limit=10)
        open_orders = [o for state in OPEN_STATES for o in enforce.list_orders(session, state=state)]
        listed = list_cases(session, actor, "open")
        waiting = [r for r in list_requests(session) if r.status in ("received", "triaged")]
        context: dict[str, Any] = {
            "grid": heat_map(session),
            "severity_labels": [f"{SEVERITY_BANDS - i - 1}–{SEVERITY_BANDS - i}" for i in range(SEVERITY_BANDS)],
            "likelihood_labels": [
                f"{i / LIKELIHOOD_BANDS:.1f}–{(i + 1) / LIKELIHOOD_BANDS:.1f}" for i in range(LIKELIHOOD_BANDS)
            ],
            "top": top,
            "names": names_of(session, top),
            "cases": [c for c in listed if c.readable],
            "hidden_cases": sum(1 for c in listed if not c.readable),
            "awaiting": dec.list_decisions(session, "proposed"),
            "orders": open_orders,
            "now": utc_now().isoformat(timespec="microseconds"),
            "overdue": dec.overdue(session, date.today()),
            "requests": waiting,
        }
        return render(request, "dashboard.html", context, actor)

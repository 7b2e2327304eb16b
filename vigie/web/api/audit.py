"""/api/v1/audit: the hash-chained log and its verification, for auditors and admins.

The log records the states of cases, interviews' metadata and decisions, which case membership
restricts; so reading it through the API needs the auditor or admin role. (The CLI's
`vigie audit log` reads the database directly: whoever runs it already holds the whole file.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from vigie.access import require
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import AuditEntryOut, ProblemOut, VerificationOut

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERRORS)


@router.get("", response_model=Page[AuditEntryOut])
def log(
    caller: CallerDep,
    paging: PagingDep,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Who made the change")] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[AuditEntryOut]:
    """Entries, newest first, filtered by entity, actor or action."""
    with caller.unit() as (session, who):
        require(who, "auditor", "admin", action="read the audit log")
        query = select(AuditEntry)
        count = select(func.count()).select_from(AuditEntry)
        for column, value in (
            (AuditEntry.entity_id, entity_id),
            (AuditEntry.entity_type, entity_type),
            (AuditEntry.actor, actor),
            (AuditEntry.action, action),
        ):
            if value is not None:
                query, count = query.where(column == value), count.where(column == value)
        rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(paging.offset).limit(paging.limit))
        total = int(session.scalar(count) or 0)
        return page_of([AuditEntryOut.model_validate(e) for e in rows], paging, total)


@router.get("/verify", response_model=VerificationOut)
def verify_chain(caller: CallerDep) -> VerificationOut:
    """Recompute the hash chain (`vigie audit verify`): names any entry edited or deleted behind vigie's back."""
    with caller.unit() as (session, who):
        require(who, "auditor", "admin", action="verify the audit log")
        result = verify(session)
        return VerificationOut(
            ok=result.ok, entries=result.entries, problems=[ProblemOut.model_validate(p) for p in result.problems]
        )

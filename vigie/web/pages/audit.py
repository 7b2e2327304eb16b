"""The audit log: every change, newest first, filterable by entity, actor and action; and the chain's status.

Reading the log needs the auditor or admin role, as through the API (/api/v1/audit): entries hold
the states of cases and decisions that case membership otherwise restricts. The status recomputes
the whole hash chain (`vigie audit verify`), naming any entry edited or deleted behind vigie's back;
on a very long log it is computed only when asked for, since it reads every entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from vigie.access import require
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import Verification, verify
from vigie.web.pages.render import render, signed_in

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

PAGE = 100
VERIFY_AT_ONCE = 200_000  # entries: beyond this the chain is verified on request, not on every visit
FILTERS = ("entity_id", "entity_type", "actor", "action")


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    changes: list[tuple[str, str, str]]  # (field, before, after) for each field that differs


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes(before_text: str | None, after_text: str | None) -> list[tuple[str, str, str]]:
    """What an entry changed, field by field; a state that is not an object is one field, "state"."""
    before, after = _decoded(before_text), _decoded(after_text)
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before is None and after is None:
            return []
        return [("state", "" if before is None else _short(before), "" if after is None else _short(after))]
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    out = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            out.append((key, "" if key not in old else _short(old[key]), "" if key not in new else _short(new[key])))
    return out


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    entity_id: str = "",
    entity_type: str = "",
    actor: str = "",
    action: str = "",
    offset: int = 0,
    check: bool = False,
) -> Response:
    wanted = {"entity_id": entity_id.strip(), "entity_type": entity_type.strip(), "actor": actor.strip(),
              "action": action.strip()}  # fmt: skip
    offset = max(offset, 0)
    with signed_in(request) as (session, who):
        require(who, "auditor", "admin", action="read the audit log")
        query = select(AuditEntry)
        count = select(func.count()).select_from(AuditEntry)
        for name in FILTERS:
            if wanted[name]:
                column = getattr(AuditEntry, name)
                query, count = query.where(column == wanted[name]), count.where(column == wanted[name])
        total = int(session.scalar(count) or 0)
        entries = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(offset).limit(PAGE))
        rows = [Row(e, changes(e.before, e.after)) for e in entries]
        size = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        verification: Verification | None = verify(session) if check or size <= VERIFY_AT_ONCE else None
        types = list(session.scalars(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)))
        context = {
            "rows": rows, "total": total, "size": size, "offset": offset, "page": PAGE, "wanted": wanted,
            "verification": verification, "types": types,
            "query": urlencode({k: v for k, v in wanted.items() if v}),
        }  # fmt: skip
        return render(request, "audit.html", context, who)

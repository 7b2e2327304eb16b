"""Need-to-know: who may see what is inside a case, and who may change it.

The rule, in one place (docs/cases.md, "Need to know"):

- anyone signed in sees that a case exists: its id, status and the date it was opened — nothing else;
- an active member reads everything in the case; a member with the investigator role also adds
  evidence, interviews and findings; the case's leads add and remove members and close it;
- an auditor reads any case, read-only, and every read is recorded like a member's;
- an admin manages membership of any case (to replace a lead who left) but does not read it:
  administering the system is not a need to know. An admin who adds themself is recorded doing so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor
from vigie.cases.tables import Case, CaseMember

MEMBER_ROLES = ("lead", "member")


@dataclass(frozen=True)
class Standing:
    """An actor's standing in one case, computed from the membership rows: pure data to decide on."""

    member: bool
    lead: bool

    @staticmethod
    def of(session: Session, case_id: str, actor: Actor) -> Standing:
        row = session.scalar(
            select(CaseMember).where(
                CaseMember.case_id == case_id, CaseMember.user_id == actor.id, CaseMember.removed_at.is_(None)
            )
        )
        return Standing(member=row is not None, lead=row is not None and row.role == "lead")


def may_read(actor: Actor, standing: Standing) -> bool:
    return standing.member or actor.has("auditor")


def may_write(actor: Actor, standing: Standing) -> bool:
    return standing.member and actor.has("investigator")


def may_manage(actor: Actor, standing: Standing) -> bool:
    return standing.lead or actor.has("admin")


def require_read(session: Session, actor: Actor, case: Case) -> Standing:
    standing = Standing.of(session, case.id, actor)
    if not may_read(actor, standing):
        raise AccessDenied(
            f"{actor.describe()} may not read case {case.id}: only its members and auditors may (need to know)"
        )
    return standing


def require_write(session: Session, actor: Actor, case: Case, what: str) -> Standing:
    standing = Standing.of(session, case.id, actor)
    if not may_write(actor, standing):
        why = "they are not a member of it" if not standing.member else "it needs the investigator role"
        raise AccessDenied(f"{actor.describe()} may not {what} in case {case.id}: {why}")
    if case.status != "open":
        raise ValueError(f"case {case.id} is {case.status}: nothing can be added to it")
    return standing


def require_manage(session: Session, actor: Actor, case: Case, what: str) -> Standing:
    standing = Standing.of(session, case.id, actor)
    if not may_manage(actor, standing):
        raise AccessDenied(f"{actor.describe()} may not {what} of case {case.id}: only its leads and admins may")
    return standing

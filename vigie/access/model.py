"""Who is acting and what they may do: pure data and checks, no database.

Roles are flat and literal. `admin` manages users and tokens; it does not stand in for `approver`,
so the two-person rule on suspensions and terminations cannot be satisfied by an administrator
who was never given the approver role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES: tuple[str, ...] = ("analyst", "investigator", "approver", "auditor", "admin")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class AccessDenied(Exception):
    """Refused: the message says who, what was refused and why."""


@dataclass(frozen=True)
class Actor:
    """An authenticated user; `name` is what the audit log records."""

    id: str
    name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        """Literal membership: no role implies another (admin is not approver)."""
        return role in self.roles

    def describe(self) -> str:
        return f"{self.name} (roles: {', '.join(sorted(self.roles)) or 'none'})"


def require(actor: Actor, *roles: str, action: str = "do this") -> None:
    """Raise AccessDenied unless the actor holds one of `roles`."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}: roles are {', '.join(ROLES)}")
    if not any(actor.has(r) for r in roles):
        raise AccessDenied(f"{actor.describe()} may not {action}: it needs the role {' or '.join(roles)}")


def check_roles(roles: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """Validate a set of role names given by a user; the error names the bad one and the choices."""
    if not roles:
        raise ValueError(f"role: at least one role is needed ({', '.join(ROLES)})")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ValueError(f"role: unknown role {', '.join(repr(b) for b in bad)}; roles are {', '.join(ROLES)}")
    return frozenset(roles)


def check_name(name: str) -> str:
    """A login name: it appears in the audit log, so it must be short, printable and unambiguous."""
    if not _NAME.match(name):
        raise ValueError(
            f"name: {name!r} is not a valid user name (letters, digits, '.', '_', '@', '-'; "
            "starting with a letter or digit; at most 100 characters)"
        )
    return name

"""access (cross-cutting): users, roles and API tokens; who is acting and what they may do.

The public API other stages code against: `ROLES`, `Actor`, `AccessDenied`, `require`,
`authenticate_token`, `authenticate_password`.
"""

from vigie.access.model import ROLES, AccessDenied, Actor, require
from vigie.access.service import authenticate_password, authenticate_token

__all__ = ["ROLES", "AccessDenied", "Actor", "authenticate_password", "authenticate_token", "require"]

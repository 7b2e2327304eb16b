"""Who may deliver and acknowledge orders: one rule for the command line, the pages and the API."""

from __future__ import annotations

import pytest

from vigie.access import AccessDenied, Actor
from vigie.enforce.service import DECIDERS, OPERATORS, require_decider, require_operator


def actor(*roles: str) -> Actor:
    return Actor(id="usr_test", name="tester", roles=frozenset(roles))


def test_only_an_admin_operates_the_control_plane() -> None:
    require_operator(actor("admin"), "deliver enforcement orders")
    for role in ("analyst", "investigator", "approver", "auditor"):
        with pytest.raises(AccessDenied, match="may not deliver enforcement orders: it needs the role admin"):
            require_operator(actor(role), "deliver enforcement orders")


def test_deciders_and_operators_are_roles_vigie_knows() -> None:
    assert set(DECIDERS) == {"approver", "admin"}
    assert OPERATORS == ("admin",)


def test_approvers_and_admins_decide_on_orders() -> None:
    require_decider(actor("approver"), "cancel enforcement orders")
    require_decider(actor("admin"), "cancel enforcement orders")
    with pytest.raises(AccessDenied, match="needs the role approver or admin"):
        require_decider(actor("investigator"), "cancel enforcement orders")

"""Who may correct the evidence when a front end acts for a signed-in user."""

from __future__ import annotations

import pytest

from vigie.access import AccessDenied, Actor
from vigie.evidence.service import require_reviewer


@pytest.mark.parametrize("role", ["analyst", "investigator"])
def test_reviewers_may_correct(role: str) -> None:
    require_reviewer(Actor(id="usr_1", name="rev", roles=frozenset({role})))


@pytest.mark.parametrize("role", ["approver", "auditor", "admin"])
def test_other_roles_may_not(role: str) -> None:
    with pytest.raises(AccessDenied, match="may not reject a claim: it needs the role analyst or investigator"):
        require_reviewer(Actor(id="usr_1", name="rev", roles=frozenset({role})), "reject a claim")

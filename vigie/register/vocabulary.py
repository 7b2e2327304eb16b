"""The controlled vocabularies of the register, loaded once from the shipped data file."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("data")

# The organisation kinds that are public bodies: their names are public facts, so they may be named in
# FollowTheMoney exports and public reports, unlike companies and NGOs whose relationship may be confidential.
PUBLIC_BODY_KINDS = frozenset(
    {
        "ministry",
        "armed-forces",
        "military-unit",
        "intelligence-agency",
        "police",
        "prison-service",
        "other-public-body",
        "international-organisation",
    }
)


@cache
def vocabulary() -> dict[str, Any]:
    with (DATA / "vocabulary.yaml").open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@cache
def terms(name: str) -> dict[str, str]:
    """A vocabulary as {term: description}, e.g. terms("capabilities")."""
    value = vocabulary()[name]
    assert isinstance(value, dict)
    return {str(k): str(v) for k, v in value.items()}


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (upper case), from followthemoney's country type."""
    from followthemoney.types import registry  # imported here: it costs a second at every start

    return frozenset(code.upper() for code in registry.country.names if len(code) == 2)

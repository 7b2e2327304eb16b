"""The user guide documents every column and vocabulary term the code accepts."""

from __future__ import annotations

from pathlib import Path

from vigie.register.specs import SPECS
from vigie.register.vocabulary import terms

DOC = (Path(__file__).resolve().parents[2] / "docs" / "register.md").read_text(encoding="utf-8")


def test_every_column_is_documented_with_its_entity_type() -> None:
    for spec in SPECS.values():
        section = DOC.split(f"### `{spec.name}.csv`", 1)
        assert len(section) == 2, f"docs/register.md has no section for {spec.name}.csv"
        body = section[1].split("###", 1)[0]
        for column in spec.columns:
            assert f"| `{column}` |" in body, f"{spec.name}.{column} is not documented"


def test_every_vocabulary_term_is_documented() -> None:
    for name in ("organisation_kinds", "capabilities", "subscription_statuses", "territory_kinds", "territory_flags"):
        for term in terms(name):
            assert f"`{term}`" in DOC, f"{name}: {term} is not documented"

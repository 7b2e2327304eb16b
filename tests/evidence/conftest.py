from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.demo import DATA
from vigie.evidence.extract import Extractor
from vigie.evidence.mentions import RegisterNames

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"


def demo_names() -> RegisterNames:
    doc = json.loads((DATA / "register.json").read_text(encoding="utf-8"))
    names = RegisterNames()
    for org in doc["organisations"]:
        names.add_organisation(org["id"], [org["name"]])
    for alias in doc["aliases"]:
        names.add_organisation(alias["org_id"], [alias["name"]])
    for service in doc["services"]:
        names.add_service(service["id"], service["name"])
    return names


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """With the demo register's names and spaCy's French model, as `vigie extract` uses them."""
    return Extractor(demo_names(), use_ner=True)


@pytest.fixture(scope="session")
def rules_only() -> Extractor:
    return Extractor(demo_names(), use_ner=False)

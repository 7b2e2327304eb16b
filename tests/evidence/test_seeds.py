"""The two public articles of the seed case, read from ../shared/seeds (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.evidence.conftest import SEEDS
from vigie.evidence.claims import Claim
from vigie.evidence.extract import Extraction, Extractor
from vigie.evidence.read import read_path

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")


@pytest.fixture(scope="module")
def extractions(extractor: Extractor) -> list[Extraction]:
    paths = sorted(Path(SEEDS).glob("*.txt"))
    assert len(paths) >= 2
    return extractor.extract_many([read_path(p) for p in paths])


def all_claims(extractions: list[Extraction]) -> list[Claim]:
    return [c for e in extractions for c in e.claims]


def linked(extractions: list[Extraction], org_id: str) -> set[str]:
    return {m.text for e in extractions for m in e.mentions if m.entity_id == org_id}


def test_the_ministry_and_the_unit_are_linked_under_french_names_and_acronyms(extractions: list[Extraction]) -> None:
    assert {"ministère israélien de la Défense", "IMOD"} <= linked(extractions, "org-il-mod")
    assert {"Unité 8200", "Unit 8200"} <= linked(extractions, "org-il-unit-8200")


def test_storage_and_ai_are_found(extractions: list[Extraction]) -> None:
    capabilities = {c for e in extractions for m in e.mentions for c in m.capabilities}
    assert {"storage", "ai-model", "translation"} <= capabilities
    words = {m.text.lower() for e in extractions for m in e.mentions if "storage" in m.capabilities}
    assert {"stocker", "cloud"} <= words


def test_the_harms_are_found_with_their_quotes(extractions: list[Extraction]) -> None:
    claims = all_claims(extractions)

    def quoted(harm: str, word: str) -> bool:
        return any(harm in c.harms and word in c.quote for c in claims)

    assert quoted("privacy", "interceptions")
    assert quoted("life", "cibles à bombarder")
    assert quoted("liberty", "détention")
    assert quoted("coercion", "faire chanter")


def test_gaza_and_the_west_bank(extractions: list[Extraction]) -> None:
    places = {m.entity_id for e in extractions for m in e.mentions if m.kind == "territory"}
    assert {"gaza-strip", "west-bank"} <= places


def test_the_providers_denial_and_its_confirmation(extractions: list[Extraction]) -> None:
    claims = all_claims(extractions)
    denial = [c for c in claims if c.stance == "denies" and "life" in c.harms and "nuire aux civils" in c.quote]
    assert any(c.attributed_to == "Microsoft" for c in denial)
    confirmation = [c for c in claims if c.stance == "confirms" and "relation commerciale" in c.quote]
    assert confirmation and any(a.entity_id == "org-il-mod" for a in confirmation[0].actors)


def test_the_suspension_is_dated_2025_09_25(extractions: list[Extraction]) -> None:
    acts = [c for c in all_claims(extractions) if c.stance == "acts" and "suspends" in c.actions]
    assert any(c.date == "2025-09-25" and "suspendu et désactivé" in c.quote for c in acts)


def test_the_demand_to_review_all_contracts_and_the_letter_of_26_september(extractions: list[Extraction]) -> None:
    demands = [c for c in all_claims(extractions) if c.stance == "demands"]
    assert any("réexaminant tous ses contrats" in c.quote for c in demands)
    assert any(c.date == "2025-09-26" and "courrier" in c.quote for c in demands)


def test_documents_carry_provenance(extractions: list[Extraction]) -> None:
    by_kind = {e.document.kind: e.document for e in extractions}
    assert by_kind["ngo"].publisher == "Human Rights Watch" and by_kind["ngo"].date == "2025-10-10"
    assert by_kind["media"].publisher == "Anadolu Agency"
    assert all(e.document.language == "fr" for e in extractions)


def test_every_claim_quote_is_the_text_at_its_offsets(extractions: list[Extraction]) -> None:
    for e in extractions:
        for claim in e.claims:
            assert e.text[claim.start : claim.end] == claim.quote
            for cue in claim.cues:
                assert e.text[cue.start : cue.end] == cue.text
        for m in e.mentions:
            assert e.text[m.start : m.end] == m.text or e.text[m.start : m.end].strip() == m.text

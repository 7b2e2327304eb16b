"""The security-sector gazetteer: coverage, sources, validation, and extension by the user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.names import compare
from vigie.names.analyse import analyse
from vigie.names.gazetteer import BODIES, build, gazetteer, read_bodies
from vigie.names.lexicon import LexiconError
from vigie.register.vocabulary import DATA as REGISTER_DATA

# The largest military spenders in SIPRI's 2024 ranking: the first 40 and a few just below them.
TOP_SPENDERS = [
    "US",
    "CN",
    "RU",
    "DE",
    "IN",
    "GB",
    "SA",
    "UA",
    "FR",
    "JP",
    "KR",
    "IL",
    "PL",
    "IT",
    "AU",
    "CA",
    "TR",
    "ES",
    "NL",
    "BR",
    "DZ",
    "TW",
    "MX",
    "CO",
    "SE",
    "IR",
    "SG",
    "NO",
    "PK",
    "ID",
    "BE",
    "DK",
    "RO",
    "KW",
    "CH",
    "AT",
    "CL",
    "TH",
    "GR",
    "PH",
    "FI",
    "EG",
    "AE",
    "QA",
]


def conflict_affected() -> set[str]:
    territories = json.loads((REGISTER_DATA / "territories.json").read_text(encoding="utf-8"))
    rows = territories["territories"] if isinstance(territories, dict) else territories
    flags = territories.get("territory_flags", []) if isinstance(territories, dict) else []
    flagged = {f["territory_id"] for f in flags if f.get("flag") == "conflict-affected"}
    by_id = {t["id"]: t for t in rows}
    return {by_id[t]["country"] for t in flagged if t in by_id}


def test_the_gazetteer_covers_the_largest_spenders_and_the_conflict_affected() -> None:
    gaz = gazetteer()
    countries = {b.country for b in gaz.bodies.values()}
    assert set(TOP_SPENDERS) <= countries, set(TOP_SPENDERS) - countries
    conflict = conflict_affected()
    assert {"IL", "PS", "UA", "SD", "MM", "SY", "YE", "CD"} <= conflict
    assert conflict <= countries, conflict - countries
    for country in countries:
        kinds = {b.kind for b in gaz.bodies.values() if b.country == country}
        assert "ministry" in kinds, country
        assert kinds & {"armed-forces", "police"}, country


def test_every_body_has_a_source_english_and_french_names_and_a_known_parent() -> None:
    gaz = gazetteer()
    assert len(gaz.bodies) >= 400
    for body in gaz.bodies.values():
        langs = {lang for lang, _ in body.names}
        assert {"en", "fr"} <= langs, body.id
        assert body.source.startswith("https://"), body.id
        assert body.parent is None or body.parent in gaz.bodies, body.id


def test_names_in_many_scripts_resolve_to_one_body() -> None:
    gaz = gazetteer()
    for name, body in [
        ("Tsahal", "il-idf"),
        ("Shin Bet", "il-isa"),
        ("ФСБ", "ru-fsb"),
        ("Unité 8200", "il-unit-8200"),
        ("Bundeswehr", "de-bundeswehr"),
    ]:
        assert body in gaz.resolve(analyse(name)), (name, gaz.resolve(analyse(name)))


def test_a_bad_gazetteer_file_names_its_file_and_entry(tmp_path: Path) -> None:
    bad = tmp_path / "xx.yaml"
    bad.write_text(
        "country: XX\nbodies:\n  - id: xx-army\n    kind: army\n    names: {en: [Army], fr: [Armée]}\n"
        "    source: https://example.org/army\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match=r"xx\.yaml entry 1 \(xx-army\): kind 'army'"):
        read_bodies([bad])
    orphan = tmp_path / "yy.yaml"
    orphan.write_text(
        "country: YY\nbodies:\n  - id: yy-army\n    kind: armed-forces\n    parent: yy-mod\n"
        "    names: {en: [Army], fr: [Armée]}\n    source: https://example.org/army\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match="parent 'yy-mod'"):
        read_bodies([orphan])


def test_a_user_extends_the_gazetteer_with_a_file(tmp_path: Path) -> None:
    extra = tmp_path / "zz.yaml"
    extra.write_text(
        "country: IL\nbodies:\n  - id: il-unit-9900\n    kind: military-unit\n    parent: il-aman\n"
        "    names: {en: [Unit 9900], fr: [Unité 9900], he: [יחידה 9900]}\n    aliases: [Visual Intelligence Unit]\n"
        "    source: https://en.wikipedia.org/wiki/Unit_9900\n",
        encoding="utf-8",
    )
    extended = build(read_bodies([*sorted(BODIES.glob("*.yaml")), extra]))
    assert extended.bodies["il-unit-9900"].parent == "il-aman"
    assert extended.resolve(analyse("Visual Intelligence Unit")) == {"il-unit-9900"}


def test_matching_uses_the_gazetteer_and_says_so() -> None:
    match = compare("Shin Bet", "Israel Security Agency")
    assert match.is_match
    assert match.features[0].name == "same public body" and "il-isa" in match.features[0].detail
    apart = compare("Shin Bet", "Mossad")
    assert not apart.is_match
    assert any(f.name == "different public bodies" for f in apart.features)

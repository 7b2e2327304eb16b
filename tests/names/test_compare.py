"""Hand-made pairs in seven languages, with their near misses, through the public API."""

from __future__ import annotations

import pytest

from vigie.names import MATCH, Match, compare
from vigie.names.analyse import analyse

SAME = [
    # French, English
    ("ministère israélien de la Défense", "Israel Ministry of Defense"),
    ("IMOD", "Israel Ministry of Defense"),
    ("IMOD", "ministère israélien de la Défense"),
    ("Unité 8200", "Unit 8200"),
    ("Tsahal", "Israel Defense Forces"),
    ("armée israélienne", "IDF"),
    ("Shin Bet", "Israel Security Agency"),
    ("DGSE", "Direction générale de la Sécurité extérieure"),
    ("MoD", "Israel Ministry of Defense"),
    ("Gendarmerie nationale", "National Gendarmerie"),
    # German
    ("Bundesministerium der Verteidigung", "Federal Ministry of Defence"),
    ("Bundesnachrichtendienst", "BND"),
    # Spanish
    ("Ministerio de Defensa de Israel", "Israel Ministry of Defense"),
    ("Policía Nacional de Colombia", "Colombian National Police"),
    # Arabic
    ("وزارة الدفاع الإسرائيلية", "Israel Ministry of Defense"),
    # Hebrew
    ("משרד הביטחון", "Israel Ministry of Defense"),
    ("יחידה 8200", "Unit 8200"),
    ('צה"ל', "Israel Defense Forces"),
    # Russian
    ("ФСБ", "Federal Security Service"),
    ("Министерство обороны Российской Федерации", "Ministry of Defence of the Russian Federation"),
    ("Федеральная служба безопасности", "FSB"),
    # Names the gazetteer does not hold: generic words, typos, order, extra words, legal forms
    ("Minstry of Defence", "Ministry of Defense"),
    ("Ardent Warenhaus GmbH", "Ardent Warenhaus"),
    ("Harbour City Transit Authority", "Transit Authority, Harbour City"),
    ("Hôpitaux du Val-Clair", "Hopitaux du Val Clair"),
    ("Université de Lisière", "Universite de Lisiere"),
    ("Cumulo Cloud Ltd", "Cumulo Cloud Limited"),
]

APART = [
    ("MPS", "Mapoza Pubu Solutions"),  # a known body's acronym, spelt by a company's initials
    ("Nokos Holdings", "Nikos Holdings"),  # one letter off in a five-letter name: two names
    ("Unit 8200", "Unit 8201"),
    ("Unité 8200", "Unit 9900"),
    ("ministère français de la Défense", "Israel Ministry of Defense"),
    ("Ministry of Defence of the Russian Federation", "Ministry of Defence of Ukraine"),
    ("Israel Ministry of Defense", "Israel Ministry of Interior"),
    ("Ministry of Defence", "Ministry of Interior"),
    ("Israel Security Agency", "Mossad"),
    ("Unit 8200", "Israel Defense Forces"),
    ("FSB", "SVR"),
    ("Federal Security Service", "Foreign Intelligence Service"),
    ("DGSE", "DGSI"),
    ("Ardent Warenhaus GmbH", "Brillant Kaufhaus GmbH"),
    ("Harbour City Transit Authority", "Harbour City Water Authority"),
    ("Policía Nacional de Colombia", "Policía Nacional del Perú"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_organisation_matches(a: str, b: str) -> None:
    match = compare(a, b)
    assert match.score >= MATCH, match.explain()
    assert compare(b, a).score >= MATCH  # symmetric in outcome


@pytest.mark.parametrize(("a", "b"), APART)
def test_near_misses_stay_apart(a: str, b: str) -> None:
    match = compare(a, b)
    assert match.score < MATCH, match.explain()


def test_a_score_is_explained_feature_by_feature() -> None:
    match = compare("Unit 8200", "Unit 8201")
    assert isinstance(match, Match)
    assert 0.0 <= match.score <= 1.0
    capped = [f for f in match.features if f.name == "numbers differ"]
    assert capped and "8200 vs 8201" in capped[0].detail
    body = compare("Tsahal", "Israel Defense Forces")
    assert any("il-idf" in f.detail and "https://" in f.detail for f in body.features)
    acronym = compare("DGSI", "Direction générale de la sécurité intérieure")
    assert acronym.is_match, acronym.explain()
    as_json = acronym.as_json()
    assert as_json["score"] == acronym.score and as_json["features"]


def test_an_acronym_is_spelled_out_by_the_other_name() -> None:
    match = compare("HCTA", "Harbour City Transit Authority")
    assert match.is_match, match.explain()
    assert any(f.name == "acronym" and "H(arbour)" in f.detail for f in match.features)
    assert not compare("HCWA", "Harbour City Transit Authority").is_match


def test_countries_that_differ_cap_the_score() -> None:
    match = compare("ministère français de la Défense", "Israel Ministry of Defense")
    assert any(f.name in ("countries differ", "different public bodies") for f in match.features), match.explain()


PEOPLE_SAME = [
    ("John Smith", "Smith, John"),
    ("J. Smith", "John Smith"),
    ("Charles de Gaulle", "Charles Gaulle"),
    ("Mohammed bin Salman", "Mohammed Salman"),
    ("Владимир Путин", "Vladimir Putin"),
    ("Jürgen Müller", "Jurgen Muller"),
    ("Katherine Johnson", "Katharine Johnson"),
]
PEOPLE_APART = [
    ("John Smith", "Jane Doe"),
    ("John Smith", "John Brown"),
    ("Anna Schmidt", "Anna Schneider"),
]


@pytest.mark.parametrize(("a", "b"), PEOPLE_SAME)
def test_person_names_match_across_order_initials_particles_and_scripts(a: str, b: str) -> None:
    match = compare(a, b, kind="person")
    assert match.score >= MATCH, match.explain()


@pytest.mark.parametrize(("a", "b"), PEOPLE_APART)
def test_different_people_stay_apart(a: str, b: str) -> None:
    assert compare(a, b, kind="person").score < MATCH


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        compare("a", "b", kind="vessel")


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Police Service of Northern Ireland", "GB"),
        ("ministère de la Défense de la République de Corée du Sud", "KR"),
        ("Republic of China Army", "TW"),
        ("Ministry of Defence of the Russian Federation", "RU"),
    ],
)
def test_country_names_with_small_words_inside_are_one_country(name: str, country: str) -> None:
    assert analyse(name).countries == {f"country:{country}"}

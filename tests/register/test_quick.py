"""The quick way of parsing register rows gives exactly what the careful way gives, or steps aside.

Every field's shortcut (`vigie.register.fields.quick`) must answer its parser's own result or None, for any
value a file may hold; and a row the quick way accepts must be one the careful way accepts with the same state.
The careful way alone writes error messages, so these two properties keep every record and every error of an
import the same whichever way a row went.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.register import fields
from vigie.register.files import RawRow, read_path
from vigie.register.importer import _parse_batch, _RowParser
from vigie.register.specs import SPECS, EntitySpec
from vigie.register.vocabulary import countries, terms

WHITESPACE = [" ", "\t", "\n", "\u00a0", "\u2003", "\x1c", "\x1f", "\u3000"]

SPECIAL = [
    "XX",
    "pt-BRAZILXX",
    "2024-02-30",
    "0000-01-01",
    "2021-W01-1",
    "20240131",
    "٢٠٢٤-٠١-٣١",
    "-0",
    "012.50",
    "1_000.00",
    "1e3",
    "NaN",
    "9999999999999999.99",
    "10000000000000000",
    "storage;;compute",
    "wikidata=Q1;lei=X",
    "a;b",
    "a|b",
    "x" * 100,
    "x" * 101,
    "x" * 200,
    "x" * 201,
]
EXAMPLES = [
    *sorted({term for name in ("subscription_statuses", "capabilities", "organisation_kinds") for term in terms(name)}),
    *["country", "territory", "occupied", "conflict-affected", "true", "false", "yes", "no", "1", "0", "maybe"],
    *sorted(countries()),
    *["2024-01-31", "1999-12-31", "2024-02-29", "2023-02-29", "9999-12-31"],
    *["0.00", "12.34", "-5.5", "7", "100000.1", "0.5"],
    *["EUR", "usd", "GBP", "fr", "pt-BR", "zh-Hant", "he", "Latn", "Hebr", "Cyrl"],
    *["org-1", "sub-00000001", "gaza-strip", "gaza-strip;west-bank", "storage;compute", "Ministère", "a b"],
    *SPECIAL,
]
GENERATED = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),  # dates, some of them impossible
    st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{0,3})?", fullmatch=True),  # amounts
    st.from_regex(r"[A-Za-z]{2,4}", fullmatch=True),  # currencies, scripts, countries
    st.from_regex(r"[a-z]{1,3}(-[A-Za-z0-9]{1,9})?", fullmatch=True),  # languages
    st.from_regex(r"[a-z0-9-]{1,12}(;[a-z0-9-]{0,12}){0,2}", fullmatch=True),  # ids, lists of ids
)


@st.composite
def spelled(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A value from `base`, or that value in another case, padded with whitespace, or holding a NUL."""
    value = draw(base)
    if draw(st.integers(0, 3)) == 0:
        value = draw(st.sampled_from([value.upper(), value.lower(), value.capitalize()]))
    if draw(st.integers(0, 3)) == 0:
        value = draw(st.sampled_from(WHITESPACE)) + value
    if draw(st.integers(0, 3)) == 0:
        value += draw(st.sampled_from(WHITESPACE))
    if draw(st.integers(0, 9)) == 0:
        value = value[:1] + "\x00" + value[1:]
    return value


TEXT = st.text(max_size=12) | st.text(alphabet=st.sampled_from("ab ;|=-_.\x00\u00a0"), max_size=12)
ANY_VALUE = (
    spelled(st.sampled_from(EXAMPLES) | GENERATED)
    | TEXT
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.lists(spelled(st.sampled_from(EXAMPLES)) | TEXT | st.integers(), max_size=3)
    | st.dictionaries(TEXT, TEXT | st.integers(), max_size=2)
)


def parser_of(spec: str, name: str) -> fields.Parser:
    return next(fl.parse for fl in SPECS[spec].fields if fl.name == name)


def _field_kinds() -> dict[str, tuple[fields.Parser, int | None]]:
    """Every parser with every column length it is used with, named after its first field."""
    kinds: dict[tuple[fields.Parser, int | None], str] = {}
    for spec in SPECS.values():
        limit_of = dict(_RowParser(spec).limits)
        for fl in spec.fields:
            kinds.setdefault((fl.parse, limit_of.get(fl.name)), f"{spec.name}.{fl.name}")
    return {name: kind for kind, name in kinds.items()}


KINDS = _field_kinds()


def accepted(parse: fields.Parser) -> list[str]:
    """The examples a parser accepts: near them are the values worth trying on its shortcut."""
    good = []
    for example in EXAMPLES:
        with contextlib.suppress(ValueError):
            parse(example)
            good.append(example)
    return good


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_shortcut_answers_its_parser_s_result_or_none(kind: str, data: st.DataObject) -> None:
    parse, limit = KINDS[kind]
    value = data.draw(spelled(st.sampled_from(accepted(parse))) | ANY_VALUE)
    try:
        quick = fields.quick(parse, limit)(value)
    except (KeyError, TypeError, ValueError):
        return  # allowed: the importer then asks the parser
    if quick is None:
        return
    parsed = parse(value)  # must not raise: the shortcut said the value was good
    assert quick == parsed and type(quick) is type(parsed)
    assert not isinstance(quick, str) or limit is None or len(quick) <= limit


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (fields.money, "12", "12.00"),
        (fields.money, "12.5", "12.50"),
        (fields.money, "-0", "-0.00"),
        (fields.money, "12.34", "12.34"),
        (fields.iso_date, "2024-02-29", "2024-02-29"),
        (fields.boolean, "Yes", True),
        (fields.boolean, "f", False),
        (fields.country, "ie", "IE"),
        (fields.ident, "org-0005305", "org-0005305"),
        (fields.text, "Ministère de la Défense", "Ministère de la Défense"),
        (parser_of("subscriptions", "use_territories"), "west-bank;gaza-strip;west-bank", ["gaza-strip", "west-bank"]),
        (parser_of("subscriptions", "status"), "suspended", "suspended"),
    ],
)
def test_shortcuts_know_the_usual_spellings(parse: fields.Parser, value: str, expected: Any) -> None:
    """Not only canonical values: the spellings files usually hold take the quick way too."""
    assert fields.quick(parse)(value) == expected


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (fields.money, "012.00"),
        (fields.money, "1_000"),
        (fields.iso_date, "2024-02-30"),
        (fields.iso_date, "2021-W01-1"),
        (fields.text, " padded"),
        (fields.text, "nul\x00"),
        (fields.ident, "org 1"),
        (fields.country, "XX"),
        (fields.boolean, "maybe"),
    ],
)
def test_shortcuts_leave_the_rest_to_their_parser(parse: fields.Parser, value: str) -> None:
    with contextlib.suppress(ValueError):  # raising is a way of stepping aside too
        assert fields.quick(parse)(value) is None


def test_a_shortcut_respects_the_column_s_length() -> None:
    assert fields.quick(fields.text, 5)("abcde") == "abcde"
    assert fields.quick(fields.text, 5)("abcdef") is None
    assert fields.quick(fields.ident, 3)("abcd") is None
    assert fields.quick(fields.lang, 8)("pt-BRAZIL") is None
    assert fields.quick(fields.lang, 8)("pt-BR") == "pt-BR"
    assert fields.quick(fields.country, 1)("FR") is None


@st.composite
def rows_of(draw: st.DrawFn, spec: EntitySpec) -> dict[str, Any]:
    """A row's data: most fields, most values clean, now and then a field the entity type does not have."""
    data: dict[str, Any] = {}
    for fl in spec.fields:
        good = accepted(fl.parse)
        how = draw(st.sampled_from(["clean"] * 12 + ["absent", "spelled", "any"]))
        if how == "clean" and good:
            data[fl.name] = draw(st.sampled_from(good))
        elif how == "spelled" and good:
            data[fl.name] = draw(spelled(st.sampled_from(good)))
        elif how != "absent":
            data[fl.name] = draw(ANY_VALUE)
    if draw(st.sampled_from([False] * 19 + [True])):
        data["colour"] = "red"
    return {k: v for k, v in data.items() if v is not None and v != ""}


@pytest.mark.parametrize("spec", list(SPECS.values()), ids=list(SPECS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_row_the_quick_way_accepts_the_careful_way_accepts_alike(spec: EntitySpec, data: st.DataObject) -> None:
    row = data.draw(rows_of(spec))
    parser = _RowParser(spec)
    quick = parser.quick(dict(row))
    if quick is None:
        return
    careful, problems = parser.careful(dict(row))
    assert problems == []
    assert list(quick.items()) == list(careful.items())  # the same values, in the same order
    assert [type(v) for v in quick.values()] == [type(v) for v in careful.values()]


def test_a_batch_mixing_clean_and_bad_rows_gives_the_careful_records_and_errors(tmp_path: Path) -> None:
    """Row by row, `_parse_batch` must give what the careful way alone gives, with its messages."""
    spec = SPECS["subscriptions"]
    header = ["id", "customer_id", "service_id", "region", "datacentre_country", "start_date", "end_date", "status"]
    header += ["value", "currency", "fictional", "use_territories"]
    lines = [
        "sub-1,org-1,svc-1,eu-west,FR,2024-01-31,,active,12.34,EUR,false,",  # clean: the quick way
        "sub-2,org-1,svc-1, eu-west ,fr,2024-01-31,,active,12,eur,No,gaza-strip",  # not canonical: the careful way
        "sub-3,org-1,svc-1,eu-west,FR,2024-02-30,2023-01-01,active,1e3,EURO,maybe,",  # errors
        "sub-1,org-2,svc-1,eu-west,FR,2024-01-31,,active,1.00,EUR,true,",  # a duplicate id
        "sub-4,org-1,svc-1,eu-west,FR,2024-03-01,2024-02-01,active,1.00,EUR,true,",  # ends before it starts
        ",org-1,svc-1,eu-west,FR,2024-03-01,,suspended,1.00,EUR,true,west-bank;gaza-strip",  # id derived
        "sub-5,org-1,svc-1," + "r" * 101 + ",FR,2024-03-01,,active,1.00,EUR,true,",  # too long for its column
    ]
    path = tmp_path / "subscriptions.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    rows = read_path(path)
    records, errors = _parse_batch(spec, rows)

    parser = _RowParser(spec)
    expected_states = []
    expected_errors = []
    seen: dict[str, RawRow] = {}
    for raw in rows:
        state, problems = parser.careful(raw.data)
        if problems:
            expected_errors += [(raw.row, column, message) for column, message in problems]
            expected_states.append((False, dict(raw.data)))
            continue
        if state["id"] in seen:
            expected_errors.append((raw.row, "id", f"{state['id']!r} already given at {path} row 1"))
            continue
        seen[state["id"]] = raw
        expected_states.append((True, state))
    assert [(r.valid, r.state) for r in records] == expected_states
    assert [(e.row, e.field, e.message) for e in errors] == expected_errors
    assert {e.row for e in errors} == {3, 4, 5, 7}


def test_a_value_that_cannot_be_a_key_goes_the_careful_way(tmp_path: Path) -> None:
    """JSON gives lists and objects where text belongs; the quick way steps aside and the careful way names them."""
    path = tmp_path / "register.json"
    path.write_text(
        '{"organisations": [{"id": "org-a", "name": ["A"], "kind": "company"}, {"name": "B", "kind": "ngo"}]}',
        encoding="utf-8",
    )
    records, errors = _parse_batch(SPECS["organisations"], read_path(path))
    assert [(e.row, e.field, e.message) for e in errors] == [(1, "name", "expected text, got list")]
    assert [(r.id, r.valid) for r in records] == [("org-a", False), ("org-xx-b", True)]

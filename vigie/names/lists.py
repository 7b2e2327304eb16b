"""Screening lists as they come: FollowTheMoney entities (JSON lines) or CSV.

A list is read whole and checked before anything is screened; every problem names its file, row
and field, all at once, like the register's imports.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigie.names.screen import Entry
from vigie.register.errors import ImportFailed, InputError

# FtM schemata screened as organisations or persons, and the properties that hold names.
ORGANISATION_SCHEMATA = {"Organization", "Company", "PublicBody", "LegalEntity"}
PERSON_SCHEMATA = {"Person"}
NAME_PROPERTIES = ("name", "alias", "previousName", "weakAlias", "abbreviation")
COUNTRY_PROPERTIES = ("country", "jurisdiction", "mainCountry", "nationality")
CSV_KINDS = {"organisation", "person"}


@dataclass(frozen=True)
class ScreenList:
    name: str  # the file name, which judgements refer to
    path: Path
    sha256: str
    entries: list[Entry]


def _ftm(path: Path, text: str, errors: list[InputError]) -> list[Entry]:
    entries: list[Entry] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(InputError(str(path), line_no, None, f"not a JSON object: {exc.msg}"))
            continue
        if not isinstance(data, dict):
            errors.append(InputError(str(path), line_no, None, "not a JSON object"))
            continue
        schema = data.get("schema")
        if schema not in ORGANISATION_SCHEMATA | PERSON_SCHEMATA:
            continue  # sanctions lists carry addresses, sanctions, vessels …: not names to screen
        entity_id = data.get("id")
        if not isinstance(entity_id, str) or not entity_id:
            errors.append(InputError(str(path), line_no, "id", "every entity needs an id"))
            continue
        props = data.get("properties") or {}
        if not isinstance(props, dict):
            errors.append(InputError(str(path), line_no, "properties", "expected an object"))
            continue
        names = [str(n) for prop in NAME_PROPERTIES for n in props.get(prop, []) if str(n).strip()]
        if not names:
            errors.append(InputError(str(path), line_no, "properties.name", f"entity {entity_id} has no name"))
            continue
        kind = "person" if schema in PERSON_SCHEMATA else "organisation"
        countries = _countries(props, path, line_no, errors)
        entries.append(Entry(entity_id, tuple(dict.fromkeys(names)), kind, countries))
    return entries


def _countries(
    props: dict[str, Any], path: Path, row: int, errors: list[InputError], prefix: str = "properties."
) -> frozenset[str]:
    """ISO codes of the countries an entry belongs to, which keep another country's namesake apart.

    FollowTheMoney writes them lower case ("il"); a list may add territories such as "ps" or "zz"
    (unknown), which are kept as given: only two disjoint non-empty sets cap a score.
    """
    found: set[str] = set()
    for prop in COUNTRY_PROPERTIES:
        values = props.get(prop) or []
        if not isinstance(values, list):
            errors.append(InputError(str(path), row, prefix + prop, "expected a list of country codes"))
            continue
        for value in values:
            code = str(value).strip()
            if not code:
                continue
            if not code.isalpha() or not 2 <= len(code) <= 3:
                errors.append(InputError(str(path), row, prefix + prop, f"{code!r} is not an ISO country code"))
                continue
            if code.casefold() != "zz":
                found.add(code.upper())
    return frozenset(found)


def _csv(path: Path, text: str, errors: list[InputError]) -> list[Entry]:
    reader = csv.DictReader(text.splitlines())
    columns = set(reader.fieldnames or [])
    missing = {"id", "name"} - columns
    if missing:
        errors.append(InputError(str(path), None, None, f"missing column(s): {', '.join(sorted(missing))}"))
        return []
    unknown = columns - {"id", "name", "aliases", "kind", "country"}
    if unknown:
        errors.append(InputError(str(path), None, None, f"unknown column(s): {', '.join(sorted(unknown))}"))
        return []
    entries: list[Entry] = []
    for row_no, row in enumerate(reader, start=1):
        entry_id, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
        kind = (row.get("kind") or "organisation").strip() or "organisation"
        if not entry_id:
            errors.append(InputError(str(path), row_no, "id", "empty"))
        if not name:
            errors.append(InputError(str(path), row_no, "name", "empty"))
        if kind not in CSV_KINDS:
            errors.append(InputError(str(path), row_no, "kind", f"{kind!r} is not one of organisation, person"))
        countries = _countries({"country": (row.get("country") or "").split(";")}, path, row_no, errors, "")
        if entry_id and name and kind in CSV_KINDS:
            aliases = [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]
            entries.append(Entry(entry_id, tuple(dict.fromkeys([name, *aliases])), kind, countries))
    return entries


def read_lists(paths: list[Path]) -> list[ScreenList]:
    """Every list, or ImportFailed with every problem of every file."""
    errors: list[InputError] = []
    lists: list[ScreenList] = []
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            errors.append(InputError(str(path), None, None, f"cannot read: {exc.strerror or exc}"))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(InputError(str(path), None, None, "not UTF-8 text"))
            continue
        name = path.name
        if name.endswith((".ftm.json", ".ftm", ".jsonl", ".ftm.jsonl", ".json")):
            entries = _ftm(path, text, errors)
        elif name.endswith(".csv"):
            entries = _csv(path, text, errors)
        else:
            errors.append(InputError(str(path), None, None, "unsupported list type (use FtM JSON lines or .csv)"))
            continue
        seen: set[str] = set()
        for entry in entries:
            if entry.id in seen:
                errors.append(InputError(str(path), None, "id", f"{entry.id!r} appears more than once"))
            seen.add(entry.id)
        lists.append(ScreenList(name, path, hashlib.sha256(raw).hexdigest(), entries))
    names = [s.name for s in lists]
    for name in {n for n in names if names.count(n) > 1}:
        errors.append(InputError(name, None, None, "two lists share this file name; rename one"))
    if errors:
        raise ImportFailed(errors)
    return lists

"""Reading register files into raw rows, remembering where each row came from.

Formats: one CSV file per entity type (named for it, e.g. `subscriptions.csv`); one JSON
document holding any entity types (`{"organisations": [...], ...}`); FollowTheMoney entities as
JSON lines (`.ftm.json`, `.ftm`, `.jsonl`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from vigie.register.errors import ImportFailed, InputError
from vigie.register.specs import SPECS, EntitySpec, spec_for_file_stem


class RawRow(NamedTuple):
    """One row as a file gives it. A named tuple rather than a frozen dataclass: as immutable, and made in a
    third of the time, which counts at a million rows."""

    spec: EntitySpec
    file: str
    row: int
    line: int | None
    data: dict[str, Any]
    given: frozenset[str]  # the fields this row speaks about; others keep their stored value


def is_ftm(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".ftm.json", ".ftm", ".jsonl", ".ftm.jsonl"))


def read_paths(paths: list[Path], kind: str | None = None) -> list[RawRow]:
    """All rows of all files, or ImportFailed with every file-level error found."""
    rows: list[RawRow] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            rows.extend(read_path(path, kind))
        except ImportFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ImportFailed(errors)
    return rows


def read_path(path: Path, kind: str | None = None) -> list[RawRow]:
    if not path.exists():
        raise ImportFailed([InputError(str(path), None, None, "no such file")])
    if is_ftm(path):
        from vigie.register.ftm import read_ftm

        return read_ftm(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return list(_read_json(path))
    if suffix in (".csv", ".tsv"):
        spec = SPECS.get(kind) if kind else spec_for_file_stem(path.stem)
        if spec is None:
            known = ", ".join(SPECS)
            raise ImportFailed(
                [
                    InputError(
                        str(path),
                        None,
                        None,
                        f"cannot tell which entity type this file holds; "
                        f"name it after one of: {known} (or pass --kind)",
                    )
                ]
            )
        return list(_read_csv(path, spec, delimiter="\t" if suffix == ".tsv" else ","))
    raise ImportFailed(
        [InputError(str(path), None, None, f"unsupported file type {suffix!r} (use .csv, .json or .ftm.json)")]
    )


def _read_csv(path: Path, spec: EntitySpec, delimiter: str) -> Iterator[RawRow]:
    file = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFailed([InputError(file, None, None, f"cannot read: {exc.strerror}")]) from exc
    errors: list[InputError] = []
    rows: list[RawRow] = []
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFailed([InputError(file, None, None, "empty file: expected a header row")]) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFailed([InputError(file, None, None, f"not a readable UTF-8 CSV file: {exc}")]) from None
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in spec.columns]
        for column in unknown:
            errors.append(
                InputError(
                    file,
                    None,
                    column,
                    f"unknown column for {spec.name}; expected columns: {', '.join(spec.columns)}",
                    1,
                )
            )
        missing = sorted(spec.required - set(header) - {"id"} if spec.derive_id else spec.required - set(header))
        for column in missing:
            errors.append(InputError(file, None, column, "required column missing from the header", 1))
        duplicates = {h for h in header if header.count(h) > 1}
        for column in sorted(duplicates):
            errors.append(InputError(file, None, column, "column appears twice in the header", 1))
        if errors:
            raise ImportFailed(errors)
        given = frozenset(header)
        width = len(header)
        strip = str.strip
        try:
            for index, cells in enumerate(reader, start=1):
                if len(cells) == width and cells and all(map(strip, cells)):
                    data = dict(zip(header, cells, strict=True))  # the usual row: every cell filled
                else:
                    if not any(map(strip, cells)):
                        continue
                    if len(cells) != width:
                        errors.append(
                            InputError(
                                file, index, None, f"has {len(cells)} cells, the header has {width}", reader.line_num
                            )
                        )
                        continue
                    data = {column: cell for column, cell in zip(header, cells, strict=True) if strip(cell)}
                rows.append(RawRow(spec, file, index, reader.line_num, data, given))
        except (UnicodeDecodeError, csv.Error) as exc:
            errors.append(InputError(file, None, None, f"not a readable UTF-8 CSV file: {exc}", reader.line_num))
    if errors:
        raise ImportFailed(errors)
    return iter(rows)


def _read_json(path: Path) -> Iterator[RawRow]:
    file = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([InputError(file, None, None, f"cannot read: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise ImportFailed([InputError(file, None, None, f"not valid JSON: {exc.msg}", exc.lineno)]) from exc
    if not isinstance(document, dict):
        raise ImportFailed(
            [
                InputError(
                    file, None, None, "expected an object whose keys are entity types (organisations, services, ...)"
                )
            ]
        )
    errors: list[InputError] = []
    rows: list[RawRow] = []
    for key, items in document.items():
        spec = SPECS.get(key)
        if key in ("vigie", "$schema", "version"):
            continue
        if spec is None:
            errors.append(InputError(file, None, key, f"unknown entity type; expected one of: {', '.join(SPECS)}"))
            continue
        if not isinstance(items, list):
            errors.append(InputError(file, None, key, "expected a list of objects"))
            continue
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                errors.append(InputError(f"{file}#{key}", index, None, "expected an object"))
                continue
            data = {k: v for k, v in item.items() if v is not None and v != ""}
            rows.append(RawRow(spec, f"{file}#{key}", index, None, data, frozenset(item)))
    if errors:
        raise ImportFailed(errors)
    return iter(rows)

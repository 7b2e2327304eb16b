"""Importing a register: validate everything, plan the changes, then write them in one transaction.

The three steps are separate so that a failed validation writes nothing, a re-import of the same
data is recognised as a no-op, and the writer can be timed against a bare `executemany`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby, repeat
from operator import attrgetter
from typing import Any

from sqlalchemy import Date, Numeric, String, bindparam, select, update
from sqlalchemy.orm import Session

from vigie.audit.trail import LOG_COLUMNS, LOG_TABLE, AuditTrail, Change
from vigie.register import fields
from vigie.register.errors import ImportFailed, InputError
from vigie.register.files import RawRow
from vigie.register.scripts import detect_script
from vigie.register.specs import ORDER, SPECS, EntitySpec
from vigie.store.bulk import insert_rows, row_maker

Progress = Callable[[str, int, int], None]
CHUNK = 20_000
_SPEC_OF = attrgetter("spec")
_ID_OF = attrgetter("id")
_STATE_OF = attrgetter("state")


@dataclass(slots=True)  # a million of them in a large import: without a __dict__ each, smaller and made faster
class Record:
    spec: EntitySpec
    id: str
    state: dict[str, Any]  # JSON-ready values, what the audit log and comparisons see
    origin: RawRow
    valid: bool = True


@dataclass
class SpecPlan:
    added: list[Record] = field(default_factory=list)
    changed: list[tuple[Record, dict[str, Any]]] = field(default_factory=list)  # with the state before
    unchanged: int = 0


@dataclass
class Plan:
    specs: dict[str, SpecPlan]

    @property
    def is_noop(self) -> bool:
        return all(not p.added and not p.changed for p in self.specs.values())

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {"added": len(p.added), "changed": len(p.changed), "unchanged": p.unchanged}
            for name, p in self.specs.items()
        }


class _RowParser:
    """How one entity type's rows are parsed: the careful way, which names every problem of a row, and the
    quick way, for rows whose every value is already in canonical form.

    The quick way uses each parser's shortcut (`fields.quick`), which returns exactly the parser's result or
    None; a row it is not sure of, for any reason, is parsed the careful way, which alone writes messages. So
    a row gives the same record and the same errors either way, and clean rows take a third less time.
    """

    def __init__(self, spec: EntitySpec) -> None:
        self.spec = spec
        self.plan = [
            (fl.name, fl.parse, fl.required and not (fl.name == "id" and spec.derive_id), fl.default)
            for fl in spec.fields
        ]
        self.known = frozenset(spec.columns)
        self.expected = ", ".join(spec.columns)
        # Text longer than its column would be refused by PostgreSQL (and silently kept by SQLite): said here.
        self.limits = [
            (c.name, c.type.length)
            for c in spec.sql.columns
            if isinstance(c.type, String) and c.type.length is not None
        ]
        limit_of = dict(self.limits)
        self.defaults = {name: default for name, _parse, _required, default in self.plan}
        self.required = frozenset(name for name, _parse, required, _default in self.plan if required)
        self.shortcuts = {fl.name: fields.quick(fl.parse, limit_of.get(fl.name)) for fl in spec.fields}
        # A default too long for its column (none is) would have to be reported: such rows go the careful way.
        self.quick_ok = all(
            not isinstance(default, str) or len(default) <= limit_of.get(name, len(default))
            for name, default in self.defaults.items()
        )
        self.id_limit = limit_of.get("id")
        self.script_limit = limit_of.get("script")

    def quick(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The row's state if every value has a shortcut's answer and the row passes its checks; else None."""
        if not self.quick_ok or not data.keys() >= self.required:
            return None
        state = dict(self.defaults)
        shortcuts = self.shortcuts
        try:
            for name, value in data.items():
                parsed = shortcuts[name](value)  # KeyError: a field the entity type does not have
                if parsed is None:
                    return None
                state[name] = parsed
        except (KeyError, TypeError, ValueError):
            return None
        spec = self.spec
        for check in spec.checks:
            for _problem in check(state):
                return None
        if state["id"] is None:
            assert spec.derive_id is not None
            state["id"] = derived = spec.derive_id(state)
            if self.id_limit is not None and len(derived) > self.id_limit:
                return None
        if spec.name == "aliases" and state["script"] is None:
            state["script"] = detected = detect_script(state["name"])
            if self.script_limit is not None and detected is not None and len(detected) > self.script_limit:
                return None
        return state

    def careful(self, data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
        """The row's state and every problem with it, each with its field."""
        spec = self.spec
        problems: list[tuple[str | None, str]] = [
            (extra, f"unknown field; expected: {self.expected}") for extra in data.keys() - self.known
        ]
        state: dict[str, Any] = {}
        for name, parse, required, default in self.plan:
            value = data.get(name)
            if value is None:
                if required:
                    problems.append((name, "required, but empty"))
                state[name] = default
                continue
            try:
                state[name] = parse(value)
            except ValueError as exc:
                problems.append((name, str(exc)))
        if not problems:
            for check in spec.checks:
                problems.extend(check(state))
        if not problems and state["id"] is None:
            assert spec.derive_id is not None
            state["id"] = spec.derive_id(state)
        if not problems and spec.name == "aliases" and state["script"] is None:
            state["script"] = detect_script(state["name"])
        for name, limit in self.limits:  # a derived id included
            value = state.get(name)
            if isinstance(value, str) and len(value) > limit:
                problems.append((name, f"at most {limit} characters, got {len(value)}"))
        return state, problems


def _parse_batch(spec: EntitySpec, batch: Sequence[RawRow]) -> tuple[list[Record], list[InputError]]:
    """Parse every row of one entity type; a row with any error yields no record."""
    parser = _RowParser(spec)
    quick, careful = parser.quick, parser.careful
    records: list[Record] = []
    errors: list[InputError] = []
    first_seen: dict[str, RawRow] = {}
    for raw in batch:
        data = raw.data
        state = quick(data)
        if state is None:
            state, problems = careful(data)
            if problems:
                errors.extend(InputError(raw.file, raw.row, column, message, raw.line) for column, message in problems)
                # Keep the raw values so references are still checked and reported in the same pass.
                records.append(Record(spec, str(data.get("id", "")), dict(data), raw, valid=False))
                continue
        record_id = state["id"]
        if record_id in first_seen:
            other = first_seen[record_id]
            errors.append(
                InputError(
                    raw.file, raw.row, "id", f"{record_id!r} already given at {other.file} row {other.row}", raw.line
                )
            )
            continue
        first_seen[record_id] = raw
        records.append(Record(spec, record_id, state, raw))
    return records, errors


def validate(
    rows: Sequence[RawRow],
    existing_ids: Callable[[str, set[str]], set[str]],
    progress: Progress | None = None,
) -> list[Record]:
    """Turn raw rows into records, or raise ImportFailed listing every problem at once."""
    by_spec: dict[str, list[RawRow]] = defaultdict(list)
    for spec, run in groupby(rows, key=_SPEC_OF):  # a file's rows come together: one step per run of them
        by_spec[spec.name].extend(run)
    errors: list[InputError] = []
    records: dict[str, list[Record]] = {}
    done = 0
    for name in ORDER:
        batch = by_spec.get(name, [])
        if not batch:
            continue
        records[name], batch_errors = _parse_batch(SPECS[name], batch)
        errors.extend(batch_errors)
        done += len(batch)
        if progress:
            progress("validating", done, len(rows))
    errors.extend(_check_references(records, existing_ids))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.file, e.row or 0)))
    return [r for name in ORDER for r in records.get(name, [])]


def _check_references(
    records: dict[str, list[Record]], existing_ids: Callable[[str, set[str]], set[str]]
) -> list[InputError]:
    errors: list[InputError] = []
    targets = {target for name in records for target in SPECS[name].refs.values()}
    in_input = {name: set(map(_ID_OF, recs)) for name, recs in records.items() if name in targets}
    for name, recs in records.items():
        spec = SPECS[name]
        states = list(map(_STATE_OF, recs)) if spec.refs else []
        for column, target in spec.refs.items():
            wanted = _referenced(list(map(dict.get, states, repeat(column))))
            unresolved = wanted - in_input.get(target, set())
            found = existing_ids(target, unresolved) if unresolved else set()
            missing = unresolved - found
            if not missing:
                continue
            noun = SPECS[target].entity_type
            for rec in recs:
                value = rec.state.get(column)
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if v in missing:
                        errors.append(
                            InputError(
                                rec.origin.file,
                                rec.origin.row,
                                column,
                                f"no {noun} {v!r} in this import or in the register",
                                rec.origin.line,
                            )
                        )
    errors.extend(_check_parent_cycles(records.get("organisations", [])))
    return errors


def _referenced(values: list[Any]) -> set[str]:
    """The ids these values of a reference column name: each value an id, a list of ids, or None."""
    try:
        found: set[Any] = set(values)  # TypeError: lists among them (or other values that cannot be hashed)
    except TypeError:
        pass
    else:
        found.discard(None)
        if all(type(v) is str for v in found):
            return found
    wanted: set[str] = set()
    for value in values:
        if isinstance(value, list):
            if value:
                wanted.update(map(str, value))
        elif value is not None:
            wanted.add(str(value))
    return wanted


def _check_parent_cycles(orgs: list[Record]) -> list[InputError]:
    parent = {r.id: r.state.get("parent_id") for r in orgs}
    errors = []
    for rec in orgs:
        seen = {rec.id}
        node = parent.get(rec.id)
        while node is not None and node in parent:
            if node in seen:
                errors.append(
                    InputError(
                        rec.origin.file,
                        rec.origin.row,
                        "parent_id",
                        "organisation parents form a cycle",
                        rec.origin.line,
                    )
                )
                break
            seen.add(node)
            node = parent.get(node)
    return errors


# ---------------------------------------------------------------------------------------- planning


def state_of_row(spec: EntitySpec, row: Any) -> dict[str, Any]:
    """The JSON-ready state of a stored row, spelled exactly as a validated record is."""
    state: dict[str, Any] = {}
    for column in spec.columns:
        value = getattr(row, column)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and type(value).__name__ == "Decimal":
            value = f"{value:.2f}"
        state[column] = value
    return state


def load_states(session: Session, spec: EntitySpec, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    table = spec.sql
    columns = [table.c[c] for c in spec.columns]
    id_list = list(ids)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(id_list), 5000):
        chunk = id_list[start : start + 5000]
        for row in session.execute(select(*columns).where(table.c.id.in_(chunk))):
            found[row.id] = state_of_row(spec, row)
    return found


def _has_rows(session: Session, spec: EntitySpec) -> bool:
    """Whether the entity type's table holds anything: when it does not, there are no stored states to read."""
    table = spec.sql
    return session.execute(select(table.c.id).limit(1)).first() is not None


def plan(session: Session, records: Sequence[Record]) -> Plan:
    by_spec: dict[str, list[Record]] = defaultdict(list)
    for spec, run in groupby(records, key=_SPEC_OF):
        by_spec[spec.name].extend(run)
    plans: dict[str, SpecPlan] = {}
    for name in ORDER:
        recs = by_spec.get(name)
        if not recs:
            continue
        spec = SPECS[name]
        if not _has_rows(session, spec):  # the first import of an entity type: everything is new
            plans[name] = SpecPlan(added=list(recs))
            continue
        existing = load_states(session, spec, (r.id for r in recs))
        sp = SpecPlan()
        for rec in recs:
            before = existing.get(rec.id)
            if before is None:
                sp.added.append(rec)
                continue
            merged = {c: (rec.state[c] if c in rec.origin.given or c == "id" else before[c]) for c in spec.columns}
            rec.state = merged
            if merged == before:
                sp.unchanged += 1
            else:
                sp.changed.append((rec, before))
        plans[name] = sp
    return Plan(plans)


# ----------------------------------------------------------------------------------------- writing


def _converters(spec: EntitySpec) -> dict[str, Callable[[Any], Any]]:
    """How to turn each column's JSON spelling back into the table's Python type."""
    table = spec.sql
    out: dict[str, Callable[[Any], Any]] = {}
    for column in spec.columns:
        kind = type(table.c[column].type)
        if issubclass(kind, Date):
            out[column] = date.fromisoformat
        elif issubclass(kind, Numeric):
            out[column] = Decimal
    return out


def _db_values(spec: EntitySpec, state: dict[str, Any], conv: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    values = dict(state)
    for column, fn in conv.items():
        if values.get(column) is not None:
            values[column] = fn(values[column])
    return values


def _parents_first(adds: list[Record]) -> list[Record]:
    by_id = {r.id: r for r in adds}
    ordered: list[Record] = []
    placed: set[str] = set()

    def place(rec: Record) -> None:
        stack = [rec]
        while stack:
            top = stack[-1]
            parent = top.state.get("parent_id")
            if parent in by_id and parent not in placed and by_id[parent] not in stack:
                stack.append(by_id[parent])
                continue
            stack.pop()
            if top.id not in placed:
                placed.add(top.id)
                ordered.append(top)

    for rec in adds:
        place(rec)
    return ordered


def apply(
    session: Session,
    the_plan: Plan,
    actor: str,
    context: str | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the plan and its audit entries in the session's transaction."""
    trail = AuditTrail(session, actor, context)
    total = sum(len(p.added) + len(p.changed) for p in the_plan.specs.values())
    done = 0
    conn = session.connection()
    for name in ORDER:
        sp = the_plan.specs.get(name)
        if sp is None or not sp.added:
            continue
        spec = SPECS[name]
        adds = _parents_first(sp.added) if name == "organisations" else sp.added
        make_row = row_maker(spec.sql, spec.columns)
        for start in range(0, len(adds), CHUNK):
            chunk = adds[start : start + CHUNK]
            insert_rows(conn, spec.sql, spec.columns, [make_row(r.state) for r in chunk])
            changes = [Change("create", spec.entity_type, r.id, None, r.state) for r in chunk]
            insert_rows(conn, LOG_TABLE, LOG_COLUMNS, trail.chain(changes))
            done += len(chunk)
            if progress:
                progress("writing", done, total)
    for name in ORDER:
        sp = the_plan.specs.get(name)
        if sp is None:
            continue
        spec = SPECS[name]
        table = spec.sql
        conv = _converters(spec)
        for start in range(0, len(sp.changed), CHUNK):
            chunk_c = sp.changed[start : start + CHUNK]
            stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(c) for c in spec.columns if c != "id"})
            )
            rows = []
            for rec, _before in chunk_c:
                values = _db_values(spec, rec.state, conv)
                values["_id"] = values.pop("id")
                rows.append(values)
            session.execute(stmt, rows)
            changes = [Change("update", spec.entity_type, r.id, before, r.state) for r, before in chunk_c]
            insert_rows(session.connection(), LOG_TABLE, LOG_COLUMNS, trail.chain(changes))
            done += len(chunk_c)
            if progress:
                progress("writing", done, total)
    trail.save_head()

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
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Date, Numeric, bindparam, insert, select, update
from sqlalchemy.orm import Session

from vigie.audit.trail import AuditTrail, Change
from vigie.register.errors import ImportFailed, InputError
from vigie.register.files import RawRow
from vigie.register.scripts import detect_script
from vigie.register.specs import ORDER, SPECS, EntitySpec

Progress = Callable[[str, int, int], None]
CHUNK = 20_000


@dataclass
class Record:
    spec: EntitySpec
    id: str
    state: dict[str, Any]  # JSON-ready values, what the audit log and comparisons see
    origin: RawRow


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


def _adapter(spec: EntitySpec) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[spec.model])  # type: ignore[name-defined]


_ADAPTERS: dict[str, TypeAdapter[list[Any]]] = {}


def _field_of(message: str) -> tuple[str | None, str]:
    """Model-level checks prefix their message with the field they blame ("end_date: ...")."""
    text = message.removeprefix("Value error, ")
    head, sep, rest = text.partition(": ")
    if sep and head.isidentifier():
        return head, rest
    return None, text


def _errors_from(exc: ValidationError, rows: Sequence[RawRow]) -> list[InputError]:
    out: list[InputError] = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        raw = rows[index] if index is not None else None
        column = str(loc[1]) if len(loc) > 1 else None
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown field; expected: {', '.join(raw.spec.columns) if raw else ''}"
        elif column is None:
            column, message = _field_of(message)
        else:
            message = message.removeprefix("Value error, ")
            if "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {err['input']!r})"
        out.append(
            InputError(raw.file if raw else "?", raw.row if raw else None, column, message, raw.line if raw else None)
        )
    return out


def validate(
    rows: Sequence[RawRow],
    existing_ids: Callable[[str, set[str]], set[str]],
    progress: Progress | None = None,
) -> list[Record]:
    """Turn raw rows into records, or raise ImportFailed listing every problem at once."""
    by_spec: dict[str, list[RawRow]] = defaultdict(list)
    for raw in rows:
        by_spec[raw.spec.name].append(raw)
    errors: list[InputError] = []
    records: dict[str, list[Record]] = {}
    done = 0
    for name in ORDER:
        batch = by_spec.get(name, [])
        if not batch:
            continue
        spec = SPECS[name]
        adapter = _ADAPTERS.setdefault(name, _adapter(spec))
        try:
            models = adapter.validate_python([r.data for r in batch])
        except ValidationError as exc:
            errors.extend(_errors_from(exc, batch))
            # Keep checking references on the raw values, so every error is reported in one pass.
            records[name] = [Record(spec, str(r.data.get("id", "")), dict(r.data), r) for r in batch]
            done += len(batch)
            continue
        out: list[Record] = []
        first_seen: dict[str, RawRow] = {}
        for raw, model in zip(batch, models, strict=True):
            state = model.model_dump(mode="json")
            if state.get("id") is None:
                assert spec.derive_id is not None
                state["id"] = spec.derive_id(state)
            if name == "aliases" and state.get("script") is None:
                state["script"] = detect_script(state["name"])
            record_id = state["id"]
            if record_id in first_seen:
                other = first_seen[record_id]
                errors.append(
                    InputError(
                        raw.file,
                        raw.row,
                        "id",
                        f"{record_id!r} already given at {other.file} row {other.row}",
                        raw.line,
                    )
                )
                continue
            first_seen[record_id] = raw
            out.append(Record(spec, record_id, state, raw))
        records[name] = out
        done += len(batch)
        if progress:
            progress("validating", done, len(rows))
    errors.extend(_check_references(records, existing_ids))
    if errors:
        raise ImportFailed(errors)
    return [r for name in ORDER for r in records.get(name, [])]


def _check_references(
    records: dict[str, list[Record]], existing_ids: Callable[[str, set[str]], set[str]]
) -> list[InputError]:
    errors: list[InputError] = []
    in_input = {name: {r.id for r in recs} for name, recs in records.items()}
    for name, recs in records.items():
        spec = SPECS[name]
        for column, target in spec.refs.items():
            wanted: set[str] = set()
            for rec in recs:
                value = rec.state.get(column)
                if isinstance(value, list):
                    wanted.update(str(v) for v in value)
                elif value is not None:
                    wanted.add(str(value))
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


def plan(session: Session, records: Sequence[Record]) -> Plan:
    by_spec: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        by_spec[rec.spec.name].append(rec)
    plans: dict[str, SpecPlan] = {}
    for name in ORDER:
        recs = by_spec.get(name)
        if not recs:
            continue
        spec = SPECS[name]
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
    for name in ORDER:
        sp = the_plan.specs.get(name)
        if sp is None:
            continue
        spec = SPECS[name]
        table = spec.sql
        conv = _converters(spec)
        adds = _parents_first(sp.added) if name == "organisations" else sp.added
        for start in range(0, len(adds), CHUNK):
            chunk = adds[start : start + CHUNK]
            session.execute(insert(table), [_db_values(spec, r.state, conv) for r in chunk])
            trail.record_many([Change("create", spec.entity_type, r.id, None, r.state) for r in chunk])
            done += len(chunk)
            if progress:
                progress(f"writing {name}", done, total)
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
            trail.record_many([Change("update", spec.entity_type, r.id, before, r.state) for r, before in chunk_c])
            done += len(chunk_c)
            if progress:
                progress(f"writing {name}", done, total)

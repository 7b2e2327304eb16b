"""`vigie demo`: a fresh SQLite file holding an illustrative book of business, built step by step.

Each pipeline stage adds its own step to `STEPS`, so the demo grows with vigie and always runs the
same service functions a user would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from vigie.register import files
from vigie.register.service import import_rows
from vigie.store.engine import make_engine, session_scope
from vigie.store.migrate import upgrade

DATA = Path(__file__).with_name("data")
TERRITORIES = Path(__file__).resolve().parents[1] / "register" / "data" / "territories.json"
DEMO_ACTOR = "demo"


@dataclass
class DemoContext:
    engine: Engine
    console: Console
    path: Path
    notes: list[str] = field(default_factory=list)


def load_register(ctx: DemoContext) -> None:
    """The territories vigie ships, then the demo provider's customers, services and subscriptions."""
    rows = files.read_paths([TERRITORIES, DATA / "register.json"])
    with session_scope(ctx.engine) as session:
        _plan, report = import_rows(session, rows, DEMO_ACTOR, "demo: load register")
    added = {name: c["added"] for name, c in report.counts.items()}
    ctx.console.print(
        "Register loaded: " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in added.items()),
        highlight=False,
    )


STEPS: list[Callable[[DemoContext], None]] = [load_register]


def build(path: Path, console: Console) -> DemoContext:
    """Start from an empty file every time, so the demo is reproducible."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ctx = DemoContext(engine, console, path)
    for step in STEPS:
        step(ctx)
    return ctx

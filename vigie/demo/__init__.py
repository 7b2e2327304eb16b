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

from vigie.demo.investigation import Companions, Story, investigate
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
    story: Story | None = None  # what the investigation step left: users, case, decision, orders


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


DEMO_PROVIDER = "Cumulo Cloud"


def ingest_documents(ctx: DemoContext) -> None:
    """Documents written for the demo, modelled on the public case and citing its sources."""
    from vigie.evidence.service import ingest

    report = ingest(ctx.engine, [DATA / "documents"], DEMO_ACTOR)
    claims = sum(1 for _ in _claims(ctx))
    ctx.console.print(
        f"Evidence ingested: {len(report.added)} documents, {claims} claims, "
        f"{len(report.organisations)} register organisations named.",
        highlight=False,
    )


def _claims(ctx: DemoContext) -> list[object]:
    from vigie.evidence.service import claim_views

    with session_scope(ctx.engine) as session:
        return [r.id for r, _ in claim_views(session)]


# The demo tells the story as it stood in early October 2025; assessing "as of" that date keeps its
# ranking the same whatever day the demo runs (recency weighs evidence by its age).
DEMO_AS_OF = "2025-10-01"


def assess_risk(ctx: DemoContext) -> None:
    """Every relationship assessed under the default policy, as of the scenario's date."""
    from datetime import date

    from vigie.risk.evidence_source import claims_from_evidence
    from vigie.risk.policy import default_policy
    from vigie.risk.service import reassess

    with session_scope(ctx.engine) as session:
        report = reassess(
            session, default_policy(), claims_from_evidence, DEMO_ACTOR, "demo: first assessment",
            date.fromisoformat(DEMO_AS_OF),
            provider_names=(DEMO_PROVIDER,),
        )  # fmt: skip
    ctx.console.print(f"Risk assessed: {report.assessed} relationships, as of {DEMO_AS_OF}.", highlight=False)


def investigate_and_enforce(ctx: DemoContext) -> None:
    """Fictional users open a case on the top relationship, decide to suspend, and see it enforced."""
    ctx.story = investigate(ctx.engine, ctx.path, lambda line: ctx.console.print(line, highlight=False))


STEPS: list[Callable[[DemoContext], None]] = [load_register, ingest_documents, assess_risk, investigate_and_enforce]


def build(path: Path, console: Console) -> DemoContext:
    """Start from an empty file every time, so the demo is reproducible."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Companions.of(path).remove()
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ctx = DemoContext(engine, console, path)
    for step in STEPS:
        step(ctx)
    return ctx

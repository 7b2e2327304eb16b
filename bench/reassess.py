"""Speed of risk assessment over a large register, in full and after one new document.

    python bench/reassess.py [--subscriptions 1000000] [--database-url URL] [--keep DIR]

Builds a register of N subscriptions (default 1,000,000) over N/20 organisations (50,000 for a
million): about 2% are security-sector bodies — ministries of defence, armed forces, intelligence
directorates and their military and intelligence units, in conflict-affected or occupied
territories such as IL / gaza-strip / west-bank, UA or SD — and the rest civilian customers, over
eight services. The tables are filled straight with `vigie.store.bulk.insert_rows`: the register
import path (validation, planning, audit) is benchmarked on its own by bench/register_import.py.

Then:

1. a full assessment of every subscription through `vigie.risk.service.reassess`, the function
   `vigie risk assess` calls (every relationship gets its first version), timed, in subscriptions/s;
2. a second full re-assessment with nothing changed (inputs digests only), timed the same way;
3. one new English document, written by the bench, alleging that one named military unit used the
   provider's cloud storage for mass surveillance, ingested the way `vigie ingest` does it
   (`vigie.evidence.service.ingest`, then `Reassessor.run` from vigie/risk/incremental.py, which
   re-assesses only the relationships of the organisations the document names, with their parents
   and units). Ingest and the incremental re-assessment are timed separately; the goal is < 1 s
   for the incremental re-assessment, and the bench also compares ingest and re-assessment
   together with it.

The database is a fresh SQLite file in a temporary folder unless --database-url names another
(it must be empty or new: the bench migrates it and refuses one that already has subscriptions).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, Table, func, select  # noqa: E402

from vigie.demo import TERRITORIES  # noqa: E402
from vigie.register.service import import_files  # noqa: E402
from vigie.register.tables import Organisation, Service, Subscription  # noqa: E402
from vigie.risk import service as risk_service  # noqa: E402
from vigie.risk.evidence_source import claims_from_evidence  # noqa: E402
from vigie.risk.policy import default_policy  # noqa: E402
from vigie.risk.tables import AssessmentRecord  # noqa: E402
from vigie.store.bulk import insert_rows, paused_gc  # noqa: E402
from vigie.store.engine import make_engine, session_scope  # noqa: E402
from vigie.store.migrate import upgrade  # noqa: E402

ACTOR = "bench"
PROVIDER = "Nimbus Cloud"
GOAL_SECONDS = 1.0

# Security-sector hierarchies: country, country name, territories of use.
CONFLICT = (
    ("IL", "Israel", ["IL", "gaza-strip", "west-bank"]),
    ("UA", "Ukraine", ["UA"]),
    ("SD", "Sudan", ["SD"]),
    ("MM", "Myanmar", ["MM"]),
    ("SY", "Syria", ["SY"]),
    ("YE", "Yemen", ["YE"]),
    ("CD", "DR Congo", ["CD"]),
)
CIVILIAN_KINDS = ("company", "company", "company", "healthcare", "academic", "ngo", "other-public-body", "ministry")
CIVILIAN_COUNTRIES = ("FR", "DE", "IE", "NL", "US", "IL", "UA")
WORDS = (
    "Harbour", "Meridian", "Cobalt", "Lantern", "Orchard", "Granite", "Willow", "Beacon", "Summit", "Tidewater",
    "Juniper", "Northgate", "Saffron", "Riverside", "Ironwood", "Halcyon",
)  # fmt: skip
TRADES = ("Logistics", "Clinics", "Analytics", "Foods", "Energy", "Insurance", "Textiles", "Media", "Transit", "Labs")
SERVICES = (
    ("svc-storage", "Nimbus Object Storage", ["storage"]),
    ("svc-compute", "Nimbus Compute", ["compute"]),
    ("svc-ai", "Nimbus AI Studio", ["ai-model", "analytics"]),
    ("svc-translate", "Nimbus Translate", ["translation"]),
    ("svc-speech", "Nimbus Speech", ["speech-to-text"]),
    ("svc-workplace", "Nimbus Workplace", ["communications", "productivity"]),
    ("svc-network", "Nimbus Private Network", ["networking"]),
    ("svc-security", "Nimbus Shield", ["security"]),
)
ORG_COLUMNS = ("id", "name", "kind", "country", "parent_id", "identifiers", "description", "source", "fictional")
SUB_COLUMNS = (
    "id", "customer_id", "service_id", "end_user_id", "region", "datacentre_country", "use_territories", "start_date",
    "status", "declared_end_use", "value", "currency", "source", "fictional",
)  # fmt: skip


def organisations(count: int, rng: random.Random) -> tuple[list[tuple[Any, ...]], dict[str, list[str]], str, str]:
    """Organisation rows, parents first; the territories of use per organisation; the named unit's id and name."""
    rows: list[tuple[Any, ...]] = []
    territories: dict[str, list[str]] = {}
    security = max(len(CONFLICT) * 6, count // 50)
    per_country = security // len(CONFLICT)
    target = ("", "")
    unit_no = 1000
    for country, country_name, places in CONFLICT:
        mod, army, intel = (f"org-{country.lower()}-{k}" for k in ("mod", "army", "intel"))
        for oid, name, kind, parent in (
            (mod, f"{country_name} Ministry of Defence (bench)", "ministry", None),
            (army, f"{country_name} Armed Forces (bench)", "armed-forces", mod),
            (intel, f"{country_name} Military Intelligence Directorate (bench)", "intelligence-agency", army),
            (f"org-{country.lower()}-police", f"{country_name} National Police (bench)", "police", None),
        ):
            rows.append((oid, name, kind, country, parent, "{}", None, "bench", True))
            territories[oid] = places
        for k in range(per_country - 4):
            unit_no += 1
            oid = f"org-{country.lower()}-unit-{unit_no}"
            kind, parent = ("intelligence-agency", intel) if k % 3 == 0 else ("military-unit", army if k % 2 else intel)
            name = f"Signals Unit {unit_no}" if kind == "military-unit" else f"Cyber Directorate {unit_no}"
            rows.append((oid, name, kind, country, parent, "{}", None, "bench", True))
            territories[oid] = places
            if country == "IL" and kind == "military-unit" and not target[0]:
                target = (oid, name)
    for i in range(count - len(rows)):
        oid = f"org-{i:07d}"
        country = CIVILIAN_COUNTRIES[i % len(CIVILIAN_COUNTRIES)]
        name = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {i}"
        rows.append((oid, name, CIVILIAN_KINDS[i % len(CIVILIAN_KINDS)], country, None, "{}", None, "bench", True))
        territories[oid] = [country]
    return rows, territories, target[0], target[1]


def subscriptions(
    count: int, orgs: list[tuple[Any, ...]], territories: dict[str, list[str]], target: str, rng: random.Random
) -> list[tuple[Any, ...]]:
    """Subscriptions spread over every organisation; a security body's unit is sometimes the end user.

    Every organisation has at least one; the unit the document names holds a storage subscription.
    """
    ids = [o[0] for o in orgs]
    parents = {o[0]: o[4] for o in orgs}
    places_json = {oid: json.dumps(places) for oid, places in territories.items()}
    statuses = ("active", "active", "active", "active", "suspended", "terminated")
    rows: list[tuple[Any, ...]] = []
    for i in range(count):
        org = ids[i % len(ids)] if i < len(ids) else ids[rng.randrange(len(ids))]
        customer, end_user = org, None
        if parents[org] and i % 4 == 0 and org != target:
            customer, end_user = parents[org], org  # bought by the parent, used by the unit
        svc = "svc-storage" if org == target and i < len(ids) else SERVICES[rng.randrange(len(SERVICES))][0]
        rows.append(
            (
                f"sub-{i:08d}", customer, svc, end_user, "eu-west", "NL", places_json[org],
                f"20{rng.randrange(15, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                statuses[i % len(statuses)], f"workload {i % 97}", f"{rng.randrange(100, 10_000_000) / 100:.2f}",
                "EUR", "bench", True,
            )
        )  # fmt: skip
    return rows


def build_register(engine: Engine, n: int, seed: int = 11) -> tuple[str, str]:
    rng = random.Random(seed)
    org_rows, territories, target_id, target_name = organisations(max(200, n // 20), rng)
    sub_rows = subscriptions(n, org_rows, territories, target_id, rng)
    import_files(engine, [TERRITORIES], ACTOR)  # 15 territories and their flags, through the real import
    with paused_gc(), session_scope(engine) as session:
        conn = session.connection()
        insert_rows(conn, cast(Table, Organisation.__table__), ORG_COLUMNS, org_rows)
        insert_rows(
            conn,
            cast(Table, Service.__table__),
            ("id", "name", "provider", "capabilities", "description", "source", "fictional"),
            [(sid, name, PROVIDER, json.dumps(caps), None, "bench", True) for sid, name, caps in SERVICES],
        )
        table = cast(Table, Subscription.__table__)
        for start in range(0, len(sub_rows), 100_000):
            insert_rows(conn, table, SUB_COLUMNS, sub_rows[start : start + 100_000])
    print(f"register: {len(org_rows):,} organisations, {len(SERVICES)} services, {n:,} subscriptions", flush=True)
    return target_id, target_name


def write_document(folder: Path, unit_name: str) -> Path:
    path = folder / "bench-herald-surveillance.md"
    path.write_text(
        f"""---
title: "{unit_name} ran mass surveillance from {PROVIDER}'s storage, documents show"
publisher: The Bench Herald (fictional)
kind: media
date: {date.today().isoformat()}
language: en
---
# {unit_name} ran mass surveillance from {PROVIDER}'s storage, documents show

An investigation by The Bench Herald has revealed that {unit_name}, an Israeli military intelligence unit, \
used Nimbus Object Storage to store millions of intercepted phone calls of Palestinians in Gaza, in a programme \
of mass surveillance of the civilian population.

{PROVIDER} did not answer questions before publication.

*This article is fictional, written by vigie's benchmark.*
""",
        encoding="utf-8",
    )
    return path


def timed(label: str, action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"{label:<34}: {elapsed:9.3f} s", flush=True)
    return result, elapsed


def rate(report: risk_service.ReassessReport, seconds: float) -> None:
    per_second = report.assessed / seconds
    print(f"  {report.assessed:,} assessed, {report.changed:,} stored: {per_second:,.0f} subscriptions/s")


def full(engine: Engine, reason: str) -> risk_service.ReassessReport:
    with session_scope(engine) as session:
        return risk_service.reassess(
            session, default_policy(), claims_from_evidence, ACTOR, reason, date.today(), provider_names=(PROVIDER,)
        )


def configure(url: str, folder: Path) -> None:
    """What `vigie ingest` (and `vigie serve`) read from the configuration: the database, the acting user and
    the provider's own name, with no vigie.toml from the working directory or VIGIE_CONFIG."""
    os.environ["VIGIE_DATABASE_URL"] = url
    os.environ["VIGIE_USER"] = ACTOR
    os.environ["VIGIE_PROVIDER"] = PROVIDER
    os.environ.pop("VIGIE_POLICY", None)
    config = folder / "empty-vigie.toml"
    config.write_text("", encoding="utf-8")
    os.environ["VIGIE_CONFIG"] = str(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the temporary folder")
    parser.add_argument("--keep", type=Path, help="keep the database and the document in this folder (else deleted)")
    parser.add_argument("--no-second-pass", action="store_true", help="skip the unchanged full re-assessment")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vigie-bench-risk-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url is None:
        db = folder / "vigie.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    configure(url, folder)
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        if session.scalar(select(func.count()).select_from(Subscription)):
            sys.exit(f"{engine.url.render_as_string(hide_password=True)} already holds subscriptions")
    n = args.subscriptions
    print(f"building {n:,} subscriptions in {engine.url.render_as_string(hide_password=True)} …", flush=True)
    target_id, target_name = build_register(engine, n)

    rate(*timed("full assessment (first versions)", lambda: full(engine, "bench: first assessment")))
    if not args.no_second_pass:
        rate(*timed("full re-assessment (no change)", lambda: full(engine, "bench: re-assessment")))

    # One new document naming one customer, ingested as `vigie ingest` does it.
    from vigie.commands.risk import reassessor
    from vigie.evidence.service import ingest
    from vigie.risk.incremental import Touched

    doc = write_document(folder, target_name)
    ingested, ingest_s = timed("ingest one document", lambda: ingest(engine, [doc], ACTOR, None, False, True))
    if not ingested.added:
        sys.exit(f"the document was not ingested: {ingested.failed}")
    print(f"  names {sorted(ingested.organisations)} (expected {target_id}, {target_name!r})")
    reason = f"evidence: {len(ingested.added)} new document(s)"  # as `vigie ingest` words it

    def incremental() -> risk_service.ReassessReport | None:
        # What `vigie ingest` does once the documents are stored (vigie.risk.incremental.ingest),
        # the policy file read as the command reads it.
        with session_scope(engine) as session:
            return reassessor().run(session, Touched(claim_orgs=set(ingested.organisations)), reason)

    report, incremental_s = timed("incremental re-assessment", incremental)
    assessed, changed = (report.assessed, report.changed) if report else (0, 0)
    with session_scope(engine) as session:
        top = session.execute(
            select(AssessmentRecord.subscription_id, AssessmentRecord.org_id, AssessmentRecord.priority)
            .where(AssessmentRecord.current.is_(True))
            .order_by(AssessmentRecord.priority.desc())
            .limit(1)
        ).first()
    print(f"  {assessed} relationship(s) re-assessed, {changed} new version(s), in {incremental_s:.3f} s")
    if top is not None:
        print(f"  highest priority now: {top[0]} ({top[1]}), {top[2]:.2f}")
    for label, seconds in (
        ("incremental re-assessment", incremental_s),
        ("ingest + incremental re-assessment", ingest_s + incremental_s),
    ):
        met = "met" if seconds < GOAL_SECONDS else "NOT met"
        print(
            f"goal < {GOAL_SECONDS:g} s, {label} with {n:,} subscriptions: {seconds:.3f} s, "
            f"{seconds / GOAL_SECONDS:.2f} x the goal: {met}"
        )
    engine.dispose()
    if args.keep:
        print(f"database and document kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

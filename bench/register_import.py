"""Import speed of the register against a bare `executemany` of the same rows.

    python bench/register_import.py [--subscriptions 1000000] [--keep DIR]

Generates a register (organisations, services and N subscriptions) as CSV files, runs
`vigie register import` on them in a fresh SQLite database (validation, planning, writing and the
audit entries included), then inserts the same subscription rows with a bare `executemany` into an
empty copy of the same schema, and prints rows/s for both and their ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vigie.store.engine import make_engine  # noqa: E402
from vigie.store.migrate import upgrade  # noqa: E402

COLUMNS = (
    "id",
    "customer_id",
    "service_id",
    "region",
    "datacentre_country",
    "start_date",
    "status",
    "declared_end_use",
    "value",
    "currency",
)


def generate(folder: Path, subscriptions: int, seed: int = 7) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    orgs = max(10, subscriptions // 20)
    with (folder / "organisations.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("id", "name", "kind", "country"))
        kinds = ("company", "ministry", "police", "academic", "healthcare")
        countries = ("FR", "DE", "IE", "US", "IL", "UA", "BR", "JP", "IN", "NG")
        for i in range(orgs):
            w.writerow((f"org-{i:07d}", f"Customer {i}", kinds[i % 5], countries[i % 10]))
    with (folder / "services.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("id", "name", "provider", "capabilities"))
        caps = ("storage", "compute", "ai-model", "translation", "analytics")
        for i in range(50):
            w.writerow((f"svc-{i:03d}", f"Service {i}", "Bench Cloud", caps[i % 5]))
    rows = []
    regions = ("eu-west", "eu-north", "us-east", "il-central", "ap-south")
    statuses = ("active", "active", "active", "suspended", "terminated")
    for i in range(subscriptions):
        rows.append(
            (
                f"sub-{i:08d}",
                f"org-{rng.randrange(orgs):07d}",
                f"svc-{rng.randrange(50):03d}",
                regions[i % 5],
                ("NL", "IE", "US", "IL", "IN")[i % 5],
                f"20{rng.randrange(15, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                statuses[i % 5],
                f"workload {i % 97}",
                f"{rng.randrange(100, 10_000_000) / 100:.2f}",
                "EUR",
            )
        )
    with (folder / "subscriptions.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return rows


def bare_executemany(db: Path, rows: list[tuple[str, ...]]) -> float:
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    sql = (
        "INSERT INTO subscriptions (id, customer_id, service_id, region, datacentre_country, start_date, status, "
        "declared_end_use, value, currency, use_territories, fictional) VALUES (?,?,?,?,?,?,?,?,?,?,'[]',0)"
    )
    start = time.perf_counter()
    with conn:
        conn.executemany(sql, rows)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the generated files and databases in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vigie-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.subscriptions:,} subscriptions in {folder} …", flush=True)
    rows = generate(folder, args.subscriptions)

    db = folder / "vigie.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "VIGIE_DATABASE_URL": f"sqlite:///{db}", "VIGIE_USER": "bench"}
    vigie = [sys.executable, "-m", "vigie.cli"]
    subprocess.run([*vigie, "init"], env=env, check=True, capture_output=True, cwd=ROOT)
    paths = [str(folder / f) for f in ("organisations.csv", "services.csv", "subscriptions.csv")]
    start = time.perf_counter()
    subprocess.run([*vigie, "register", "import", *paths, "--json"], env=env, check=True, capture_output=True, cwd=ROOT)
    vigie_s = time.perf_counter() - start

    bare_db = folder / "bare.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bare_db}{suffix}").unlink(missing_ok=True)
    bare_s = bare_executemany(bare_db, rows)

    n = args.subscriptions
    print(
        f"vigie register import : {vigie_s:8.2f} s  {n / vigie_s:12,.0f} rows/s"
        "  (whole command: parse, validate, plan, write, audit)"
    )
    print(f"bare executemany      : {bare_s:8.2f} s  {n / bare_s:12,.0f} rows/s  (subscriptions only, no checks)")
    print(f"ratio (vigie / bare)  : {bare_s / vigie_s:8.3f}   goal ≥ 0.25; goal for the import: < 60 s")


if __name__ == "__main__":
    main()

"""Small builders shared by tests: register files written the way a user would write them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

ORGS_HEADER = ("id", "name", "kind", "country", "parent_id")
SERVICES_HEADER = ("id", "name", "provider", "capabilities")
SUBS_HEADER = ("id", "customer_id", "service_id", "start_date", "status", "value", "currency")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def small_register(folder: Path, subscriptions: int = 3) -> list[Path]:
    """A ministry with a unit, two services, and `subscriptions` subscriptions spread over them."""
    orgs = write_csv(
        folder / "organisations.csv",
        ORGS_HEADER,
        [
            ("org-min", "Ministère de la Défense (test)", "ministry", "FR", ""),
            ("org-unit", "Unité 42 (test)", "military-unit", "FR", "org-min"),
            ("org-shop", "Shop (test)", "company", "DE", ""),
        ],
    )
    services = write_csv(
        folder / "services.csv",
        SERVICES_HEADER,
        [("svc-store", "Store", "Test Cloud", "storage"), ("svc-ai", "AI", "Test Cloud", "ai-model;analytics")],
    )
    customers = ["org-min", "org-unit", "org-shop"]
    subs = write_csv(
        folder / "subscriptions.csv",
        SUBS_HEADER,
        [
            (
                f"sub-{i:05d}",
                customers[i % 3],
                "svc-store" if i % 2 else "svc-ai",
                "2024-01-01",
                "active",
                f"{i}.50",
                "EUR",
            )
            for i in range(subscriptions)
        ],
    )
    return [orgs, services, subs]

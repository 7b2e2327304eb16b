"""The web application's settings, in one module (as yente does): read once when the app is built.

They extend vigie's own settings (`vigie.settings`: database, keys, enforcement) with what only a
web server needs: the key that signs session cookies, how long a session lasts, and page sizes.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from vigie.settings import Settings, load_settings

# The largest page any list route returns: a client that wants everything pages through it, so that
# no single request can make the server read a million rows into memory.
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
SESSION_COOKIE = "vigie_session"

# Connections each of a worker's two engines (vigie.web.units.Engines) keeps: one per request it runs at once
# (`threads`) and one for the forms handled on the event loop, so that none is closed when returned and opened
# again for the next request (with SQLAlchemy's default of 5 and 40 threads, one request in five paid for a new
# PostgreSQL connection, bench/api_load.py). A few more may open at a peak; a server with W workers and T
# threads holds at most W × 2 × (T + 1 + DB_POOL_OVERFLOW): 40 with the defaults and 2 workers, under
# PostgreSQL's default limit of 100.
DB_POOL_OVERFLOW = 5


def pool_size(threads: int) -> int:
    return threads + 1


# Requests each worker process runs at once (the rest wait their turn, first come first served). Every route
# is synchronous, so each runs on a thread and they share one interpreter lock: 40 at once (anyio's default)
# made a worker switch between half-finished requests, and at 20 clients some waited 5 to 10 times as long as
# the median; 4 keeps the database busy while one thread waits for it (bench/api_load.py, docs/performance.md).
DEFAULT_THREADS = 4


@dataclass(frozen=True)
class WebSettings:
    base: Settings
    # Signs the session cookie (itsdangerous). VIGIE_WEB_SECRET keeps sessions valid across restarts and
    # between workers; without it a random key is made per process, so every restart signs everyone out.
    secret_key: str = field(repr=False, default_factory=lambda: secrets.token_urlsafe(32))
    session_hours: float = 8.0
    threads: int = DEFAULT_THREADS

    @property
    def database_url(self) -> str:
        return self.base.database_url


def load_web_settings(base: Settings | None = None) -> WebSettings:
    """`VIGIE_WEB_SECRET`, `VIGIE_WEB_SESSION_HOURS` and `VIGIE_WEB_THREADS` over the defaults; errors name the
    variable."""
    base = base or load_settings()
    secret = os.environ.get("VIGIE_WEB_SECRET") or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ValueError("VIGIE_WEB_SECRET: at least 16 characters, so that session cookies cannot be forged")
    hours_text = os.environ.get("VIGIE_WEB_SESSION_HOURS", "8")
    try:
        hours = float(hours_text)
    except ValueError:
        hours = -1.0
    if not hours > 0:
        raise ValueError(f"VIGIE_WEB_SESSION_HOURS: a positive number of hours, got {hours_text!r}")
    threads_text = os.environ.get("VIGIE_WEB_THREADS", str(DEFAULT_THREADS))
    if not threads_text.strip().isdigit() or not 1 <= int(threads_text) <= 256:
        raise ValueError(f"VIGIE_WEB_THREADS: a whole number of requests from 1 to 256, got {threads_text!r}")
    return WebSettings(base=base, secret_key=secret, session_hours=hours, threads=int(threads_text))

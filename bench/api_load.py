"""Latency of the API and of the relationship page, with 1,000,000 subscriptions in PostgreSQL, at 20 clients.

    .venv/bin/python bench/api_load.py [--subscriptions 1000000] [--clients 20] [--seconds 15] [--workers 2]
                                       [--threads N] [--database-url URL] [--rebuild]

The database (default `vigie_bench` on the local PostgreSQL, created if missing) holds the register of
bench/reassess.py — N subscriptions over N/20 organisations, 2% of them security-sector bodies in
conflict-affected or occupied territories — every relationship assessed once through
`vigie.risk.service.reassess`, and one news-like document naming one military unit, ingested and
re-assessed as `vigie ingest` does it, so that the top relationships carry evidence and citations.
Building it takes minutes, so a database that already holds exactly this register (N subscriptions,
each with a current assessment, and the bench's users) is kept and reused; `--rebuild` drops and
builds it again. After building, the tables are vacuumed and analysed, as autovacuum would do.

Then the web application runs under uvicorn (the app `vigie serve` runs, from its factory, with
several worker processes) on 127.0.0.1, and 20 clients, each one keep-alive connection sending its
next request as soon as the previous answer arrives, drive one endpoint at a time for --seconds:

- the risk list (`GET /api/v1/risk/assessments`): the first page, then a page filtered on band and
  heightened diligence at a random offset among its first 20 pages, highest priority first;
- one relationship's assessment as the API explains it (`GET /api/v1/risk/assessments/{id}`), for a
  random relationship among the 100 highest in priority, then among all of them;
- the HTML relationship page (`GET /relationships/{id}`), signed in through the /login form, for the
  same two choices.

It prints p50, p95, p99 and the worst latency, and the throughput, per endpoint; the goal is p99 under
100 ms. Clients and server share the machine's cores, so the client is deliberately cheap: a few
dozen lines of asyncio speaking HTTP/1.1, with no HTTP library in the timed path; its own CPU time per
request is printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from reassess import ACTOR, build_register, configure, full, timed, write_document  # noqa: E402
from sqlalchemy import Engine, create_engine, func, make_url, select, text  # noqa: E402

from vigie.access import service as access  # noqa: E402
from vigie.access.tables import User  # noqa: E402
from vigie.register.tables import Subscription  # noqa: E402
from vigie.risk.tables import AssessmentRecord  # noqa: E402
from vigie.store.engine import make_engine, normalise_url, session_scope  # noqa: E402
from vigie.store.migrate import upgrade  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/vigie_bench"
GOAL_MS = 100.0
ADMIN, ANALYST = "bench-admin", "bench-analyst"
PASSWORD = "bench-only-password"  # a fictional user of a throwaway database on this machine
PAGE = 50
TOP = 100
FILTERED_PAGES = 20


# ------------------------------------------------------------------------------------------ the database


def ensure_database(url: str, rebuild: bool) -> None:
    """Create the PostgreSQL database if missing; with --rebuild, drop it first."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        sys.exit(f"--database-url: a PostgreSQL database, not {parsed.get_backend_name()!r}")
    name = parsed.database or ""
    if name in ("", "postgres", "test", "template0", "template1"):
        sys.exit(f"--database-url: use a database of the bench's own, not {name!r}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None
        if exists and rebuild:
            print(f"dropping database {name} (--rebuild)", flush=True)
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def held(engine: Engine) -> tuple[int, int, bool]:
    """Subscriptions, current assessments, and whether the bench's analyst exists."""
    with session_scope(engine) as session:
        subs = int(session.scalar(select(func.count()).select_from(Subscription)) or 0)
        current = AssessmentRecord.current.is_(True)
        assessed = int(session.scalar(select(func.count()).select_from(AssessmentRecord).where(current)) or 0)
        analyst = session.scalar(select(User.id).where(User.name == ANALYST)) is not None
    return subs, assessed, analyst


def build(engine: Engine, n: int, folder: Path) -> None:
    """The register of bench/reassess.py, assessed, one document ingested and re-assessed, and two users."""
    from vigie.commands.risk import reassessor
    from vigie.evidence.service import ingest
    from vigie.risk.incremental import Touched

    print(f"building {n:,} subscriptions (minutes; kept for the next runs) …", flush=True)
    _target_id, target_name = build_register(engine, n)
    timed("full assessment (first versions)", lambda: full(engine, "bench: first assessment"))
    doc = write_document(folder, target_name)
    ingested = ingest(engine, [doc], ACTOR, None, False, True)
    if not ingested.added:
        sys.exit(f"the bench document was not ingested: {ingested.failed}")
    with session_scope(engine) as session:
        report = reassessor().run(session, Touched(claim_orgs=set(ingested.organisations)), "evidence: bench document")
    print(f"one document naming {target_name!r}: {report.changed if report else 0} relationship(s) re-assessed")
    with session_scope(engine) as session:
        access.add_user(session, None, ADMIN, ["admin"], PASSWORD)
        admin = access.actor_of(access.get_user(session, ADMIN))
        access.add_user(session, admin, ANALYST, ["analyst"], PASSWORD)
    # What autovacuum does after a bulk load, done now: planner statistics and the visibility map.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        timed("vacuum analyze", lambda: conn.exec_driver_sql("VACUUM ANALYZE"))


def prepare(url: str, n: int, rebuild: bool, folder: Path) -> Engine:
    ensure_database(url, rebuild)
    engine = make_engine(url)
    upgrade(engine)
    subs, assessed, analyst = held(engine)
    if subs == 0:
        build(engine, n, folder)
    elif (subs, assessed, analyst) != (n, n, True):
        engine.dispose()
        sys.exit(
            f"{engine.url.render_as_string(hide_password=True)} holds {subs:,} subscriptions and {assessed:,} current "
            f"assessments, not the bench's {n:,} of each: run with --rebuild to build it again"
        )
    else:
        print(f"reusing {n:,} assessed subscriptions (--rebuild builds them again)", flush=True)
    return engine


def targets(engine: Engine) -> tuple[list[str], list[str], str]:
    """The top relationships, every subscription id, and the band of most heightened relationships."""
    with session_scope(engine) as session:
        current = AssessmentRecord.current.is_(True)
        top = list(
            session.scalars(
                select(AssessmentRecord.subscription_id)
                .where(current)
                .order_by(AssessmentRecord.priority.desc(), AssessmentRecord.subscription_id)
                .limit(TOP)
            )
        )
        every = list(session.scalars(select(Subscription.id)))
        band = session.execute(
            select(AssessmentRecord.band, func.count())
            .where(current, AssessmentRecord.heightened.is_(True))
            .group_by(AssessmentRecord.band)
            .order_by(func.count().desc())
            .limit(1)
        ).one()[0]
    return top, every, str(band)


def bearer_token(engine: Engine) -> str:
    """A fresh token for the analyst, issued by the admin (audited, as `vigie user token` does it)."""
    with session_scope(engine) as session:
        admin = access.actor_of(access.get_user(session, ADMIN))
        return access.issue_token(session, admin, ANALYST, f"bench/api_load.py {date.today()}", 1).token


# ------------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int, log: Path, threads: int | None = None) -> subprocess.Popen[bytes]:
    """`vigie serve --workers N`: one process per worker, each with its own socket on the port (SO_REUSEPORT),
    each running at most `threads` requests at once (VIGIE_WEB_THREADS; None: the setting as it is)."""
    env = {
        **os.environ,
        **({"VIGIE_WEB_THREADS": str(threads)} if threads is not None else {}),
        "VIGIE_DATABASE_URL": url,
        # One signing key for every worker, so a session cookie from one is valid in the others.
        "VIGIE_WEB_SECRET": secrets.token_urlsafe(32),
    }
    command = [
        sys.executable, "-m", "vigie.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(server: subprocess.Popen[bytes], base: str, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode}):\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit(f"the server was not ready after {timeout:.0f} s:\n{log.read_text(errors='replace')}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Uvicorn stops its workers when asked; failing that, its process group (its own session) is killed."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def sign_in(base: str) -> str:
    """The session cookie of the analyst, signed in through the login form with its CSRF token."""
    with httpx.Client(base_url=base) as client:
        form = client.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        if found is None:
            sys.exit("the login form has no CSRF token")
        answer = client.post(
            "/login", data={"name": ANALYST, "password": PASSWORD, "csrf": found.group(1), "next": "/"}
        )
        cookie = answer.cookies.get("vigie_session")
        if answer.status_code != 303 or not cookie:
            sys.exit(f"signing in failed: {answer.status_code} {answer.text[:300]}")
        return f"vigie_session={cookie}"


# ------------------------------------------------------------------------------------------ the load


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: Callable[[random.Random], str]
    header: str  # Authorization or Cookie line, without the line end


@dataclass
class Measured:
    latencies: list[float]
    errors: int
    seconds: float
    client_cpu: float
    server_cpu: float = 0.0
    database_cpu: float = 0.0


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of these processes so far (those that have gone are left out)."""
    out: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def process_tree(root: int) -> list[int]:
    """The server's process and its workers."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def backends(engine: Engine) -> list[int]:
    """The PostgreSQL processes serving the bench's database, other than the one asking."""
    with engine.connect() as conn:
        query = text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return list(conn.scalars(query))


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status, and whether the server will close the connection; the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = 0, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def drive(port: int, endpoint: Endpoint, clients: int, seconds: float, seed: int) -> Measured:
    """`clients` connections, each sending its next request when the previous answer has arrived."""
    latencies: list[float] = []
    errors = 0
    host = f"127.0.0.1:{port}"

    async def one_client(number: int, end: float) -> None:
        nonlocal errors
        rng = random.Random(seed * 1000 + number)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < end:
                request = f"GET {endpoint.path(rng)} HTTP/1.1\r\nHost: {host}\r\n{endpoint.header}\r\n\r\n".encode()
                start = time.perf_counter()
                writer.write(request)
                status, close = await read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors += 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
        finally:
            writer.close()

    cpu, start = time.process_time(), time.perf_counter()
    end = start + seconds
    await asyncio.gather(*(one_client(i, end) for i in range(clients)))
    return Measured(latencies, errors, time.perf_counter() - start, time.process_time() - cpu)


def check(base: str, endpoint: Endpoint, want: str) -> None:
    """One request through httpx before the load: the answer is what a user would get, not an error page."""
    name, _, value = endpoint.header.partition(": ")
    answer = httpx.get(base + endpoint.path(random.Random(0)), headers={name: value}, timeout=30)
    if answer.status_code != 200 or want not in answer.text:
        sys.exit(f"{endpoint.label}: {answer.status_code}, expected {want!r} in {answer.text[:400]!r}")


def report_line(label: str, m: Measured) -> tuple[str, bool]:
    ms = np.array(m.latencies) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    met = p99 < GOAL_MS and m.errors == 0
    n = len(ms)
    cores = (m.server_cpu + m.database_cpu + m.client_cpu) / m.seconds
    line = (
        f"{label:<38} {n:>7,} {m.errors:>4} {p50:>6.1f} {p95:>6.1f} {p99:>6.1f} {ms.max():>6.1f} "
        f"{n / m.seconds:>6.0f} {m.server_cpu / n * 1e3:>6.2f} {m.database_cpu / n * 1e3:>5.2f} "
        f"{m.client_cpu / n * 1e3:>6.2f} {cores:>5.2f}  {'yes' if met else 'NO'}"
    )
    return line, met


def measure(
    port: int, endpoint: Endpoint, clients: int, seconds: float, seed: int, server: int, engine: Engine
) -> Measured:
    """One endpoint's load, with the CPU time the server's processes and PostgreSQL's spent on it."""
    server_pids, database_pids = process_tree(server), backends(engine)
    server_before, database_before = cpu_seconds(server_pids), cpu_seconds(database_pids)
    measured = asyncio.run(drive(port, endpoint, clients, seconds, seed))
    measured.server_cpu = spent(server_before, cpu_seconds(process_tree(server)))
    measured.database_cpu = spent(database_before, cpu_seconds(list({*database_pids, *backends(engine)})))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="of load per endpoint (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="uvicorn worker processes (default: one per core)"
    )
    parser.add_argument(
        "--threads", type=int, help="requests each worker runs at once (VIGIE_WEB_THREADS; default: the setting's)"
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"a PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--rebuild", action="store_true", help="drop the database and build it again")
    parser.add_argument("--only", help="only the endpoints whose label contains this text (e.g. 'risk list')")
    args = parser.parse_args()
    url = normalise_url(args.database_url)
    folder = Path(tempfile.mkdtemp(prefix="vigie-bench-api-"))
    configure(url, folder)

    engine = prepare(url, args.subscriptions, args.rebuild, folder)
    top, every, band = targets(engine)
    token = bearer_token(engine)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "uvicorn.log"
    server = start_server(url, port, args.workers, log, args.threads)
    try:
        wait_ready(server, base, log)
        cookie = f"Cookie: {sign_in(base)}"
        bearer = f"Authorization: Bearer {token}"
        api = "/api/v1/risk/assessments"
        filtered = f"{api}?band={band}&heightened=true&limit={PAGE}&offset="
        endpoints = [
            (Endpoint("risk list, first page", lambda r: f"{api}?limit={PAGE}", bearer), '"items"'),
            (Endpoint(f"risk list, {band} & heightened, pages 1-{FILTERED_PAGES}",
                      lambda r: f"{filtered}{PAGE * r.randrange(FILTERED_PAGES)}", bearer), f'"band":"{band}"'),
            (Endpoint(f"assessment, top {TOP}", lambda r: f"{api}/{r.choice(top)}", bearer), '"explanation"'),
            (Endpoint("assessment, any", lambda r: f"{api}/{r.choice(every)}", bearer), '"explanation"'),
            (Endpoint(f"relationship page, top {TOP}", lambda r: f"/relationships/{r.choice(top)}", cookie), "Factors"),
            (Endpoint("relationship page, any", lambda r: f"/relationships/{r.choice(every)}", cookie), "Factors"),
        ]  # fmt: skip
        endpoints = [(e, want) for e, want in endpoints if args.only is None or args.only in e.label]
        for endpoint, want in endpoints:
            check(base, endpoint, want)

        shown = make_url(url).render_as_string(hide_password=True)
        print(
            f"\nAPI load: {args.subscriptions:,} subscriptions in {shown}\n"
            f"server: `vigie serve --workers {args.workers}` on 127.0.0.1 (uvicorn, one socket per worker), "
            f"VIGIE_WEB_THREADS={args.threads or os.environ.get('VIGIE_WEB_THREADS', 'unset (the default)')}, "
            f"no access log; machine: {os.cpu_count()} cores, shared by the server, PostgreSQL, the "
            f"client and anything else running\n"
            f"client: {args.clients} concurrent keep-alive connections from one asyncio process with a minimal "
            f"HTTP/1.1 client (no HTTP library in the timed path), each sending its next request as soon as the "
            f"previous answer arrives; {args.seconds:g} s per endpoint after {args.warmup:g} s of warm-up\n"
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n",
            flush=True,
        )
        for endpoint, _want in endpoints:
            asyncio.run(drive(port, endpoint, args.clients, args.warmup / len(endpoints), 0))
        print(
            f"{'':<38} {'':>7} {'':>4} {'latency, ms':^27}  {'':>6} {'CPU ms a request':^20}\n"
            f"{'endpoint':<38} {'requests':>7} {'errors':>4} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} "
            f"{'req/s':>6} {'server':>6} {'pg':>5} {'client':>6} {'cores':>5}  p99 < {GOAL_MS:g} ms"
        )
        results = []
        for seed, (endpoint, _want) in enumerate(endpoints, start=1):
            measured = measure(port, endpoint, args.clients, args.seconds, seed, server.pid, engine)
            line, met = report_line(endpoint.label, measured)
            results.append(met)
            print(line, flush=True)
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(
            "CPU ms a request: user and system time of the uvicorn processes, of the PostgreSQL backends serving "
            "them, and of this client, over the requests answered; cores: all three together, in CPU seconds a "
            f"second, the share of the machine they had.\ngoal p99 < {GOAL_MS:g} ms at {args.clients} "
            f"clients: {'met' if all(results) else 'NOT met'} (met on {sum(results)} of {len(results)} endpoints)"
        )
    finally:
        stop_server(server)
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

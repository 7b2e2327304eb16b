"""`vigie serve`: the web application (API and pages) on uvicorn, in one process or several."""

from __future__ import annotations

import multiprocessing
import signal
import socket
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from vigie.commands.common import console, fail, open_engine, settings
from vigie.settings import Settings

if TYPE_CHECKING:
    from vigie.web.settings import WebSettings


def serve_app(host: str, port: int, base: Settings | None = None, workers: int = 1, access_log: bool = True) -> None:
    """Serve with the configured (or given) settings until interrupted; refuses a database `vigie init` has
    not migrated."""
    from vigie.web.settings import load_web_settings

    base = base or settings()
    open_engine(base.database_url).dispose()
    try:
        web = load_web_settings(base)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"vigie is serving on http://{host}:{port}/ (API: http://{host}:{port}/api/v1/docs) with "
                  f"{workers} worker process(es); Ctrl-C stops it.", highlight=False)  # fmt: skip
    if workers == 1:
        _run(web, host, port, access_log, None)
        return
    _run_workers(web, host, port, access_log, workers)


def _run(web: WebSettings, host: str, port: int, access_log: bool, sock: socket.socket | None) -> None:
    import uvicorn

    from vigie.web.app import create_app

    config = uvicorn.Config(
        create_app(web), host=host, port=port, proxy_headers=True, log_level="info", access_log=access_log
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock] if sock is not None else None)


def worker_socket(host: str, port: int) -> socket.socket:
    """A worker's own socket on the shared port. With SO_REUSEPORT the kernel spreads new connections over the
    workers' sockets; with one socket shared by all, the first worker to wake took most of a burst of
    connections and kept them (keep-alive), so one core served while the other idled.

    IPPROTO_TCP is said outright: asyncio sets TCP_NODELAY only on connections whose protocol reads as TCP,
    and those accepted from a socket made with protocol 0 waited 40 ms for every response written in two
    parts, headers then body (Nagle's algorithm meeting the client's delayed acknowledgement)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(web: WebSettings, host: str, port: int, access_log: bool) -> None:
    _run(web, host, port, access_log, worker_socket(host, port))


def _run_workers(web: WebSettings, host: str, port: int, access_log: bool, workers: int) -> None:
    """Start the workers and stop them all when this process is asked to stop (Ctrl-C or SIGTERM).

    The workers share this process's session-signing key (`web.secret_key`, from VIGIE_WEB_SECRET or made
    once here), so a session cookie that one worker signed is valid in the others."""
    if not hasattr(socket, "SO_REUSEPORT"):
        fail("--workers above 1 needs SO_REUSEPORT (Linux, the BSDs, macOS); run one worker per port instead")
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_worker, args=(web, host, port, access_log)) for _ in range(workers)]
    for child in children:
        child.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # uvicorn finishes the requests in flight, then exits

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    failed = [child.exitcode for child in children if child.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        fail(f"{len(failed)} worker(s) stopped with an error (exit codes {failed}); see their log above")


def serve(
    port: Annotated[int, typer.Option(help="The TCP port")] = 8000,
    host: Annotated[str, typer.Option(help="The address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (one per core uses every core)")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = True,
) -> None:
    """Serve the web pages and the REST API (/api/v1/) over the configured database."""
    serve_app(host, port, workers=workers, access_log=access_log)


def install(app: typer.Typer) -> None:
    app.command("serve")(serve)

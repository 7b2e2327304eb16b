"""`vigie serve --workers 2` run for real: two processes on one port, sharing the session-signing key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.web.test_pages import csrf_of
from vigie.access import service as access
from vigie.store.engine import make_engine, session_scope
from vigie.store.migrate import upgrade

PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def test_two_workers_serve_one_port_and_honour_each_others_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vigie.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        access.add_user(session, None, "root", ["admin"], PASSWORD)
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIGIE_WEB_SECRET"}  # the parent makes one key for all
    env["VIGIE_DATABASE_URL"] = url
    server = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli", "serve", "--port", str(port), "--workers", "2", "--no-access-log"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        workers = [pid for pid in _children(server.pid) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 2

        with httpx.Client(base_url=base) as client:
            form = client.get("/login")
            signed = client.post("/login", data={"name": "root", "password": PASSWORD, "csrf": csrf_of(form.text),
                                                 "next": "/"})  # fmt: skip
            assert signed.status_code == 303
            cookie = signed.cookies["vigie_session"]
        # Each request on a new connection: the kernel spreads them over both workers' sockets, and a
        # cookie one worker signed must be good in the other (a key per worker would send half to /login).
        for _ in range(20):
            answer = httpx.get(f"{base}/", cookies={"vigie_session": cookie}, follow_redirects=False)
            assert answer.status_code == 200, answer.headers.get("location")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_connections_accepted_by_a_worker_socket_send_small_writes_at_once(loop: str) -> None:
    """The connections a worker accepts get TCP_NODELAY from the event loop, on asyncio's and on uvloop's (which
    uvicorn picks when installed), as uvicorn's own sockets do: without it every small response written in two
    parts waited for the client's delayed acknowledgement (40 ms)."""
    import asyncio

    from vigie.commands.web import worker_socket

    async def nodelay_of_accepted() -> int:
        sock = worker_socket("127.0.0.1", 0)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                conn = transport.get_extra_info("socket")
                accepted.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        port = sock.getsockname()[1]
        async with server:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(accepted, 10)
            writer.close()
        return value

    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        assert uvloop.run(nodelay_of_accepted()) != 0
    else:
        assert asyncio.run(nodelay_of_accepted()) != 0

"""A reference receiver for vigie's signed webhook: what a control plane's endpoint must do, in one file.

It is what the tests deliver to, and the example integrators copy (docs/enforce.md). It

1. refuses, with 401, a request whose HMAC-SHA256 signature does not verify or whose timestamp is
   outside the window (a replayed capture);
2. applies each idempotency key once: a key it has seen gets the answer it gave the first time,
   marked `"duplicate": true`, and the order is not applied again;
3. answers `{"applied": true, "idempotency_key": …}`, signed the same way, which vigie takes as the
   acknowledgement that changes the subscription's status.

The keys are kept in a SQLite file (standard library), so a restarted receiver still knows what
it applied. The lock around "look up the key, apply, remember the key" is what makes concurrent
deliveries of one order safe. A real control plane should remember the key in the same
transaction as the change it makes, so that a crash between the two cannot apply an order twice.

Run it by hand to watch vigie deliver:

    python -m vigie.enforce.receiver --port 8765 --secret-file secret.txt --journal keys.db
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vigie.enforce.signing import (
    DEFAULT_WINDOW,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    verify,
)

MAX_BODY = 1 << 20
Apply = Callable[[dict[str, Any]], dict[str, Any] | None]


def _record_only(order: dict[str, Any]) -> dict[str, Any] | None:
    """The default "control plane": nothing to switch off, the order is only remembered."""
    return None


class Journal:
    """The idempotency keys already applied, with the answer given each time; in memory or in a SQLite file."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS applied (key TEXT PRIMARY KEY, order_id TEXT, answer TEXT, at TEXT)"
        )

    def answer_for(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT answer FROM applied WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember(self, key: str, order_id: str, answer: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO applied (key, order_id, answer, at) VALUES (?, ?, ?, ?)",
            (key, order_id, json.dumps(answer, sort_keys=True), answer.get("applied_at")),
        )

    def keys(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT key FROM applied ORDER BY at")]

    def close(self) -> None:
        self._db.close()


class Receiver:
    """The reference receiver on a background thread: `with Receiver(secret) as r: ... r.url ...`.

    `apply` is the integrator's part: it switches the subscription off (or on) on the control plane
    and returns anything worth echoing in the acknowledgement; an exception answers 500, and vigie
    retries. `applied` lists each order applied, once; `deliveries` counts every authentic request
    per idempotency key, duplicates included.
    """

    def __init__(
        self,
        secret: str,
        apply: Apply = _record_only,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        journal: Journal | None = None,
        window: float = DEFAULT_WINDOW,
        sock: socket.socket | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = secret
        self.apply = apply
        self.journal = journal or Journal()
        self.window = window
        self.clock = clock
        self.applied: list[dict[str, Any]] = []
        self.deliveries: Counter[str] = Counter()
        self.refused: list[str] = []  # why each refused request was refused
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        if sock is not None:  # an already-bound socket: lets a caller hold a port before the receiver is "up"
            self.server = ThreadingHTTPServer(sock.getsockname()[:2], _handler(self), bind_and_activate=False)
            self.server.socket.close()
            self.server.socket = sock
            self.server.server_address = sock.getsockname()[:2]
            self.server.server_activate()
        else:
            self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/orders"

    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self.server.serve_forever, name="vigie-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def handle(self, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """The whole protocol, apart from HTTP: (status, JSON answer) for one request."""
        lowered = {name.lower(): value for name, value in headers.items()}  # header names ignore case

        def header(name: str) -> str | None:
            return lowered.get(name.lower())

        try:
            verify(
                self.secret,
                header(TIMESTAMP_HEADER),
                header(SIGNATURE_HEADER),
                body,
                self.clock(),
                self.window,
            )
        except SignatureError as exc:
            self.refused.append(str(exc))
            return 401, {"applied": False, "error": str(exc)}
        try:
            order = json.loads(body)
        except ValueError:
            return 400, {"applied": False, "error": "the body is not JSON"}
        key = header(IDEMPOTENCY_HEADER)
        if not isinstance(order, dict) or not key or order.get("idempotency_key") != key:
            return 400, {"applied": False, "error": f"{IDEMPOTENCY_HEADER} missing or not the body's idempotency_key"}
        with self._lock:
            self.deliveries[key] += 1
            earlier = self.journal.answer_for(key)
            if earlier is not None:
                return 200, {**earlier, "duplicate": True}
            try:
                detail = self.apply(order) or {}
            except Exception as exc:  # the control plane failed: say so, vigie will retry
                return 500, {"applied": False, "error": f"{type(exc).__name__}: {exc}"}
            answer = {
                **detail,
                "applied": True,
                "idempotency_key": key,
                "order_id": order.get("order_id"),
                "subscription_id": order.get("subscription_id"),
                "action": order.get("action"),
                "applied_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            }
            self.journal.remember(key, str(order.get("order_id")), answer)
            self.applied.append(order)
            return 200, {**answer, "duplicate": False}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "vigie-reference-receiver/1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"applied": False, "error": "body too large"})
                return
            body = self.rfile.read(length)
            status, answer = receiver.handle(dict(self.headers.items()), body)
            self._answer(status, answer)

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer, sort_keys=True).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in sign(receiver.secret, data, receiver.clock()).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender went away (or was killed); it will deliver again, and get the same answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the journal and the counters are the record

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="vigie's reference webhook receiver (prints each order applied)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret-file", type=Path, required=True, help="a file holding the shared secret")
    parser.add_argument("--journal", default=":memory:", help="a SQLite file remembering the applied keys")
    args = parser.parse_args(argv)
    secret = args.secret_file.read_text(encoding="utf-8").strip()

    def show(order: dict[str, Any]) -> dict[str, Any] | None:
        print(json.dumps(order, sort_keys=True), flush=True)
        return None

    receiver = Receiver(secret, show, host=args.host, port=args.port, journal=Journal(args.journal))
    print(f"listening on {receiver.url}", file=sys.stderr, flush=True)
    try:
        receiver.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server.server_close()


if __name__ == "__main__":
    main()

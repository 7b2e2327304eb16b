"""The command connector: run a configured program with the order's JSON on standard input.

For control planes that have a CLI or an SDK but no webhook endpoint. Exit status 0 with a JSON
object on standard output that says `"applied": true` (and echoes the idempotency key) is an
acknowledgement; exit 0 without it means "accepted, acknowledgement to follow"; anything else is a
failed attempt, retried with backoff. The order id and key are also in the environment
(VIGIE_ORDER_ID, VIGIE_IDEMPOTENCY_KEY) so a shell script need not parse JSON to de-duplicate.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess

from vigie.enforce.connectors import Message, excerpt
from vigie.enforce.orders import Answer, read_acknowledgement


class CommandConnector:
    name = "command"

    def __init__(self, command: str, timeout: float) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise ValueError("enforce.command is empty")
        self.target = command
        self._timeout = timeout

    def deliver(self, message: Message) -> Answer:
        env = {**os.environ, "VIGIE_ORDER_ID": message.order_id, "VIGIE_IDEMPOTENCY_KEY": message.idempotency_key}
        try:
            done = subprocess.run(
                self.argv, input=message.body, capture_output=True, timeout=self._timeout, env=env, check=False
            )
        except FileNotFoundError:
            return Answer("failed", f"enforce.command: {self.argv[0]!r} not found", permanent=True)
        except PermissionError:
            return Answer("failed", f"enforce.command: {self.argv[0]!r} is not executable", permanent=True)
        except subprocess.TimeoutExpired:
            return Answer("failed", f"the command did not finish within {self._timeout:g} s")
        raw = excerpt(done.stdout) + (("\n[stderr] " + excerpt(done.stderr, 500)) if done.stderr else "")
        if done.returncode != 0:
            last = excerpt(done.stderr, 500).strip().splitlines()
            return Answer(
                "failed",
                f"the command exited with status {done.returncode}" + (f": {last[-1]}" if last else ""),
                raw=raw,
            )
        try:
            parsed = json.loads(done.stdout) if done.stdout.strip() else None
        except ValueError:
            parsed = None
        answer = read_acknowledgement(parsed, message.idempotency_key)
        return Answer(answer.outcome, answer.detail, answer.answer, answer.permanent, raw)

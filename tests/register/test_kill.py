"""A process killed while it writes an import leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from tests.helpers import small_register
from vigie.audit.tables import AuditEntry
from vigie.audit.verify import verify
from vigie.register.service import import_files
from vigie.register.tables import Subscription
from vigie.store.engine import session_scope


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        subs = session.scalar(select(func.count()).select_from(Subscription)) or 0
        audit = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return int(subs), int(audit)


def test_kill_during_write_leaves_the_database_unchanged(engine: Engine, database_url: str, tmp_path: Path) -> None:
    import_files(engine, small_register(tmp_path, subscriptions=10), "alice")
    before = counts(engine)
    big = tmp_path / "big"
    big.mkdir()
    paths = small_register(big, subscriptions=120_000)
    env = {**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_USER": "killed"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli", "register", "import", *map(str, paths)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "writing" in line, f"the import did not reach its write phase: {line!r}"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert counts(engine) == before
    with session_scope(engine) as session:
        assert verify(session).ok

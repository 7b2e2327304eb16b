"""The outbox: one JSON file per order in a folder another system collects; acknowledgements come back as files.

A file appears complete or not at all: it is written under a hidden temporary name, flushed to
disk, then renamed, so a collector that reads `*.json` never sees half an order. Delivering the
same order again rewrites the same file with the same bytes.

Acknowledgements: the collector drops a JSON file into `acks/` naming the order and its
idempotency key (`{"order_id": …, "idempotency_key": …, "applied": true}`); `vigie enforce
deliver` reads them, acknowledges the orders, and moves each file to `acks/done/`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigie.enforce.connectors import Message
from vigie.enforce.orders import Answer

ACKS = "acks"
DONE = "done"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file, or the complete new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class OutboxConnector:
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.target = str(folder)

    def path_for(self, order_id: str) -> Path:
        return self.folder / f"{order_id}.json"

    def deliver(self, message: Message) -> Answer:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ACKS).mkdir(exist_ok=True)
            path = self.path_for(message.order_id)
            write_atomically(path, message.body + b"\n")
        except OSError as exc:
            return Answer("failed", f"cannot write to the outbox {self.folder}: {exc}")
        return Answer("sent", f"written to {path}; waiting for an acknowledgement")


@dataclass(frozen=True)
class AckFile:
    path: Path
    order_id: str | None
    idempotency_key: str | None
    data: dict[str, Any] | None
    error: str | None  # why the file cannot be used; it is then left where it is


def read_acks(folder: Path) -> list[AckFile]:
    """Every acknowledgement file waiting in `folder/acks/`, parsed; bad files are reported, not guessed at."""
    acks_dir = folder / ACKS
    if not acks_dir.is_dir():
        return []
    found: list[AckFile] = []
    for path in sorted(acks_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            found.append(AckFile(path, None, None, None, f"not readable as JSON: {exc}"))
            continue
        if not isinstance(data, dict):
            found.append(AckFile(path, None, None, None, "must hold a JSON object"))
            continue
        order, key = data.get("order_id"), data.get("idempotency_key")
        if not isinstance(order, str) or not order:
            found.append(AckFile(path, None, None, data, "field order_id: missing"))
        elif not isinstance(key, str) or not key:
            found.append(AckFile(path, order, None, data, "field idempotency_key: missing"))
        elif data.get("applied") is not True:
            found.append(AckFile(path, order, key, data, 'field applied: must be true ("the order was applied")'))
        else:
            found.append(AckFile(path, order, key, data, None))
    return found


def archive_ack(path: Path) -> Path:
    """Move a processed acknowledgement to `acks/done/`, so it is read once (reading it again is harmless)."""
    done = path.parent / DONE
    done.mkdir(exist_ok=True)
    target = done / path.name
    os.replace(path, target)
    return target

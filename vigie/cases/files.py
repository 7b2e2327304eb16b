"""A content-addressed folder of case evidence files, each sealed with AES-GCM.

A file is named by the SHA-256 of its plaintext (`ab/abcdef…`), so the same file added twice is
stored once and its name is its integrity check. The bytes on disk are sealed with the same key as
the database's sensitive fields, bound to that hash, so the folder alone reveals nothing but sizes.
A file is written before the database row that refers to it; if the transaction then fails, the
file stays unreferenced, which is harmless (it is only reachable through a row).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vigie.access.crypto import Sealer


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _context(digest: str) -> str:
    return f"case-file:{digest}"


@dataclass(frozen=True)
class FileStore:
    root: Path

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"sha256: {digest!r} is not a SHA-256 hex digest")
        return self.root / digest[:2] / digest

    def put(self, data: bytes, sealer: Sealer) -> str:
        """Store `data` (once), return its SHA-256."""
        digest = sha256_of(data)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        sealed = sealer.seal_bytes(data, _context(digest))
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(sealed)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str, sealer: Sealer) -> bytes:
        """The plaintext, checked against its hash; an error names the file when it is missing or altered."""
        target = self.path_for(digest)
        try:
            sealed = target.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{target}: the evidence file {digest} is missing from the case file store ({self.root})"
            ) from None
        data = sealer.open_bytes(sealed, _context(digest))
        if sha256_of(data) != digest:
            raise ValueError(f"{target}: the content no longer matches its SHA-256 {digest}")
        return data

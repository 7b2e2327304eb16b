"""Sealing sensitive fields at rest with AES-256-GCM (the `cryptography` package; no hand-rolled crypto).

A sealed value is text: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id is the
first 8 hex digits of the key's SHA-256, so a value sealed under another key is refused with a
message that says so rather than a bare "decryption failed". Each value is bound to where it lives
(`context`, e.g. "interviews:ev-1a2b"): associated data that makes a ciphertext copied into another
row or column fail to open, so rows cannot be swapped behind vigie's back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_ENV = "VIGIE_SECRET_KEY"
KEY_FILE_ENV = "VIGIE_SECRET_KEY_FILE"


class KeyMissing(Exception):
    """No key is configured, and one is needed to read or write sensitive fields."""


class SealError(Exception):
    """A sealed value cannot be opened: another key, another place, or altered."""


def generate_key() -> str:
    """A new random key, base64, for VIGIE_SECRET_KEY or a key file."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _parse_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyMissing(f"{origin}: not valid base64 ({exc}); generate a key with `vigie case new-key`") from exc
    if len(key) != 32:
        raise KeyMissing(f"{origin}: the key must be 32 bytes (256 bits) once decoded, got {len(key)}")
    return key


@dataclass(frozen=True)
class Sealer:
    key: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:8]

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        body = AESGCM(self.key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{VERSION}.{self.key_id}.{base64.urlsafe_b64encode(nonce + body).decode('ascii')}"

    def open(self, sealed: str, context: str) -> str:
        parts = sealed.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise SealError(f"{context}: not a sealed value vigie can read")
        if parts[1] != self.key_id:
            raise SealError(
                f"{context}: sealed under key {parts[1]}, but the configured key is {self.key_id}; "
                f"set {KEY_ENV} or the key file to the key it was written with"
            )
        try:
            raw = base64.urlsafe_b64decode(parts[2])
            plain = AESGCM(self.key).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealError(f"{context}: the sealed value was altered or moved from another record") from exc
        return plain.decode("utf-8")

    def seal_json(self, value: Any, context: str) -> str:
        return self.seal(json.dumps(value, ensure_ascii=False, sort_keys=True), context)

    def open_json(self, sealed: str, context: str) -> Any:
        return json.loads(self.open(sealed, context))

    def seal_bytes(self, data: bytes, context: str) -> bytes:
        """For files: nonce ‖ ciphertext ‖ tag, raw."""
        nonce = os.urandom(12)
        return nonce + AESGCM(self.key).encrypt(nonce, data, context.encode("utf-8"))

    def open_bytes(self, data: bytes, context: str) -> bytes:
        try:
            return AESGCM(self.key).decrypt(data[:12], data[12:], context.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise SealError(f"{context}: the stored file was altered, or was written under another key") from exc


def load_sealer(key_text: str | None, key_file: Path | None) -> Sealer:
    """The configured key: VIGIE_SECRET_KEY (base64) first, else the key file; KeyMissing if neither."""
    if key_text:
        return Sealer(_parse_key(key_text, KEY_ENV))
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyMissing(f"{key_file}: cannot read the secret key file: {exc}") from exc
        return Sealer(_parse_key(text, str(key_file)))
    raise KeyMissing(
        f"no secret key is configured, and interview records and personal data are encrypted with one: set "
        f"{KEY_ENV} to a base64 32-byte key, or {KEY_FILE_ENV} (or [secrets] key_file in vigie.toml) to a file "
        "holding one; `vigie case new-key` makes one"
    )

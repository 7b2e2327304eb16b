"""Sealed fields: AES-GCM round trips, and every way a sealed value must refuse to open."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from vigie.access.crypto import KeyMissing, Sealer, SealError, generate_key, load_sealer


def sealer() -> Sealer:
    return load_sealer(generate_key(), None)


def test_a_sealed_value_opens_only_with_its_key_and_in_its_place() -> None:
    keys = sealer()
    sealed = keys.seal("Témoin A, interviewé à Paris", "interviews.record:ev-1")
    assert "Témoin" not in sealed and "Paris" not in sealed
    assert keys.open(sealed, "interviews.record:ev-1") == "Témoin A, interviewé à Paris"
    # The same plaintext seals differently every time (random nonce): equal values are not visible as equal.
    assert keys.seal("x", "c") != keys.seal("x", "c")
    with pytest.raises(SealError, match="moved from another record"):
        keys.open(sealed, "interviews.record:ev-2")
    with pytest.raises(SealError, match="sealed under key"):
        sealer().open(sealed, "interviews.record:ev-1")
    version, key_id, body = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    tampered = f"{version}.{key_id}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(SealError, match="altered"):
        keys.open(tampered, "interviews.record:ev-1")


def test_json_and_bytes_round_trip() -> None:
    keys = sealer()
    value = {"interviewee": "Nom Fictif", "text": "…", "consent": "given"}
    assert keys.open_json(keys.seal_json(value, "ctx"), "ctx") == value
    blob = keys.seal_bytes(b"\x00\x01 file", "case-file:abc")
    assert keys.open_bytes(blob, "case-file:abc") == b"\x00\x01 file"
    with pytest.raises(SealError):
        keys.open_bytes(blob, "case-file:abd")


def test_keys_come_from_the_environment_value_or_a_file_with_clear_errors(tmp_path: Path) -> None:
    key = generate_key()
    key_file = tmp_path / "vigie.key"
    key_file.write_text(key + "\n", encoding="ascii")
    assert load_sealer(None, key_file).key_id == load_sealer(key, None).key_id
    with pytest.raises(KeyMissing, match="VIGIE_SECRET_KEY"):
        load_sealer(None, None)
    with pytest.raises(KeyMissing, match="32 bytes"):
        load_sealer(base64.b64encode(b"short").decode(), None)
    with pytest.raises(KeyMissing, match="not valid base64"):
        load_sealer("not base64 at all!", None)
    with pytest.raises(KeyMissing, match="cannot read"):
        load_sealer(None, tmp_path / "missing.key")

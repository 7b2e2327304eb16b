"""docs/enforce.md documents every setting, command and state the code has, and its worked example is right."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from vigie.commands.enforce import enforce_app
from vigie.enforce.orders import ACTIONS, STATES
from vigie.enforce.signing import signature
from vigie.settings import EnforceSettings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "enforce.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    keys = [f.name if f.name != "ack_within" else "ack_within_hours" for f in fields(EnforceSettings)]
    for key in [*keys, "webhook_secret_file"]:
        assert f"| `{key}` | `VIGIE_ENFORCE_{key.upper()}` |" in DOC, f"enforce.{key} is not documented"


def test_every_command_action_and_state_is_documented() -> None:
    for command in enforce_app.registered_commands:
        assert f"vigie enforce {command.name}" in DOC or f"`{command.name}`" in DOC, command.name
    for action, status in ACTIONS.items():
        assert f"| `{action}` | `{status}` |" in DOC
    for state in STATES:
        assert state in DOC


def test_the_worked_example_signature_is_what_vigie_computes() -> None:
    match = re.search(
        r"secret `(.+?)`, the timestamp `(\d+)` and the body\s+`(.+?)`.*?signature is `([0-9a-f]{64})`", DOC, re.S
    )
    assert match, "the worked example is missing from docs/enforce.md"
    secret, timestamp, body, expected = match.groups()
    assert signature(secret, timestamp, body.encode()) == expected

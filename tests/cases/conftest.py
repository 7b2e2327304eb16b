"""A small book of business, a team of users with different roles, a secret key and a file store.

Every test that uses `world` runs on SQLite and PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.helpers import small_register
from vigie.access import Actor
from vigie.access.crypto import Sealer, generate_key, load_sealer
from vigie.access.service import actor_of, add_user, get_user, issue_token
from vigie.cases.files import FileStore
from vigie.register.service import import_files
from vigie.store.engine import session_scope

TEAM = {
    "root": ["admin"],
    "lea": ["investigator", "analyst"],  # opens cases: their lead
    "max": ["investigator"],  # a member added by the lead
    "abe": ["approver"],
    "ada": ["approver", "investigator"],
    "aud": ["auditor"],
    "out": ["investigator", "approver", "analyst"],  # every working role, but on no case
}


@dataclass
class World:
    engine: Engine
    actors: dict[str, Actor]
    tokens: dict[str, str]
    key: str
    sealer: Sealer
    store: FileStore
    folder: Path

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    import_files(engine, small_register(tmp_path), "setup")
    actors: dict[str, Actor] = {}
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        add_user(session, None, "root", TEAM["root"])
        root = actor_of(get_user(session, "root"))
        for name, roles in TEAM.items():
            if name != "root":
                add_user(session, root, name, roles)
        for name in TEAM:
            actors[name] = actor_of(get_user(session, name))
            tokens[name] = issue_token(session, root, name).token
    key = generate_key()
    return World(engine, actors, tokens, key, load_sealer(key, None), FileStore(tmp_path / "files"), tmp_path)

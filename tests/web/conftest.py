"""A real demo database (built by `vigie.demo.build`, as `vigie demo` builds it) served by the real app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from rich.console import Console

from vigie import demo
from vigie.demo.investigation import ADMIN, APPROVER, INVESTIGATOR, DemoUser, Story
from vigie.settings import Settings
from vigie.web.app import create_app
from vigie.web.settings import WebSettings


@dataclass
class Served:
    app: FastAPI
    story: Story
    folder: Path

    def user(self, name: str) -> DemoUser:
        return next(u for u in self.story.users if u.name == name)

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.user(name).token}"}

    @property
    def investigator(self) -> DemoUser:
        return self.user(INVESTIGATOR)

    @property
    def approver(self) -> DemoUser:
        return self.user(APPROVER)

    @property
    def admin(self) -> DemoUser:
        return self.user(ADMIN)


def app_for(url: str) -> FastAPI:
    return create_app(WebSettings(base=Settings(database_url=url, actor="test", config_path=None)))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One demo per test module: the modules change it (propose, approve), each from the same start."""
    folder = tmp_path_factory.mktemp("web-demo")
    database = folder / "vigie-demo.db"
    ctx = demo.build(database, Console(quiet=True))
    assert ctx.story is not None
    ctx.engine.dispose()
    app = app_for(f"sqlite:///{database}")
    yield Served(app, ctx.story, folder)
    app.state.engine.dispose()

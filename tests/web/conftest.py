"""A real demo database (built by `vigie.demo.build`, as `vigie demo` builds it) served by the real app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from rich.console import Console

from tests.conftest import backend_url
from vigie import demo
from vigie.demo.investigation import ADMIN, APPROVER, INVESTIGATOR, Companions, DemoUser, Story
from vigie.settings import CasesSettings, EnforceSettings, Settings
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade
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
    app.state.engines.dispose()


def keyed_app_for(url: str, companions: Companions) -> FastAPI:
    """The app as a team would run it on the demo: with the demo's secret key, case file store and outbox."""
    base = Settings(
        database_url=url, actor="test", config_path=None,
        cases=CasesSettings(secret_key_file=companions.key, files=companions.files),
        enforce=EnforceSettings(connector="outbox", outbox=companions.outbox),
    )  # fmt: skip
    return create_app(WebSettings(base=base))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_on(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo built on each backend (SQLite, then PostgreSQL), once per test module, served by an app that
    holds the demo's secret key, case file store and outbox: every stage can be read and written."""
    folder = tmp_path_factory.mktemp(f"api-demo-{request.param}")
    with backend_url(request.param, folder / "vigie-demo.db") as url:
        engine = make_engine(url)
        upgrade(engine)
        ctx = demo.DemoContext(engine, Console(quiet=True), folder / "vigie-demo.db")
        for step in demo.STEPS:
            step(ctx)
        engine.dispose()
        assert ctx.story is not None
        app = keyed_app_for(url, ctx.story.companions)
        try:
            yield Served(app, ctx.story, folder)
        finally:
            app.state.engines.dispose()


@dataclass
class Unworked:
    """The demo's register, evidence and assessments with its users and key, before anyone investigated:
    the top relationship is still active, so a browser can take it from assessment to enforcement."""

    url: str
    folder: Path
    companions: Companions
    users: list[DemoUser]
    top_subscription: str

    def user(self, name: str) -> DemoUser:
        return next(u for u in self.users if u.name == name)

    def app(self, enforce: EnforceSettings) -> FastAPI:
        base = Settings(
            database_url=self.url, actor="test", config_path=None,
            cases=CasesSettings(secret_key_file=self.companions.key, files=self.companions.files), enforce=enforce,
        )  # fmt: skip
        return create_app(WebSettings(base=base))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def unworked_demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Unworked]:
    from vigie.demo.investigation import make_key, make_users, top_relationship
    from vigie.store.engine import session_scope

    folder = tmp_path_factory.mktemp(f"unworked-{request.param}")
    with backend_url(request.param, folder / "vigie-demo.db") as url:
        engine = make_engine(url)
        upgrade(engine)
        ctx = demo.DemoContext(engine, Console(quiet=True), folder / "vigie-demo.db")
        for step in demo.STEPS:
            if step is not demo.investigate_and_enforce:
                step(ctx)
        companions = Companions.of(ctx.path)
        make_key(companions)
        with session_scope(engine) as session:
            users, _actors = make_users(session)
            top, _subs = top_relationship(session)
            top_subscription = top.subscription_id
        engine.dispose()
        yield Unworked(url, folder, companions, users, top_subscription)

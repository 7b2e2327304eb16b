"""The web server's settings from the environment: each bad value is refused, naming its variable."""

from __future__ import annotations

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from vigie.settings import Settings
from vigie.web.app import create_app
from vigie.web.settings import DEFAULT_THREADS, WebSettings, load_web_settings


def _base(tmp_path: object) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/vigie.db", actor="test", config_path=None)


def test_threads_default_and_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("VIGIE_WEB_THREADS", raising=False)
    assert load_web_settings(_base(tmp_path)).threads == DEFAULT_THREADS
    monkeypatch.setenv("VIGIE_WEB_THREADS", "7")
    assert load_web_settings(_base(tmp_path)).threads == 7


@pytest.mark.parametrize("value", ["0", "-2", "four", "2.5", "257", ""])
def test_bad_threads_are_refused_by_name(monkeypatch: pytest.MonkeyPatch, tmp_path: object, value: str) -> None:
    monkeypatch.setenv("VIGIE_WEB_THREADS", value)
    with pytest.raises(ValueError, match="VIGIE_WEB_THREADS"):
        load_web_settings(_base(tmp_path))


def test_the_server_runs_at_most_threads_requests_at_once(tmp_path: object) -> None:
    """The thread pool of the server's event loop is sized from the settings when the app starts."""
    app = create_app(WebSettings(base=_base(tmp_path), threads=3))
    with TestClient(app) as client:
        assert client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens) == 3


def test_what_the_server_starts_with_is_kept_out_of_the_cycle_collector_until_it_stops(tmp_path: object) -> None:
    """A full collection then walks only what requests made, not the 180,000 objects a worker starts with."""
    import gc

    assert gc.get_freeze_count() == 0
    app = create_app(WebSettings(base=_base(tmp_path)))
    with TestClient(app) as client:
        assert client.get("/login").status_code == 200
        assert gc.get_freeze_count() > 50_000
    assert gc.get_freeze_count() == 0
    app.state.engines.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_each_engine_keeps_a_connection_per_request_a_worker_runs_at_once(database_url: str) -> None:
    """Threads + 1 kept by the writer and by the reader, so that two pools per worker stay well under PostgreSQL's
    limit of connections (settings.DB_POOL_OVERFLOW says how many)."""
    from vigie.web.settings import DB_POOL_OVERFLOW

    base = Settings(database_url=database_url, actor="test", config_path=None)
    app = create_app(WebSettings(base=base, threads=6))
    try:
        for engine in (app.state.engines.writer, app.state.engines.reader):
            assert engine.pool.size() == 7
            assert engine.pool._max_overflow == DB_POOL_OVERFLOW
    finally:
        app.state.engines.dispose()

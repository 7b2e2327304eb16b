"""The one FastAPI application: `create_app()` builds it from the settings; `vigie serve` runs it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import configure_mappers

from vigie import __version__
from vigie.web import errors
from vigie.web.api import audit, cases, decisions, evidence, me, orders, register, risk, use_requests, users
from vigie.web.pages import audit as audit_pages
from vigie.web.pages import auth, dashboard, documents, relationships
from vigie.web.pages import cases as case_pages
from vigie.web.pages import decisions as decision_pages
from vigie.web.pages import orders as order_pages
from vigie.web.pages import register as register_pages
from vigie.web.pages import requests as request_pages
from vigie.web.sessions import Sessions
from vigie.web.settings import DB_POOL_OVERFLOW, WebSettings, load_web_settings, pool_size
from vigie.web.units import Engines

STATIC = Path(__file__).with_name("static")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or load_web_settings()
    threads = settings.threads

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The thread pool the synchronous routes run on belongs to the server's event loop, so it is sized
        # once that loop runs (WebSettings.threads says why it is small).
        to_thread.current_default_thread_limiter().total_tokens = threads
        # What exists now (the modules, the application, the ORM's mappers) lives as long as the server: it is set
        # aside from the cycle collector, whose full passes over it (180,000 objects) stopped a worker for 30 to
        # 55 ms every few thousand requests, and every request in flight with it. Back in its care at shutdown.
        configure_mappers()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()

    app = FastAPI(
        lifespan=lifespan,
        title="vigie",
        version=__version__,
        description="Heightened human-rights due diligence for cloud and AI providers: the register, evidence, "
        "risk, cases, decisions, enforcement and audit, under the same rules as the `vigie` command.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engines = Engines.open(settings.database_url, pool_size(threads), DB_POOL_OVERFLOW)
    app.state.sessions = Sessions(settings)
    errors.install(app)
    # The pages' routes are the application's own, ahead of the API: FastAPI keeps an included router as a layer
    # that every request walks route by route, and a relationship page spent 0.11 ms finding its route behind
    # the API's 63 (1 to 3 µs a route that way, under 1 µs as the application's own). The API's routers are
    # included under their version's prefix, which no page path begins with.
    for router in (auth.router, dashboard.router, register_pages.router, relationships.router, documents.router,
                   case_pages.router, request_pages.router, decision_pages.router, order_pages.router,
                   audit_pages.router):  # fmt: skip
        app.router.routes.extend(router.routes)
    for router in (me.router, register.router, evidence.router, risk.router, cases.router, use_requests.router,
                   decisions.router, orders.router, users.router, audit.router):  # fmt: skip
        app.include_router(router, prefix="/api/v1")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

"""`vigie serve`: the web application (API and pages) on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from vigie.commands.common import console, fail, open_engine, settings
from vigie.settings import Settings


def serve_app(host: str, port: int, base: Settings | None = None) -> None:
    """Serve with the configured (or given) settings until interrupted; refuses a database `vigie init` has
    not migrated."""
    import uvicorn

    from vigie.web.app import create_app
    from vigie.web.settings import load_web_settings

    base = base or settings()
    open_engine(base.database_url).dispose()
    try:
        web = load_web_settings(base)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"vigie is serving on http://{host}:{port}/ (API: http://{host}:{port}/api/v1/docs); Ctrl-C stops it.",
                  highlight=False)  # fmt: skip
    uvicorn.run(create_app(web), host=host, port=port, proxy_headers=True, log_level="info")


def serve(
    port: Annotated[int, typer.Option(help="The TCP port")] = 8000,
    host: Annotated[str, typer.Option(help="The address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
) -> None:
    """Serve the web pages and the REST API (/api/v1/) over the configured database."""
    serve_app(host, port)


def install(app: typer.Typer) -> None:
    app.command("serve")(serve)

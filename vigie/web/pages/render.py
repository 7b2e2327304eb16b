"""Rendering pages: templates, the signed-in user, and the CSRF token every form carries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from vigie.access import Actor
from vigie.web.sessions import Sessions, check_csrf, new_csrf
from vigie.web.units import acting, by_user_id

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")


def sessions(request: Request) -> Sessions:
    found = request.app.state.sessions
    assert isinstance(found, Sessions)
    return found


@contextmanager
def signed_in(request: Request) -> Iterator[tuple[Session, Actor]]:
    """A transaction acting as the session's user; Unauthenticated (→ the login page) without one."""
    data = sessions(request).read(request)
    what = f"{request.method} {request.url.path}"
    with acting(request.app.state.engine, by_user_id(data.get("uid")), what) as pair:
        yield pair


async def form_checked(request: Request) -> dict[str, str]:
    """The submitted form, once its CSRF token matches the session's (CsrfFailed → 403 otherwise)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(sessions(request).read(request), fields.get("csrf"))
    return fields


def render(
    request: Request, template: str, context: dict[str, Any], actor: Actor | None = None, status: int = 200
) -> HTMLResponse:
    """A page; a visitor without a CSRF token gets one in a fresh cookie, so the forms on it can be checked."""
    data = sessions(request).read(request)
    fresh = "csrf" not in data
    if fresh:
        data = {**data, "csrf": new_csrf()}
    response = templates.TemplateResponse(
        request, template, {"actor": actor, "csrf": data["csrf"], **context}, status_code=status
    )
    if fresh:
        sessions(request).write(request, response, data)
    return response


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)

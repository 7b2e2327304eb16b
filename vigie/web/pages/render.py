"""Rendering pages: templates, the signed-in user, the CSRF token every form carries, and one-time notices.

A form that succeeds answers with a redirect (post/redirect/get), so reloading the page does not
submit it again; what it did is said once on the next page, through a short notice kept in the
signed session cookie. A form that fails is answered at once with its page again, the error on top
and the status code saying why (403 refused, 422 bad input).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from vigie.access import AccessDenied, Actor
from vigie.access.service import actor_by_id
from vigie.store.engine import session_scope
from vigie.web.sessions import Sessions, check_csrf, new_csrf
from vigie.web.units import acting, by_user_id

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
# The templates ship with vigie and change only with it, so a rendered page does not look at each template
# file's date to see whether to compile it again (a stat of each file a page extends or includes, every page).
templates.env.auto_reload = False
NOTICE_LIMIT = 400  # characters: the notice rides in the cookie, which browsers cap at 4 kB


def sessions(request: Request) -> Sessions:
    found = request.app.state.sessions
    assert isinstance(found, Sessions)
    return found


@contextmanager
def signed_in(request: Request, records_reading: bool = False) -> Iterator[tuple[Session, Actor]]:
    """A transaction acting as the session's user, read-only for a GET unless the audit log records the reading
    (`vigie.web.units.acting`); Unauthenticated (→ the login page) without a signed-in user."""
    data = sessions(request).read(request)
    user = by_user_id(data.get("uid"))
    with acting(request.app.state.engines, user, request.method, request.url.path, records_reading) as pair:
        yield pair


async def form_checked(request: Request) -> dict[str, str]:
    """The submitted form, once its CSRF token matches the session's (CsrfFailed → 403 otherwise).

    A field given several times (checkboxes) keeps its values joined by newlines; `many` splits them.
    """
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields[key] = f"{fields[key]}\n{value}" if key in fields else value
    check_csrf(sessions(request).read(request), fields.get("csrf"))
    return fields


async def upload_checked(request: Request, name: str) -> tuple[dict[str, str], UploadFile | None]:
    """A multipart form's text fields (CSRF checked) and its file field `name`, if one was chosen."""
    fields = await form_checked(request)
    form = await request.form()
    upload = form.get(name)
    return fields, upload if isinstance(upload, UploadFile) and upload.filename else None


def many(value: str | None) -> list[str]:
    """A repeated field's values, or a comma-separated text field's, without blanks."""
    if not value:
        return []
    return [part.strip() for line in value.split("\n") for part in line.split(",") if part.strip()]


def status_of(exc: Exception) -> int:
    return 403 if isinstance(exc, AccessDenied) else 404 if isinstance(exc, LookupError) else 422


def redirect(request: Request, target: str, notice: str | None = None) -> RedirectResponse:
    """303 to `target`, with a notice shown once on the page it leads to."""
    response = RedirectResponse(target, status_code=303)
    if notice:
        data = sessions(request).read(request)
        if data:
            data["notice"] = notice if len(notice) <= NOTICE_LIMIT else notice[: NOTICE_LIMIT - 1] + "…"
            sessions(request).write(request, response, data)
    return response


def render(
    request: Request, template: str, context: dict[str, Any], actor: Actor | None = None, status: int = 200
) -> HTMLResponse:
    """A page; a visitor without a CSRF token gets one in a fresh cookie, so the forms on it can be checked."""
    data = sessions(request).read(request)
    notice = data.pop("notice", None)
    fresh = "csrf" not in data
    if fresh:
        data = {**data, "csrf": new_csrf()}
    response = templates.TemplateResponse(
        request,
        template,
        {"actor": actor, "csrf": data["csrf"], "notice": notice, "path": request.url.path, **context},
        status_code=status,
    )
    if fresh or notice is not None:
        sessions(request).write(request, response, data)
    return response


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    """The error page, with the navigation bar when the visitor is signed in (so they can go on)."""
    actor: Actor | None = None
    user_id = sessions(request).read(request).get("uid")
    if user_id and status != 401:
        try:
            with session_scope(request.app.state.engines.writer) as session:
                actor = actor_by_id(session, user_id)
        except (AccessDenied, SQLAlchemyError):
            actor = None
    return render(request, "error.html", {"status": status, "detail": detail}, actor, status=status)

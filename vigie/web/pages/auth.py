"""Signing in with a local user's name and password, and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigie.access import AccessDenied, authenticate_password
from vigie.store.engine import session_scope
from vigie.web.pages.render import form_checked, render, sessions
from vigie.web.sessions import new_csrf

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another one."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None, "name": ""})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await form_checked(request)
    name, password, target = form.get("name", ""), form.get("password", ""), safe_next(form.get("next"))
    try:
        with session_scope(request.app.state.engines.writer) as session:
            actor = authenticate_password(session, name, password)
    except AccessDenied:
        context = {"next": target, "error": "Wrong name or password, or the user is disabled.", "name": name}
        return render(request, "login.html", context, status=401)
    response = RedirectResponse(target, status_code=303)
    # A new CSRF token with the new session: one learnt before signing in is worth nothing after.
    sessions(request).write(request, response, {"uid": actor.id, "csrf": new_csrf()})
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_checked(request)
    response = RedirectResponse("/login", status_code=303)
    sessions(request).clear(response)
    return response

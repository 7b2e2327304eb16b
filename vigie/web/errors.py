"""Errors become clear answers: a JSON body for the API, a page (or the login form) for a browser.

The service layer speaks in exceptions whose message names the field and the reason; this module
only chooses the status code. Bad input is 422, something that does not exist is 404, a refusal by
the role or membership rules is 403, missing credentials 401, and a server that is not set up for
the request (no secret key, an unusable policy file or connector) 503. The JSON body has one shape
everywhere, including FastAPI's own validation errors:
`{"error": {"status": 404, "title": "Not Found", "detail": "..."}}`. `detail` is a sentence, or a
list of problems each naming where it is: `{"field", "message"}` for a request's parameters,
`{"file", "row", "line", "field", "message"}` for a register import, every problem at once.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigie.access import AccessDenied
from vigie.access.crypto import KeyMissing, SealError
from vigie.enforce.connectors import ConnectorError
from vigie.evidence.read import Unreadable
from vigie.evidence.service import CorrectionError
from vigie.register.errors import ImportFailed
from vigie.risk.policy import PolicyError
from vigie.web.sessions import CsrfFailed
from vigie.web.units import Unauthenticated


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(status: int, detail: Any) -> dict[str, Any]:
    return {"error": {"status": status, "title": HTTPStatus(status).phrase, "detail": detail}}


def _answer(request: Request, status: int, detail: str) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(status, detail), status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    from vigie.web.pages.render import render_error

    return render_error(request, status, detail)


def install(app: FastAPI) -> None:
    def unauthenticated(request: Request, exc: Exception) -> Response:
        return _answer(request, 401, str(exc))

    def denied(request: Request, exc: Exception) -> Response:
        return _answer(request, 403, str(exc))

    def csrf(request: Request, exc: Exception) -> Response:
        return _answer(request, 403, str(exc))

    def not_found(request: Request, exc: Exception) -> Response:
        return _answer(request, 404, str(exc.args[0]) if exc.args else "not found")

    def bad_input(request: Request, exc: Exception) -> Response:
        if isinstance(exc, LookupError):  # an unknown order is both (vigie.enforce.service.UnknownOrder)
            return not_found(request, exc)
        return _answer(request, 422, str(exc))

    def unavailable(request: Request, exc: Exception) -> Response:
        return _answer(request, 503, str(exc))

    def import_failed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ImportFailed)
        problems = [
            {"file": e.file, "row": e.row, "line": e.line, "field": e.field, "message": e.message} for e in exc.errors
        ]
        if is_api(request):
            return JSONResponse(error_body(422, problems), status_code=422)
        return _answer(request, 422, "; ".join(str(e) for e in exc.errors))

    def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        if is_api(request):
            return JSONResponse(error_body(422, problems), status_code=422)
        return _answer(request, 422, "; ".join(f"{p['field']}: {p['message']}" for p in problems))

    def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _answer(request, exc.status_code, str(exc.detail))

    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_exception_handler(AccessDenied, denied)
    app.add_exception_handler(CsrfFailed, csrf)
    app.add_exception_handler(LookupError, not_found)
    # A correction that cannot apply is bad input: the routes answer 404 for an unknown document or claim first.
    app.add_exception_handler(CorrectionError, bad_input)
    app.add_exception_handler(Unreadable, bad_input)
    app.add_exception_handler(ImportFailed, import_failed)
    app.add_exception_handler(ValueError, bad_input)
    app.add_exception_handler(KeyMissing, unavailable)
    app.add_exception_handler(SealError, unavailable)
    app.add_exception_handler(PolicyError, unavailable)
    app.add_exception_handler(ConnectorError, unavailable)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)

    def crashed(request: Request, exc: Exception) -> Response:
        # The details stay in the server's log; the client learns only that it was not its fault.
        return _answer(request, 500, "internal error: the request was not carried out (see the server log)")

    app.add_exception_handler(Exception, crashed)

"""Signed session cookies and CSRF tokens for the pages (the API uses bearer tokens instead).

The cookie holds only the user's id and the session's CSRF token, signed and timestamped with
itsdangerous; it is HttpOnly (no script can read it), SameSite=Lax (no cross-site POST carries it)
and Secure whenever the request came over https. Every form repeats the CSRF token in a hidden
field and every POST compares the two, so a page on another site cannot submit our forms.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from vigie.web.settings import SESSION_COOKIE, WebSettings


class CsrfFailed(Exception):
    """A form came without the token of the session it claims to belong to."""


_STATE = "vigie_session"  # where a request keeps its verified session data


class Sessions:
    def __init__(self, settings: WebSettings) -> None:
        self._serializer = URLSafeTimedSerializer(settings.secret_key, salt="vigie.web.session")
        self.max_age = int(settings.session_hours * 3600)

    def read(self, request: Request) -> dict[str, str]:
        """The session's data, or an empty one when the cookie is absent, forged or expired: a copy the caller
        may change. The cookie is verified once a request (a page reads it to sign in and again to render)."""
        cached: dict[str, str] | None = getattr(request.state, _STATE, None)
        if cached is None:
            cached = self._verified(request.cookies.get(SESSION_COOKIE))
            setattr(request.state, _STATE, cached)
        return dict(cached)

    def _verified(self, raw: str | None) -> dict[str, str]:
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def write(self, request: Request, response: Response, data: dict[str, str]) -> None:
        setattr(request.state, _STATE, dict(data))
        response.set_cookie(
            SESSION_COOKIE,
            self._serializer.dumps(data),
            max_age=self.max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(session: dict[str, str], submitted: str | None) -> None:
    expected = session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CsrfFailed("the form's security token is missing or out of date: reload the page and submit it again")

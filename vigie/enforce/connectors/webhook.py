"""The signed webhook: POST the order as JSON, signed with HMAC-SHA256, and read the answer.

urllib from the standard library is enough for one POST with a timeout; it keeps vigie free of an
HTTP client dependency. Redirects are not followed: a signed order goes to the configured URL or
nowhere.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message as Headers
from typing import Any

from vigie.enforce.connectors import Message, excerpt
from vigie.enforce.orders import Answer, read_acknowledgement
from vigie.enforce.signing import (
    DEFAULT_WINDOW,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    verify,
)

RETRYABLE_STATUS = frozenset({408, 425, 429})  # plus every 5xx: the receiver may do better later


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then surfaces as an HTTPError, and is refused below


class WebhookConnector:
    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float, clock: Callable[[], float] = time.time) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"enforce.webhook_url must be an http:// or https:// URL, got {url!r}")
        self.url = url
        self.target = url
        self._secret = secret
        self._timeout = timeout
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect)

    def deliver(self, message: Message) -> Answer:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "vigie-enforce/1",
            IDEMPOTENCY_HEADER: message.idempotency_key,
            **sign(self._secret, message.body, self._clock()),
        }
        request = urllib.request.Request(self.url, data=message.body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status, answer_headers, data = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            status, answer_headers, data = exc.code, exc.headers, exc.read()
        except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out, reset
            reason = getattr(exc, "reason", exc)
            return Answer("failed", f"cannot reach {self.url}: {reason}")
        return self._interpret(status, answer_headers, data, message)

    def _interpret(self, status: int, headers: Headers, data: bytes, message: Message) -> Answer:
        raw = f"HTTP {status} " + excerpt(data)
        if status == 401 or status == 403:
            return Answer(
                "failed",
                f"the receiver refused the request (HTTP {status}): check enforce.webhook_secret and the clocks",
                permanent=True,
                raw=raw,
            )
        if status >= 500 or status in RETRYABLE_STATUS:
            return Answer("failed", f"the receiver answered HTTP {status}", raw=raw)
        if not 200 <= status < 300:
            return Answer(
                "failed", f"the receiver answered HTTP {status}; retrying cannot help", permanent=True, raw=raw
            )
        if headers.get(SIGNATURE_HEADER) is not None:
            # A signed answer must verify: otherwise anything between us and the receiver could
            # acknowledge an order that was never applied.
            try:
                verify(
                    self._secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), data, self._clock(),
                    DEFAULT_WINDOW,
                )  # fmt: skip
            except SignatureError as exc:
                return Answer("failed", f"the answer's signature does not verify: {exc}", raw=raw)
        try:
            parsed = json.loads(data) if data.strip() else None
        except ValueError:
            parsed = None
        answer = read_acknowledgement(parsed, message.idempotency_key)
        return Answer(answer.outcome, answer.detail, answer.answer, answer.permanent, raw)

"""Connectors: how an order reaches the provider's control plane.

Each connector takes one message (the order's exact bytes and its idempotency key) and says what
happened — acknowledged, sent (acknowledgement to follow) or failed — without touching the
database: the service records the answer in its own transaction. Delivery is at-least-once; the
idempotency key is what lets the control plane apply each order exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vigie.enforce.orders import Answer
from vigie.settings import EnforceSettings


@dataclass(frozen=True)
class Message:
    order_id: str
    idempotency_key: str
    body: bytes  # canonical JSON, identical at every attempt


class Connector(Protocol):
    name: str
    target: str  # where it delivers (URL, folder, command), as recorded with each attempt

    def deliver(self, message: Message) -> Answer: ...


class ConnectorError(ValueError):
    """The configured connector cannot work as configured; the message names the setting."""


def make_connector(config: EnforceSettings) -> Connector:
    """The connector `enforce.connector` names, checked for the settings it needs."""
    if config.connector == "webhook":
        from vigie.enforce.connectors.webhook import WebhookConnector

        if not config.webhook_url:
            raise ConnectorError("enforce.webhook_url (VIGIE_ENFORCE_WEBHOOK_URL) is needed by the webhook connector")
        if not config.webhook_secret:
            raise ConnectorError(
                "enforce.webhook_secret (VIGIE_ENFORCE_WEBHOOK_SECRET, or enforce.webhook_secret_file) "
                "is needed by the webhook connector"
            )
        return WebhookConnector(config.webhook_url, config.webhook_secret, config.timeout)
    if config.connector == "command":
        from vigie.enforce.connectors.command import CommandConnector

        if not config.command:
            raise ConnectorError("enforce.command (VIGIE_ENFORCE_COMMAND) is needed by the command connector")
        return CommandConnector(config.command, config.timeout)
    if config.connector == "outbox":
        from vigie.enforce.connectors.outbox import OutboxConnector

        return OutboxConnector(config.outbox)
    raise ConnectorError(f"enforce.connector: unknown connector {config.connector!r}")


def excerpt(text: str | bytes, limit: int = 2000) -> str:
    """The start of an answer, kept with the attempt; enough to diagnose, never a whole page."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "…"

"""Notifications through an adapter: the log adapter records them in the database; the webhook posts them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copilot.errors import NotificationError
from copilot.models import Notification, utcnow

log = logging.getLogger(__name__)


class NotificationMessage(BaseModel):
    recipient: str
    subject: str
    body: str
    priority: Literal["normal", "high"] = "normal"


class Notifier(Protocol):
    def send(self, message: NotificationMessage, *, idempotency_key: str) -> bool:
        """Send once per key; return False when the key was already sent."""
        ...


class LogNotifier:
    """Records each notification in the database and the log (the embedded default)."""

    channel = "log"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def send(self, message: NotificationMessage, *, idempotency_key: str) -> bool:
        with Session(self._engine) as session:
            if session.exec(
                select(Notification).where(Notification.idempotency_key == idempotency_key)
            ).first():
                return False
            session.add(
                Notification(channel=self.channel, idempotency_key=idempotency_key, **message.model_dump())
            )
            try:
                session.commit()
            except IntegrityError:
                return False
        log.info("notify %s [%s]: %s", message.recipient, message.priority, message.subject)
        return True


SIGNATURE_HEADER = "X-Copilot-Signature"
"""HMAC-SHA256 of the raw request body with the shared secret, as `sha256=<hex>`."""


def sign(body: bytes, secret: str) -> str:
    """Return the signature header value of a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Check a webhook signature in constant time (for receivers and tests)."""
    return hmac.compare_digest(sign(body, secret), signature)


class WebhookNotifier:
    """Posts each notification as JSON to a URL, then records it (channel "webhook") after a 2xx.

    The `Idempotency-Key` header carries the key, so a receiver can drop the duplicate that two racing
    senders could deliver; a key already recorded here is not sent again. Any other answer, or a
    transport failure, raises NotificationError and records nothing, so the caller may retry or fall back.
    """

    channel = "webhook"

    def __init__(self, engine: Engine, url: str, timeout_s: float, secret: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise NotificationError(
                f"webhook URL {url!r} must start with http:// or https://", retryable=False
            )
        self._engine = engine
        self._url = url
        self._timeout_s = timeout_s
        self._secret = secret

    def _already_sent(self, idempotency_key: str) -> bool:
        with Session(self._engine) as session:
            return (
                session.exec(
                    select(Notification).where(Notification.idempotency_key == idempotency_key)
                ).first()
                is not None
            )

    def _post(self, message: NotificationMessage, idempotency_key: str) -> None:
        payload = {
            **message.model_dump(),
            "idempotency_key": idempotency_key,
            "sent_at": utcnow().isoformat(),
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(body, self._secret)
        try:
            response = httpx.post(self._url, content=body, headers=headers, timeout=self._timeout_s)
        except httpx.TimeoutException as exc:
            raise NotificationError(
                f"webhook {self._url} timed out after {self._timeout_s:g} s for {idempotency_key!r}"
            ) from exc
        except httpx.HTTPError as exc:
            raise NotificationError(
                f"webhook {self._url} unreachable for {idempotency_key!r}: {exc.__class__.__name__}: {exc}"
            ) from exc
        if not response.is_success:
            status = response.status_code
            raise NotificationError(
                f"webhook {self._url} answered {status} for {idempotency_key!r}: {response.text[:200]}",
                status_code=status,
                retryable=status >= 500 or status in (408, 429),
            )

    def send(self, message: NotificationMessage, *, idempotency_key: str) -> bool:
        if self._already_sent(idempotency_key):
            return False
        self._post(message, idempotency_key)
        with Session(self._engine) as session:
            session.add(
                Notification(channel=self.channel, idempotency_key=idempotency_key, **message.model_dump())
            )
            try:
                session.commit()
            except IntegrityError:  # a concurrent sender recorded the key first
                return False
        log.info("webhook %s [%s]: %s", message.recipient, message.priority, message.subject)
        return True

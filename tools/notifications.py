"""Notifications through an adapter: the log adapter records them in the database."""

from __future__ import annotations

import logging
from typing import Literal, Protocol

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from copilot.models import Notification

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

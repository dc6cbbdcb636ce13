"""Notifications with a fail-safe: retry a transient failure, then fall back to the log channel, and say so."""

from __future__ import annotations

import logging

from copilot.errors import NotificationError
from copilot.resilience import retry
from tools.notifications import NotificationMessage, Notifier

log = logging.getLogger(__name__)


class ResilientNotifier:
    """Sends through `primary` (e.g. a webhook); when it keeps failing, records the message on `fallback`."""

    def __init__(
        self, primary: Notifier, fallback: Notifier, *, attempts: int = 3, base_delay_s: float = 0.2
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self._attempts = attempts
        self._base_delay_s = base_delay_s
        self.fallbacks = 0

    def send(self, message: NotificationMessage, *, idempotency_key: str) -> bool:
        try:
            return retry(
                lambda: self.primary.send(message, idempotency_key=idempotency_key),
                attempts=self._attempts,
                base_delay_s=self._base_delay_s,
                retry_on=lambda exc: isinstance(exc, NotificationError) and exc.retryable,
            )
        except NotificationError as exc:
            self.fallbacks += 1
            log.warning(
                "notification %s: primary channel failed (%s); recorded on the fallback channel",
                idempotency_key,
                exc,
            )
            noted = message.model_copy(
                update={
                    "priority": "high",
                    "body": f"{message.body}\n[delivery fallback: the primary channel failed: {exc}]",
                }
            )
            return self.fallback.send(noted, idempotency_key=idempotency_key)

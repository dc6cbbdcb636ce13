"""Alert intake with group commit: one writer thread records batches of alerts in one transaction each.

A request waits until its alert is committed (so a 202 means it is stored: nothing acknowledged is lost),
but many requests share one commit, which is what makes a thousand alerts a second possible on SQLite.
New investigations go to the investigation worker after the commit.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from copilot.errors import CopilotError
from copilot.investigations import record_alerts
from copilot.schemas import AlertIn
from copilot.services import Services

log = logging.getLogger(__name__)

MAX_BATCH = 500


@dataclass(frozen=True)
class Recorded:
    alert_id: int
    investigation_id: int
    merged: bool


@dataclass
class _Item:
    alert: AlertIn
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Recorded]


class AlertIntake:
    """Owns alert writes in this process; `submit` is awaited by the request handler."""

    def __init__(self, services: Services, on_new_investigation: Callable[[int, AlertIn], None]) -> None:
        self._services = services
        self._on_new = on_new_investigation
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alert-intake", daemon=True)
        self.batches = 0
        self.recorded = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    async def submit(self, alert: AlertIn) -> Recorded:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Recorded] = loop.create_future()
        self._queue.put(_Item(alert, loop, future))
        return await future

    def _drain(self, first: _Item) -> tuple[list[_Item], bool]:
        items, stop = [first], False
        while len(items) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stop = True
                break
            items.append(item)
        return items, stop

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items, stop = self._drain(first)
            try:
                results = record_alerts(self._services, [i.alert for i in items])
            except (
                Exception
            ) as exc:  # the whole batch failed (e.g. the database is down): every caller hears it
                log.exception("alert intake: a batch of %d failed", len(items))
                for item in items:
                    item.loop.call_soon_threadsafe(_fail, item.future, exc)
                if stop:
                    return
                continue
            self.batches += 1
            for item, result in zip(items, results, strict=True):
                if isinstance(result, CopilotError):
                    item.loop.call_soon_threadsafe(_fail, item.future, result)
                    continue
                alert_id, investigation_id, merged = result
                self.recorded += 1
                if not merged:  # hand the investigation over before acknowledging the alert
                    self._on_new(investigation_id, item.alert)
                item.loop.call_soon_threadsafe(
                    _succeed, item.future, Recorded(alert_id, investigation_id, merged)
                )
            if stop:
                return


def _succeed(future: asyncio.Future[Recorded], value: Recorded) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Recorded], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)

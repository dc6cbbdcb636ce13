"""A background worker that runs investigations off the request path, one at a time, in order."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from copilot.investigations import run_investigation
from copilot.schemas import AlertIn
from copilot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    investigation_id: int
    alert: AlertIn


class InvestigationWorker:
    """Consumes new investigations from a queue; `join()` waits until the queue is drained."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="investigation-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, investigation_id: int, alert: AlertIn) -> None:
        self._queue.put(Job(investigation_id, alert))

    def join(self) -> None:
        self._queue.join()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                run_investigation(self._services, job.investigation_id, job.alert)
            except Exception:
                log.exception("investigation %s failed in the worker", job.investigation_id if job else "?")
            finally:
                self._queue.task_done()

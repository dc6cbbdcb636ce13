"""Retries with exponential backoff and jitter, and a circuit breaker, for calls to an LLM endpoint."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from copilot.errors import LLMUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RetryOn = tuple[type[BaseException], ...] | Callable[[BaseException], bool]
"""Which exceptions are worth another attempt: exception types, or a predicate."""

BreakerState = Literal["closed", "open", "half_open"]


def _matches(retry_on: RetryOn, exc: BaseException) -> bool:
    if isinstance(retry_on, tuple):
        return isinstance(exc, retry_on)
    return retry_on(exc)


def backoff_delay(
    attempt: int, *, base_delay_s: float, max_delay_s: float, rng: Callable[[], float] = random.random
) -> float:
    """Return the pause after failed attempt `attempt` (1-based): capped exponential, with equal jitter."""
    cap = min(max_delay_s, base_delay_s * 2 ** (attempt - 1))
    return cap / 2 + rng() * cap / 2


def retry(
    fn: Callable[[], T],
    *,
    attempts: int = 3,
    base_delay_s: float = 0.2,
    max_delay_s: float = 2.0,
    retry_on: RetryOn = (Exception,),
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Call `fn`, retrying up to `attempts` times in all on the errors `retry_on` matches; re-raise the last."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except BaseException as exc:
            if attempt == attempts or not _matches(retry_on, exc):
                raise
            delay = backoff_delay(attempt, base_delay_s=base_delay_s, max_delay_s=max_delay_s, rng=rng)
            log.warning(
                "attempt %d/%d failed (%s: %s); retrying in %.2fs",
                attempt,
                attempts,
                type(exc).__name__,
                exc,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class CircuitBreaker:
    """Fail fast while an endpoint is down.

    Closed: calls pass; `failure_threshold` consecutive failures open the circuit. Open: calls raise
    `LLMUnavailable` at once, without calling. After `reset_after_s` the circuit is half-open: one trial
    call passes (others still fail fast); its success closes the circuit, its failure opens it again.
    Only exceptions matched by `is_failure` count as failures; any other outcome means the endpoint
    answered, which counts as a success.
    """

    def __init__(
        self,
        failure_threshold: int = 3,
        reset_after_s: float = 30.0,
        *,
        is_failure: RetryOn = (Exception,),
        clock: Callable[[], float] = time.monotonic,
        name: str = "llm",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self.name = name
        self._is_failure = is_failure
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        """Return the state now ('half_open' once the reset time has passed)."""
        with self._lock:
            return self._state_locked()

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_after_s:
            return "half_open"
        return "open"

    def _admit(self) -> bool:
        """Let a call through or raise; return whether it is the half-open trial."""
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return False
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            assert self._opened_at is not None
            wait = max(self.reset_after_s - (self._clock() - self._opened_at), 0.0)
            detail = "a trial call is in flight" if state == "half_open" else f"next trial in {wait:.0f}s"
            raise LLMUnavailable(
                f"circuit open for {self.name} after {self._failures} consecutive failures ({detail})"
            )

    def _record(self, *, failed: bool, trial: bool) -> None:
        with self._lock:
            if trial:
                self._trial_in_flight = False
            if not failed:
                if self._opened_at is not None:
                    log.info("circuit for %s closed again", self.name)
                self._failures = 0
                self._opened_at = None
                return
            self._failures += 1
            if trial or self._failures >= self.failure_threshold:
                if self._opened_at is None or trial:
                    log.warning(
                        "circuit for %s opened after %d consecutive failures", self.name, self._failures
                    )
                self._opened_at = self._clock()

    def call(self, fn: Callable[[], T]) -> T:
        """Call `fn` through the breaker; raise `LLMUnavailable` without calling while open."""
        trial = self._admit()
        try:
            result = fn()
        except BaseException as exc:
            self._record(failed=_matches(self._is_failure, exc), trial=trial)
            raise
        self._record(failed=False, trial=trial)
        return result

    def reset(self) -> None:
        """Close the circuit and forget past failures."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

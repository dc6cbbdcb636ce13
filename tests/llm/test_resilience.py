"""Retries with backoff, and the circuit breaker, without any network."""

from __future__ import annotations

import pytest

from copilot.errors import LLMUnavailable
from copilot.resilience import CircuitBreaker, backoff_delay, retry
from tests.llm.conftest import FakeClock


class Flaky:
    """Fails with the given errors in turn, then answers 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_retry_backs_off_exponentially_with_a_cap() -> None:
    sleeps: list[float] = []
    fn = Flaky(TimeoutError(), TimeoutError(), TimeoutError(), TimeoutError())

    result = retry(
        fn,
        attempts=5,
        base_delay_s=0.5,
        max_delay_s=1.5,
        retry_on=(TimeoutError,),
        sleep=sleeps.append,
        rng=lambda: 1.0,
    )

    assert result == "ok" and fn.calls == 5
    assert sleeps == [0.5, 1.0, 1.5, 1.5]


def test_jitter_stays_between_half_and_full_delay() -> None:
    assert backoff_delay(2, base_delay_s=0.2, max_delay_s=2, rng=lambda: 0.0) == pytest.approx(0.2)
    assert backoff_delay(2, base_delay_s=0.2, max_delay_s=2, rng=lambda: 1.0) == pytest.approx(0.4)


def test_retry_gives_up_after_the_attempts() -> None:
    sleeps: list[float] = []
    fn = Flaky(*[ConnectionError(str(i)) for i in range(5)])

    with pytest.raises(ConnectionError, match="2"):
        retry(fn, attempts=3, retry_on=(ConnectionError,), sleep=sleeps.append)

    assert fn.calls == 3 and len(sleeps) == 2


def test_retry_does_not_retry_other_errors() -> None:
    fn = Flaky(ValueError("bad request"))

    with pytest.raises(ValueError):
        retry(fn, retry_on=lambda exc: isinstance(exc, TimeoutError), sleep=lambda s: None)

    assert fn.calls == 1


def test_breaker_cycle() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(
        failure_threshold=3, reset_after_s=30, is_failure=(ConnectionError,), clock=clock
    )

    for _ in range(2):
        with pytest.raises(ConnectionError):
            breaker.call(Flaky(ConnectionError()))
    assert breaker.state == "closed"
    assert breaker.call(Flaky()) == "ok"
    assert breaker.consecutive_failures == 0, "a success resets the count"

    for _ in range(3):
        with pytest.raises(ConnectionError):
            breaker.call(Flaky(ConnectionError()))
    assert breaker.state == "open"
    untouched = Flaky()
    with pytest.raises(
        LLMUnavailable, match=r"circuit open .* after 3 consecutive failures \(next trial in 30s\)"
    ):
        breaker.call(untouched)
    assert untouched.calls == 0

    clock.advance(30)
    assert breaker.state == "half_open"
    assert breaker.call(Flaky()) == "ok"
    assert breaker.state == "closed"


def test_errors_that_are_not_failures_do_not_trip_the_breaker() -> None:
    breaker = CircuitBreaker(failure_threshold=1, is_failure=(ConnectionError,), clock=FakeClock())

    with pytest.raises(ValueError):
        breaker.call(Flaky(ValueError("rejected")))

    assert breaker.state == "closed"


def test_only_one_trial_passes_while_half_open() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=5, clock=clock)
    with pytest.raises(ConnectionError):
        breaker.call(Flaky(ConnectionError()))
    clock.advance(5)

    def trial() -> str:
        with pytest.raises(LLMUnavailable, match="trial call is in flight"):
            breaker.call(Flaky())
        return "ok"

    assert breaker.call(trial) == "ok"
    assert breaker.state == "closed"

"""Alert policy: debounce, cooldown per asset and failure mode, storm suppression, severity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from copilot.schemas import Severity
from predictors.alert_policy import AlertPolicy, PolicyConfig, severity_for

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _feed(
    policy: AlertPolicy,
    scores: list[float],
    *,
    asset: str = "P-101",
    mode: str = "PMP-BRG",
    start: datetime = T0,
) -> list[bool]:
    return [
        policy.observe(
            asset_id=asset, failure_mode=mode, ts=start + timedelta(seconds=10 * i), score=s, threshold=0.5
        ).raise_alert
        for i, s in enumerate(scores)
    ]


def test_debounce_needs_consecutive_windows_over_threshold() -> None:
    policy = AlertPolicy(PolicyConfig(debounce=3))
    assert _feed(policy, [0.9, 0.9, 0.1, 0.9, 0.9, 0.9]) == [False, False, False, False, False, True]


def test_cooldown_suppresses_repeats_of_the_same_asset_and_mode_only() -> None:
    policy = AlertPolicy(PolicyConfig(debounce=1, cooldown=timedelta(minutes=30)))
    assert _feed(policy, [0.9, 0.9, 0.9]) == [True, False, False]
    assert policy.suppressed["cooldown"] == 2
    assert _feed(policy, [0.9], mode="PMP-CAV", start=T0 + timedelta(minutes=1)) == [True]
    assert _feed(policy, [0.9], start=T0 + timedelta(minutes=31)) == [True]


def test_storm_suppression_caps_alerts_site_wide() -> None:
    policy = AlertPolicy(PolicyConfig(debounce=1, storm_max_alerts=3, storm_window=timedelta(minutes=5)))
    raised = [_feed(policy, [0.9], asset=f"A-{i}", start=T0 + timedelta(seconds=i))[0] for i in range(6)]
    assert raised == [True, True, True, False, False, False]
    assert policy.suppressed["storm"] == 3


def test_severity_grows_with_the_margin_over_threshold() -> None:
    assert severity_for(0.55, 0.5) == Severity.low
    assert severity_for(0.7, 0.5) == Severity.medium
    assert severity_for(0.9, 0.5) == Severity.high
    assert severity_for(0.999, 0.5) == Severity.critical

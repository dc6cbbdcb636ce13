"""Alert policy: turn window scores into alerts with debounce, cooldown and storm suppression."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from copilot.schemas import Severity


@dataclass(frozen=True)
class PolicyConfig:
    """debounce: consecutive windows over threshold; cooldown per (asset, failure mode); storm cap site-wide."""

    debounce: int = 3
    cooldown: timedelta = timedelta(minutes=30)
    storm_window: timedelta = timedelta(minutes=5)
    storm_max_alerts: int = 20


@dataclass(frozen=True)
class WindowVerdict:
    """What the policy decided about one window."""

    raise_alert: bool
    reason: str
    severity: Severity | None = None


def severity_for(score: float, threshold: float) -> Severity:
    """Grade an anomaly score by how far past the threshold it is."""
    margin = (score - threshold) / max(1.0 - threshold, 1e-9)
    if score >= 0.99 and margin >= 0.9:
        return Severity.critical
    if margin >= 0.6:
        return Severity.high
    if margin >= 0.25:
        return Severity.medium
    return Severity.low


@dataclass
class AlertPolicy:
    """Stateful per-asset alerting; feed it window scores in time order per asset."""

    config: PolicyConfig = field(default_factory=PolicyConfig)
    _streak: dict[str, int] = field(default_factory=dict)
    _last_alert: dict[tuple[str, str], datetime] = field(default_factory=dict)
    _recent: deque[datetime] = field(default_factory=deque)
    suppressed: dict[str, int] = field(default_factory=lambda: {"cooldown": 0, "storm": 0})

    def observe(
        self, *, asset_id: str, failure_mode: str, ts: datetime, score: float, threshold: float
    ) -> WindowVerdict:
        """Decide whether this window raises an alert."""
        if score < threshold:
            self._streak[asset_id] = 0
            return WindowVerdict(False, "below threshold")
        streak = self._streak.get(asset_id, 0) + 1
        self._streak[asset_id] = streak
        if streak < self.config.debounce:
            return WindowVerdict(False, f"debounce {streak}/{self.config.debounce}")
        last = self._last_alert.get((asset_id, failure_mode))
        if last is not None and ts - last < self.config.cooldown:
            self.suppressed["cooldown"] += 1
            return WindowVerdict(False, "cooldown")
        while self._recent and ts - self._recent[0] > self.config.storm_window:
            self._recent.popleft()
        if len(self._recent) >= self.config.storm_max_alerts:
            self.suppressed["storm"] += 1
            return WindowVerdict(False, "storm suppression")
        self._recent.append(ts)
        self._last_alert[(asset_id, failure_mode)] = ts
        return WindowVerdict(True, "alert", severity_for(score, threshold))

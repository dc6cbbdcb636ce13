"""Sensor simulator: multivariate streams per asset class, with faults injected as in the site spec.

Every sensor follows its normal operating point, moved by a shared load variable (slow sinusoid plus a
random walk) and Gaussian noise. A fault ramps its severity from 0 to its peak and moves each sensor in
its signature by `severity * shift`, with noise scaled towards `noise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from copilot.schemas import AssetClassSpec

NORMAL = "normal"


@dataclass(frozen=True)
class FaultInjection:
    """A fault to inject: which failure code, when it starts, how fast it grows, how far it goes."""

    code: str
    onset_s: int
    ramp_s: int = 600
    peak: float = 1.0


@dataclass(frozen=True)
class SimulatedRun:
    """A simulated stream of one asset: values[t, s] at timestamps[t], with the fault severity per row."""

    asset_id: str
    sensors: list[str]
    timestamps: np.ndarray  # datetime64[ms], shape (T,)
    values: np.ndarray  # float64, shape (T, S)
    severity: np.ndarray  # float64, shape (T,)
    fault: FaultInjection | None

    def labels(self, min_severity: float) -> np.ndarray:
        """Label each row with the fault code where severity reached min_severity, else 'normal'."""
        out = np.full(len(self.severity), NORMAL, dtype=object)
        if self.fault is not None:
            out[self.severity >= min_severity] = self.fault.code
        return out


def _load_profile(rng: np.random.Generator, n: int, period_s: float) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    base = rng.uniform(0.35, 0.65)
    swing = rng.uniform(0.05, 0.2)
    cycle = swing * np.sin(2 * np.pi * t / rng.uniform(1800, 5400) + rng.uniform(0, 2 * np.pi))
    walk = np.cumsum(rng.normal(0.0, 0.002 * np.sqrt(period_s), n))
    walk -= np.linspace(0.0, walk[-1], n) if n > 1 else 0.0  # keep the walk from drifting away
    return np.clip(base + cycle + walk, 0.0, 1.0)


def simulate(
    spec: AssetClassSpec,
    *,
    asset_id: str,
    start: datetime,
    seconds: int,
    period_s: float = 1.0,
    fault: FaultInjection | None = None,
    seed: int = 0,
) -> SimulatedRun:
    """Simulate one asset for `seconds`, sampling every `period_s`, optionally with a fault."""
    rng = np.random.default_rng(seed)
    n = int(seconds / period_s)
    load = _load_profile(rng, n, period_s)
    means = np.array([s.mean for s in spec.sensors])
    sds = np.array([s.sd for s in spec.sensors])
    load_coef = np.array([s.load for s in spec.sensors])

    severity = np.zeros(n)
    shifts = np.zeros(len(spec.sensors))
    noise_mult = np.ones(len(spec.sensors))
    if fault is not None:
        mode = spec.failure_mode(fault.code)
        t = np.arange(n) * period_s
        severity = fault.peak * np.clip((t - fault.onset_s) / max(fault.ramp_s, 1), 0.0, 1.0)
        for i, sensor in enumerate(spec.sensors):
            effect = mode.signature.get(sensor.id)
            if effect is not None:
                shifts[i] = effect.shift
                noise_mult[i] = effect.noise

    noise_scale = sds[None, :] * (1.0 + severity[:, None] * (noise_mult[None, :] - 1.0))
    values = (
        means[None, :]
        + load_coef[None, :] * (load[:, None] - 0.5)
        + severity[:, None] * shifts[None, :]
        + rng.normal(0.0, 1.0, (n, len(spec.sensors))) * noise_scale
    )
    lo = np.array([s.valid[0] for s in spec.sensors])
    hi = np.array([s.valid[1] for s in spec.sensors])
    values = np.clip(values, lo, hi)
    start64 = np.datetime64(start.replace(tzinfo=None), "ms")  # numpy keeps UTC wall time
    timestamps = start64 + (np.arange(n) * period_s * 1000).astype("timedelta64[ms]")
    return SimulatedRun(asset_id, spec.sensor_ids, timestamps, values, severity, fault)

"""Helpers shared by the benchmarks: percentiles, peak memory, a fresh state folder."""

from __future__ import annotations

import platform
import resource
from collections.abc import Sequence

import numpy as np


def percentile_ms(samples_ns: Sequence[int] | np.ndarray, q: float) -> float:
    return round(float(np.percentile(np.asarray(samples_ns, dtype=np.float64), q)) / 1e6, 4)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict[str, str | int]:
    import os

    return {"cpus": os.cpu_count() or 0, "python": platform.python_version(), "machine": platform.machine()}

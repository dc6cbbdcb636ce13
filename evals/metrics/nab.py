"""The Numenta Anomaly Benchmark's raw per-file score (NAB v1.1 `Sweeper`), re-implemented.

Rows are scored by index, not elapsed time. The first min(floor(0.15 * n), 750) rows are a probationary
period and are not scored. A window [t1, t2] must start and end on timestamps of the file.
- A detection inside a window of W rows at row i is worth S(-(right - i + 1) / W) * tp / S(-1), where
  S(x) = 2 / (1 + e^(5x)) - 1 (and -1 beyond x > 3); only the best (the first) detection of a window counts.
- A window without any detection costs -fn.
- A detection outside all windows costs S(|i - right_prev| / (W_prev - 1)) * fp after a window, or -fp
  when no window precedes it.
The raw score is the sum. Detections are the scored rows whose anomaly score is >= the threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PROBATION_PERCENT = 0.15
OUTSIDE = -1
PROBATION = -2


@dataclass(frozen=True)
class CostMatrix:
    """NAB profile weights (all positive; the scorer applies the signs)."""

    tp: float
    fp: float
    fn: float


NAB_PROFILES: dict[str, CostMatrix] = {
    "standard": CostMatrix(tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": CostMatrix(tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": CostMatrix(tp=1.0, fp=0.11, fn=2.0),
}


@dataclass(frozen=True)
class NabFileScore:
    """A file's raw NAB score and its row counts (scored rows only)."""

    score: float
    tp: int
    tn: int
    fp: int
    fn: int


def scaled_sigmoid(position: float) -> float:
    """Return NAB's scaled sigmoid: about 0.987 at -1 (window start), 0 at 0, -1 beyond 3."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def _seconds(times: object) -> np.ndarray:
    return np.asarray(times).astype("datetime64[s]").astype(np.int64)


def probationary_length(n_rows: int, percent: float = PROBATION_PERCENT) -> float:
    return min(math.floor(percent * n_rows), percent * 5000)


def row_weights(
    timestamps: np.ndarray,
    windows: list[tuple[np.datetime64, np.datetime64]],
    cost: CostMatrix,
    probation_percent: float = PROBATION_PERCENT,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's score if it were a detection, and its window index (OUTSIDE, PROBATION or >= 0)."""
    ts = _seconds(timestamps)
    index: dict[int, int] = {}
    for i, t in enumerate(ts.tolist()):
        index.setdefault(t, i)  # the first occurrence, as list.index does
    bounds = []
    for start, end in windows:
        s, e = int(_seconds(start)), int(_seconds(end))
        if s not in index or e not in index:
            raise ValueError(f"window [{start}, {end}] does not start and end on timestamps of the series")
        bounds.append((index[s], index[e]))
    n = len(ts)
    weights = np.empty(n)
    window_of = np.full(n, OUTSIDE, dtype=np.int64)
    max_tp = scaled_sigmoid(-1.0)
    probation = probationary_length(n, probation_percent)
    pending = list(enumerate(bounds))
    current: tuple[int, int, int] | None = None  # (window id, right index, width)
    previous: tuple[int, int] | None = None  # (right index, width)
    for i in range(n):
        if pending and i == pending[0][1][0]:
            wid, (left, right) = pending.pop(0)
            current = (wid, right, right - left + 1)
        if current is not None:
            wid, right, width = current
            weights[i] = scaled_sigmoid(-(right - i + 1) / width) * cost.tp / max_tp
            window_of[i] = wid
        elif previous is None:
            weights[i] = -1.0 * cost.fp
        else:
            right_prev, width_prev = previous
            weights[i] = scaled_sigmoid(abs(right_prev - i) / (width_prev - 1)) * cost.fp
        if i < probation:
            window_of[i] = PROBATION
        if current is not None and i == current[1]:
            previous = (current[1], current[2])
            current = None
    return weights, window_of


def nab_file_score(
    timestamps: np.ndarray,
    anomaly_scores: np.ndarray,
    windows: list[tuple[np.datetime64, np.datetime64]],
    cost: CostMatrix,
    threshold: float = 0.5,
    probation_percent: float = PROBATION_PERCENT,
) -> NabFileScore:
    """Return the raw NAB score of one file for the detections anomaly_score >= threshold."""
    weights, window_of = row_weights(timestamps, windows, cost, probation_percent)
    scored = window_of != PROBATION
    detected = (np.asarray(anomaly_scores, dtype=np.float64) >= threshold) & scored
    in_window = window_of >= 0
    total = float(weights[detected & ~in_window].sum())
    for wid in np.unique(window_of[in_window & scored]):
        hits = weights[detected & (window_of == wid)]
        total += max(-cost.fn, float(hits.max())) if len(hits) else -cost.fn
    return NabFileScore(
        score=total,
        tp=int((detected & in_window).sum()),
        tn=int((~detected & ~in_window & scored).sum()),
        fp=int((detected & ~in_window).sum()),
        fn=int((~detected & in_window & scored).sum()),
    )

"""SKAB's changepoint score: NAB-like windows in time, as in SKAB `core/metrics.py` / tsad (metric="nab").

Per true changepoint t a detection window is placed (righter: [t, t + w]; lefter: [t - w, t];
center: [t - w/2, t + w/2]). When a window reaches into the next one, the next one is cut to start where
the previous one ends ("cut right window"); both bounds are inclusive, so a detection exactly on a shared
bound lies in both windows. In each window only the first detection counts, rewarded by
A_fp + (A_tp - A_fp) * (1 - tanh(x) / tanh(pi/2)) / 2 with x running from -pi/2 (window start) to pi/2
(window end) over 1000 steps; a window without detection costs A_fn; every detection outside all windows
costs A_fp. Per profile the scores, the null scores (n_windows * A_fn) and perfect scores
(n_windows * A_tp) are summed over files and normalised: 100 * (S - null) / (perfect - null).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Destination = Literal["righter", "lefter", "center"]
DETAIL = 1000  # points of the scoring curve across a window


@dataclass(frozen=True)
class Profile:
    """Weights of one application profile (A_tp > 0, A_fp and A_fn < 0)."""

    a_tp: float
    a_fp: float
    a_fn: float


PROFILES: dict[str, Profile] = {
    "standard": Profile(1.0, -0.11, -1.0),
    "lowfp": Profile(1.0, -0.22, -1.0),
    "lowfn": Profile(1.0, -0.11, -2.0),
}


@dataclass(frozen=True)
class FileConfusion:
    """Per file: first detection per detected window (window index -> (start, detection, end)),
    the detections outside all windows and the indices of windows without a detection."""

    tps: dict[int, tuple[int, int, int]]
    fps: np.ndarray
    fns: list[int]
    n_windows: int


@dataclass(frozen=True)
class SkabNabResult:
    """Normalised scores per profile, the number of missed changepoints and of false-positive points."""

    scores: dict[str, float]
    missed: int
    false_positives: int
    n_changepoints: int
    detection_delays_s: list[float] = field(default_factory=list)


def _as_ns(times: np.ndarray) -> np.ndarray:
    return np.asarray(times).astype("datetime64[ns]").astype(np.int64)


def detection_windows(
    changepoints_ns: np.ndarray, width_ns: int, destination: Destination = "righter"
) -> list[list[int]]:
    """Return [start, end] per changepoint, overlaps resolved by cutting the right window."""
    windows: list[list[int]] = []
    for t in np.sort(changepoints_ns):
        t = int(t)
        if destination == "righter":
            windows.append([t, t + width_ns])
        elif destination == "lefter":
            windows.append([t - width_ns, t])
        elif destination == "center":
            windows.append([t - width_ns // 2, t + width_ns // 2])
        else:
            raise ValueError(f"unknown window destination {destination!r}")
    for i in range(len(windows) - 1):
        if windows[i][1] >= windows[i + 1][0]:
            windows[i + 1][0] = windows[i][1]
    return windows


def file_confusion(windows: list[list[int]], detections_ns: np.ndarray) -> FileConfusion:
    """Split one file's detection times into first-in-window TPs, FPs outside windows and missed windows."""
    times = np.sort(np.asarray(detections_ns, dtype=np.int64))
    if not windows:
        return FileConfusion({}, times, [], 0)
    tps: dict[int, tuple[int, int, int]] = {}
    fns: list[int] = []
    fps = [times[times < windows[0][0]]]
    for i, (start, end) in enumerate(windows):
        inside = times[(times >= start) & (times <= end)]
        if len(inside):
            tps[i] = (start, int(inside[0]), end)
        else:
            fns.append(i)
        if i + 1 < len(windows):
            fps.append(times[(times > end) & (times < windows[i + 1][0])])
    fps.append(times[times > windows[-1][1]])
    return FileConfusion(tps, np.concatenate(fps), fns, len(windows))


def window_reward(start: int, detection: int, end: int, profile: Profile) -> float:
    """Return the reward of a first detection at `detection` inside [start, end]."""
    x = np.linspace(-np.pi / 2, np.pi / 2, DETAIL)
    half = (profile.a_tp - profile.a_fp) / 2
    curve = half * -1 * np.tanh(x) / np.tanh(np.pi / 2) + half + profile.a_fp
    event = int((detection - start) / (end - start) * DETAIL)
    return float(curve[min(event, DETAIL - 1)])


def skab_nab_score(
    timestamps: Sequence[np.ndarray],
    true_cp: Sequence[np.ndarray],
    pred_cp: Sequence[np.ndarray],
    *,
    window: str = "60s",
    destination: Destination = "righter",
    profiles: dict[str, Profile] | None = None,
) -> SkabNabResult:
    """Score changepoint predictions of several files (0/1 arrays aligned with their timestamps)."""
    profiles = profiles or PROFILES
    width_ns = int(pd.Timedelta(window).value)
    totals = {name: np.zeros(3) for name in profiles}  # score, null, perfect
    missed = false_positives = n_changepoints = 0
    delays: list[float] = []
    for ts, truth, pred in zip(timestamps, true_cp, pred_cp, strict=True):
        ns = _as_ns(ts)
        windows = detection_windows(ns[np.asarray(truth) == 1], width_ns, destination)
        conf = file_confusion(windows, ns[np.asarray(pred) == 1])
        missed += len(conf.fns)
        false_positives += len(conf.fps)
        n_changepoints += conf.n_windows
        delays.extend((d - s) / 1e9 for s, d, _ in conf.tps.values())
        for name, profile in profiles.items():
            score = profile.a_fp * len(conf.fps) + profile.a_fn * len(conf.fns)
            score += sum(window_reward(s, d, e, profile) for s, d, e in conf.tps.values())
            totals[name] += (score, conf.n_windows * profile.a_fn, conf.n_windows * profile.a_tp)
    scores = {}
    for name, (score, null, perfect) in totals.items():
        scores[name] = float(100 * (score - null) / (perfect - null)) if perfect != null else float("nan")
    return SkabNabResult(scores, missed, false_positives, n_changepoints, delays)

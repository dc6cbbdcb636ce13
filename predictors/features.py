"""Window features: the one code path that training and serving both use.

A window is `window` consecutive rows of an asset's sensors (shape W x S). Per sensor the features are
level (mean), spread (std), slope (least squares per row), range (max - min), and the share of the window's
variance in a low and a high frequency band (power spectrum of the demeaned window: the lowest tenth and the
upper half of the non-zero frequencies). Broadband noise (cavitation, a failing bearing) raises the high
band; a drift raises the low band.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FEATURE_KINDS: tuple[str, ...] = ("mean", "std", "slope", "range", "band_low", "band_high")


def feature_names(sensors: list[str]) -> list[str]:
    """Return the feature names in the order window_features produces them."""
    return [f"{sensor}__{kind}" for sensor in sensors for kind in FEATURE_KINDS]


def sliding_windows(values: np.ndarray, window: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a (T, S) array into windows (n, W, S) every `step` rows; return them with each window's last row."""
    if values.shape[0] < window:
        return np.empty((0, window, values.shape[1]), dtype=values.dtype), np.empty(0, dtype=np.int64)
    view = sliding_window_view(values, window, axis=0)  # (T-W+1, S, W)
    view = view[::step].transpose(0, 2, 1)
    ends = np.arange(window - 1, values.shape[0], step)[: view.shape[0]]
    return view, ends


def window_features(windows: np.ndarray) -> np.ndarray:
    """Compute (n, S * len(FEATURE_KINDS)) float32 features from (n, W, S) windows."""
    if windows.ndim != 3:
        raise ValueError(f"windows must be (n, W, S), got shape {windows.shape}")
    n, w, s = windows.shape
    x = windows.astype(np.float64, copy=False)
    # einsum reductions: much faster than np.std on a strided sliding-window view.
    # Moments of the window shifted by its first row: numerically sound when the level dwarfs the spread.
    base = x[:, 0, :]
    shifted = x - base[:, None, :]
    offset = np.einsum("nws->ns", shifted) / w
    mean = base + offset
    std = np.sqrt(np.maximum(np.einsum("nws,nws->ns", shifted, shifted) / w - offset**2, 0.0))
    t = np.arange(w, dtype=np.float64) - (w - 1) / 2.0
    denom = float((t**2).sum()) or 1.0
    slope = np.einsum("w,nws->ns", t, shifted) / denom  # sum(t) == 0: the shift does not change it
    rng = x.max(axis=1) - x.min(axis=1)
    band_low, band_high = _band_shares(shifted - offset[:, None, :])
    out = np.stack([mean, std, slope, rng, band_low, band_high], axis=2)  # (n, S, K)
    return out.reshape(n, s * len(FEATURE_KINDS)).astype(np.float32)


def rolling_mean_names(sensors: list[str], window: int) -> list[str]:
    """Return the names of rolling_mean's columns, one per sensor."""
    return [f"{sensor}__rolling_mean_{window}" for sensor in sensors]


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Return the causal mean of each (T, S) row and the window - 1 rows before it (fewer at the start)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"values must be (T, S), got shape {x.shape}")
    csum = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x]), axis=0)
    ends = np.arange(1, x.shape[0] + 1)
    starts = np.maximum(ends - window, 0)
    return (csum[ends] - csum[starts]) / (ends - starts)[:, None]


def _band_shares(demeaned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the non-zero-frequency power in the low and high bands, per window and sensor."""
    power = np.abs(np.fft.rfft(demeaned, axis=1)[:, 1:, :]) ** 2  # (n, F, S), the mean (bin 0) removed
    bins = power.shape[1]
    if bins == 0:
        zero = np.zeros((demeaned.shape[0], demeaned.shape[2]))
        return zero, zero
    total = power.sum(axis=1) + 1e-12
    low = power[:, : max(1, bins // 10), :].sum(axis=1) / total
    high = power[:, bins // 2 :, :].sum(axis=1) / total
    return low, high

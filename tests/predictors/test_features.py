"""The feature module: shapes, values, and one code path for batch (training) and single windows (serving)."""

from __future__ import annotations

import numpy as np

from predictors.features import FEATURE_KINDS, feature_names, sliding_windows, window_features


def test_feature_names_follow_sensor_then_kind_order() -> None:
    names = feature_names(["a", "b"])
    assert names == [f"{s}__{k}" for s in ("a", "b") for k in FEATURE_KINDS]


def test_window_features_compute_level_spread_slope_and_range() -> None:
    t = np.arange(10, dtype=float)
    window = np.stack([2.0 * t + 1.0, np.full(10, 5.0)], axis=1)[None]  # one window, two sensors
    features = window_features(window)[0].reshape(2, len(FEATURE_KINDS))
    mean, std, slope, rng, band_low, band_high = features[0]
    assert np.isclose(mean, 10.0) and np.isclose(slope, 2.0) and np.isclose(rng, 18.0)
    assert np.isclose(std, np.std(2.0 * t + 1.0))
    assert band_low > band_high  # a ramp (a sawtooth to the DFT) leans to the low band
    assert np.allclose(features[1], [5.0, 0.0, 0.0, 0.0, 0.0, 0.0])


def test_noise_lands_in_the_high_band_and_drift_in_the_low_band() -> None:
    rng = np.random.default_rng(1)
    drift = np.sin(2 * np.pi * np.arange(60) / 60)[:, None]  # one slow period: all in the lowest bin
    noise = rng.normal(size=(60, 1))
    features = window_features(np.hstack([drift, noise])[None])[0].reshape(2, len(FEATURE_KINDS))
    low, high = FEATURE_KINDS.index("band_low"), FEATURE_KINDS.index("band_high")
    assert features[0, low] > 0.8 > features[1, low]
    assert features[1, high] > 0.3 > features[0, high]


def test_sliding_windows_end_rows_and_single_window_scoring_match_batch() -> None:
    values = np.random.default_rng(0).normal(size=(200, 3))
    windows, ends = sliding_windows(values, window=60, step=10)
    assert windows.shape == (15, 60, 3)
    assert ends[0] == 59 and ends[-1] == 199
    assert np.array_equal(windows[3], values[ends[3] - 59 : ends[3] + 1])
    batch = window_features(windows)
    single = window_features(values[ends[3] - 59 : ends[3] + 1][None])
    assert np.allclose(batch[3], single[0])


def test_short_stream_yields_no_window() -> None:
    windows, ends = sliding_windows(np.zeros((10, 2)), window=60, step=10)
    assert windows.shape == (0, 60, 2) and ends.size == 0

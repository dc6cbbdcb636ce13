"""The multivariate anomaly detector: fitted on normal rows only, ONNX-scored, explained per sensor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from copilot.errors import ValidationError
from predictors.anomaly import (
    AnomalyConfig,
    OnnxAnomalyScorer,
    changepoints,
    debounce,
    fit_detector,
    flag_edges,
    level_shifts,
    rising_edges,
    save_detector,
)
from predictors.artifacts import load_meta, save_artifact
from predictors.features import rolling_mean

SENSORS = ["flow", "pressure", "current", "vibration"]
LEVEL = np.array([120.0, 1.5, 2.2, 0.25])
NOISE = np.array([2.0, 0.05, 0.3, 0.01])


def normal_rows(n: int, seed: int) -> np.ndarray:
    return LEVEL + NOISE * np.random.default_rng(seed).normal(size=(n, len(SENSORS)))


@pytest.fixture
def shifted() -> np.ndarray:
    """600 normal rows, then the pressure shifts by 6 noise standard deviations for 300 rows."""
    rows = normal_rows(900, seed=2)
    rows[600:, 1] += 6 * NOISE[1]
    return rows


def test_rolling_mean_is_causal_and_matches_pandas() -> None:
    values = np.random.default_rng(0).normal(size=(50, 3))
    expected = pd.DataFrame(values).rolling(5, min_periods=1).mean().to_numpy()
    assert np.allclose(rolling_mean(values, 5), expected)
    changed = values.copy()
    changed[30:] += 100.0
    assert np.array_equal(rolling_mean(changed, 5)[:30], rolling_mean(values, 5)[:30])


def test_fit_on_normal_rows_detects_an_injected_shift(shifted: np.ndarray) -> None:
    detector = fit_detector(normal_rows(400, seed=1), SENSORS)
    score = detector.score(detector.features(shifted))
    flags = debounce(score > detector.threshold, detector.config.k_on, detector.config.k_off)
    assert flags[:600].mean() < 0.02
    assert flags[610:].mean() > 0.95
    onsets = np.flatnonzero(rising_edges(flags))
    assert any(600 <= i <= 615 for i in onsets)


def test_threshold_comes_from_the_training_rows_only() -> None:
    config = AnomalyConfig(window=5, quantile=0.99, factor=2.0)
    train = normal_rows(400, seed=1)
    detector = fit_detector(train, SENSORS, config)
    train_scores = detector.score(rolling_mean(train, config.window)[config.window - 1 :])
    assert detector.threshold == pytest.approx(2.0 * np.quantile(train_scores, 0.99))
    assert fit_detector(train.copy(), SENSORS, config).threshold == detector.threshold
    assert detector.training_rows == 400


def test_fit_refuses_too_few_rows_or_missing_readings() -> None:
    with pytest.raises(ValidationError):
        fit_detector(normal_rows(10, seed=1), SENSORS)
    broken = normal_rows(100, seed=1)
    broken[5, 2] = np.nan
    with pytest.raises(ValidationError):
        fit_detector(broken, SENSORS)


def test_onnx_scores_equal_numpy_and_metadata_is_complete(tmp_path: Path, shifted: np.ndarray) -> None:
    detector = fit_detector(normal_rows(400, seed=1), SENSORS)
    save_detector(detector, tmp_path, "pump_anomaly", asset_class="pump")
    meta = load_meta(tmp_path, "pump_anomaly")
    assert meta.kind == "multivariate_anomaly" and meta.sensors == SENSORS
    assert meta.feature_names == [f"{s}__rolling_mean_5" for s in SENSORS]
    assert meta.threshold == detector.threshold and meta.training_data_hash == detector.fingerprint
    assert {"quantile", "factor", "k_on", "k_off", "shift_window", "shift_delta", "shift_refractory"} <= set(
        meta.params
    )

    scorer = OnnxAnomalyScorer.load(tmp_path, "pump_anomaly")
    features = scorer.features(shifted)
    onnx_score, onnx_deviation = scorer.score(features)
    native = detector.score(features)
    assert np.allclose(onnx_score, native, rtol=1e-4, atol=1e-4)
    assert np.allclose(onnx_deviation, detector.deviation(features), rtol=1e-4, atol=1e-4)
    detection = scorer.detect(shifted)
    assert np.array_equal(detection.flags, debounce(native > detector.threshold, 5, 10))
    assert np.array_equal(detection.changepoints, changepoints(native, detection.flags, AnomalyConfig()))


def test_contributions_name_the_shifted_sensor(tmp_path: Path, shifted: np.ndarray) -> None:
    save_detector(fit_detector(normal_rows(400, seed=1), SENSORS), tmp_path, "pump_anomaly")
    scorer = OnnxAnomalyScorer.load(tmp_path, "pump_anomaly")
    detection = scorer.detect(shifted)
    top = scorer.contributions(detection.deviation[700], top=3)
    assert top[0].name == "pressure"
    assert top[0].value > 3.0 and top[0].weight > 0.8
    assert sum(c.weight for c in top) <= 1.0 + 1e-6


def test_debounce_needs_k_on_rows_to_raise_and_k_off_rows_to_clear() -> None:
    above = np.array([1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0], dtype=bool)
    assert debounce(above, 3, 3).tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0]
    assert rising_edges(np.array([0, 1, 1, 0, 1])).tolist() == [0, 1, 0, 0, 1]


def test_loading_another_kind_of_artifact_is_refused(tmp_path: Path) -> None:
    detector = fit_detector(normal_rows(400, seed=1), SENSORS)
    save_detector(detector, tmp_path, "pump_anomaly")
    meta = load_meta(tmp_path, "pump_anomaly").model_copy(update={"kind": "fault_classifier"})
    save_artifact(tmp_path, meta, (tmp_path / "pump_anomaly" / "model.onnx").read_bytes())
    with pytest.raises(ValidationError):
        OnnxAnomalyScorer.load(tmp_path, "pump_anomaly")


def test_changepoints_are_flag_edges_and_level_shifts_while_flagged() -> None:
    # a fault that develops in two steps (score 1 -> 10 -> 100) and clears: edges see only its start and end
    score = np.concatenate([np.full(100, 1.0), np.full(100, 10.0), np.full(100, 100.0), np.full(100, 1.0)])
    flags = (score > 5).astype(np.int8)
    assert np.flatnonzero(flag_edges(flags)).tolist() == [100, 300]
    shifts = level_shifts(score, flags, window=30, delta=0.35, refractory=30)
    # a step of log(10) = 2.3 is seen once 3 of the last 16 rows carry it (3 * 2.3 / 16 > 0.35): rows 102
    # and 202; the refractory rows keep each step to one changepoint
    assert np.flatnonzero(shifts).tolist() == [102, 202]
    config = AnomalyConfig(shift_window=30, shift_delta=0.35, shift_refractory=30)
    assert np.flatnonzero(changepoints(score, flags, config)).tolist() == [100, 102, 202, 300]
    # a noisy but level score while flagged adds nothing
    rng = np.random.default_rng(3)
    level = 20.0 * np.exp(rng.normal(0.0, 0.05, 400))
    assert level_shifts(level, np.ones(400, dtype=np.int8), 30, 0.35, 30).sum() == 0


def test_level_shifts_look_only_at_earlier_rows() -> None:
    score = np.concatenate([np.full(200, 10.0), np.full(200, 100.0)])
    flags = np.ones(400, dtype=np.int8)
    full = level_shifts(score, flags, 30, 0.35, 30)
    for end in (150, 201, 260, 400):
        assert np.array_equal(level_shifts(score[:end], flags[:end], 30, 0.35, 30), full[:end])

"""The scorers on tiny hand-checked cases: SKAB's binary metrics, SKAB's NAB variant, NAB's raw score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evals.metrics.binary import binary_scores
from evals.metrics.nab import NAB_PROFILES, CostMatrix, nab_file_score, probationary_length, scaled_sigmoid
from evals.metrics.skab_nab import (
    PROFILES,
    detection_windows,
    file_confusion,
    skab_nab_score,
    window_reward,
)
from predictors.anomaly import flag_edges

T0 = np.datetime64("2020-03-09T10:00:00")


def seconds(n: int) -> np.ndarray:
    """Return n timestamps one second apart."""
    return T0 + np.arange(n) * np.timedelta64(1, "s")


def marks(n: int, *rows: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.int8)
    out[list(rows)] = 1
    return out


# ---- binary outlier metrics -------------------------------------------------------------------------


def test_binary_counts_are_pooled_over_files_before_the_ratios() -> None:
    true = [np.array([1, 1, 0, 0]), np.array([0, 0, 0, 1, 1, 1])]
    pred = [np.array([1, 0, 1, 0]), np.array([0, 0, 0, 1, 1, 1])]
    s = binary_scores(true, pred)
    assert (s.tp, s.tn, s.fp, s.fn) == (4, 4, 1, 1)
    assert s.f1 == pytest.approx(4 / (4 + (1 + 1) / 2))  # 0.8
    assert s.far == pytest.approx(100 * 1 / 5)
    assert s.mar == pytest.approx(100 * 1 / 5)


def test_binary_perfect_and_null_detectors() -> None:
    true = [np.array([0, 1, 1, 0, 0])]
    perfect = binary_scores(true, true)
    null = binary_scores(true, [np.zeros(5, dtype=int)])
    assert (perfect.f1, perfect.far, perfect.mar) == (1.0, 0.0, 0.0)
    assert (null.f1, null.far, null.mar) == (0.0, 0.0, 100.0)


# ---- SKAB's NAB (changepoints, time windows) ---------------------------------------------------------


def test_flags_become_changepoints_on_both_edges_with_the_first_value_kept() -> None:
    assert flag_edges(np.array([1, 1, 0, 0, 1, 1])).tolist() == [1, 0, 1, 0, 1, 0]
    assert flag_edges(np.array([0, 1, 1, 0])).tolist() == [0, 1, 0, 1]


def test_perfect_detector_scores_100_and_null_detector_0() -> None:
    ts = seconds(300)
    true = marks(300, 100, 200)
    perfect = skab_nab_score([ts], [true], [true])
    null = skab_nab_score([ts], [true], [np.zeros(300, dtype=int)])
    assert perfect.scores == pytest.approx({"standard": 100.0, "lowfp": 100.0, "lowfn": 100.0})
    assert null.scores == pytest.approx({"standard": 0.0, "lowfp": 0.0, "lowfn": 0.0})
    assert (null.missed, null.false_positives, null.n_changepoints) == (2, 0, 2)


def test_detection_halfway_through_the_window_earns_the_tanh_weighted_reward() -> None:
    # Window [t, t + 60 s]; a detection 30 s late sits at step int(0.5 * 1000) = 500 of the curve,
    # x = -pi/2 + 500 * pi / 999, reward = A_fp + (A_tp - A_fp) * (1 - tanh(x) / tanh(pi/2)) / 2.
    x = -math.pi / 2 + 500 * math.pi / 999
    reward = -0.11 + 1.11 * (1 - math.tanh(x) / math.tanh(math.pi / 2)) / 2
    assert reward == pytest.approx(0.44405, abs=1e-4)
    ts = seconds(300)
    result = skab_nab_score([ts], [marks(300, 100)], [marks(300, 130)])
    assert result.scores["standard"] == pytest.approx(100 * (reward + 1) / 2)
    assert result.detection_delays_s == [30.0]
    # On time = A_tp, at the very end of the window = A_fp.
    assert window_reward(0, 0, 60, PROFILES["standard"]) == pytest.approx(1.0)
    assert window_reward(0, 60, 60, PROFILES["standard"]) == pytest.approx(-0.11)


def test_only_the_first_detection_in_a_window_counts_and_the_others_outside_are_false_positives() -> None:
    ts = seconds(300)
    pred = marks(300, 100, 110, 50, 250)  # on time, second hit in the window (ignored), two outside
    result = skab_nab_score([ts], [marks(300, 100)], [pred])
    assert (result.missed, result.false_positives) == (0, 2)
    # standard: 1 - 2 * 0.11 = 0.78 -> 100 * (0.78 + 1) / 2
    assert result.scores["standard"] == pytest.approx(89.0)
    assert result.scores["lowfp"] == pytest.approx(100 * (1 - 2 * 0.22 + 1) / 2)


def test_a_detection_before_the_changepoint_is_a_false_positive_with_righter_windows() -> None:
    ts = seconds(300)
    result = skab_nab_score([ts], [marks(300, 100)], [marks(300, 99)])
    assert (result.missed, result.false_positives) == (1, 1)
    assert result.scores["standard"] == pytest.approx(100 * (-1 - 0.11 + 1) / 2)  # -5.5
    assert result.scores["lowfn"] == pytest.approx(100 * (-2 - 0.11 + 2) / 3)


def test_overlapping_windows_cut_the_right_one_and_share_the_bound() -> None:
    ns = 1_000_000_000
    windows = detection_windows(np.array([0, 30 * ns]), 60 * ns, "righter")
    assert windows == [[0, 60 * ns], [60 * ns, 90 * ns]]
    shared = file_confusion(windows, np.array([60 * ns]))
    assert sorted(shared.tps) == [0, 1] and shared.fns == [] and len(shared.fps) == 0
    first_only = file_confusion(windows, np.array([45 * ns]))
    assert sorted(first_only.tps) == [0] and first_only.fns == [1]


def test_scores_are_summed_over_files_before_normalising() -> None:
    ts = seconds(200)
    a = skab_nab_score([ts, ts], [marks(200, 50), marks(200, 50)], [marks(200, 50), np.zeros(200, dtype=int)])
    assert a.scores["standard"] == pytest.approx(50.0)  # (1 + -1 - (-2)) / (2 - (-2))


# ---- NAB corpus raw score (row windows, probationary period) ----------------------------------------


def five_minutes(n: int) -> np.ndarray:
    return np.datetime64("2014-01-01T00:00:00") + np.arange(n) * np.timedelta64(300, "s")


def test_scaled_sigmoid_reference_points() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(3.5) == -1.0


def test_nab_null_and_first_row_detections() -> None:
    ts = five_minutes(1000)
    windows = [(ts[400], ts[409]), (ts[700], ts[709])]
    cost = NAB_PROFILES["standard"]
    null = nab_file_score(ts, np.zeros(1000), windows, cost)
    assert null.score == -2.0 and (null.tp, null.fp, null.fn) == (0, 0, 20)
    perfect = nab_file_score(ts, marks(1000, 400, 700).astype(float), windows, cost)
    assert perfect.score == pytest.approx(2.0)  # the first row of a window is worth exactly tp
    # Last row of a window: position -(1 / 10): 2 * sigmoid(0.5) - 1 scaled by 1 / S(-1).
    late = nab_file_score(ts, marks(1000, 409).astype(float), windows[:1], cost)
    assert late.score == pytest.approx(scaled_sigmoid(-0.1) / scaled_sigmoid(-1.0))


def test_nab_false_positives_cost_less_right_after_a_window() -> None:
    ts = five_minutes(1000)
    windows = [(ts[400], ts[409])]
    cost = CostMatrix(tp=1.0, fp=0.11, fn=1.0)
    before = nab_file_score(ts, marks(1000, 300).astype(float), windows, cost)
    assert before.score == pytest.approx(-1.0 - 0.11)  # missed window, FP with no window before it
    after = nab_file_score(ts, marks(1000, 410).astype(float), windows, cost)
    assert after.score == pytest.approx(-1.0 + 0.11 * scaled_sigmoid(1 / 9))  # 1 row past a 10-row window
    assert after.fp == 1 and after.fn == 10


def test_nab_ignores_the_probationary_period() -> None:
    ts = five_minutes(1000)
    assert probationary_length(1000) == 150
    assert probationary_length(100_000) == 750
    early_window = [(ts[10], ts[19])]
    result = nab_file_score(ts, marks(1000, 5, 15).astype(float), early_window, NAB_PROFILES["standard"])
    assert result.score == 0.0 and result.tp + result.fp + result.fn + result.tn == 850


def test_nab_threshold_selects_detections() -> None:
    ts = five_minutes(1000)
    windows = [(ts[400], ts[409])]
    scores = np.zeros(1000)
    scores[400] = 0.7
    cost = NAB_PROFILES["standard"]
    assert nab_file_score(ts, scores, windows, cost, threshold=0.5).score == pytest.approx(1.0)
    assert nab_file_score(ts, scores, windows, cost, threshold=0.8).score == -1.0

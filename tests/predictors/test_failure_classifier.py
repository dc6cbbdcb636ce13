"""The AI4I failure classifier: leak-free features, ONNX agreeing with XGBoost, a sane model on the real file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

from predictors.datasets.ai4i import MODES, READING_COLUMNS, Ai4iData, from_frame, read_ai4i
from predictors.failure_classifier import (
    FEATURE_NAMES,
    FORBIDDEN_INPUTS,
    MODEL_NAME,
    THRESHOLD_GRID,
    FailureClassifierConfig,
    FailureScorer,
    ProcessReading,
    build_artifact,
    failure_features,
    fit_failure_classifier,
    save_failure_classifier,
    train_failure_classifier,
)

SMALL = FailureClassifierConfig(n_estimators=40, learning_rate=0.3, inner_folds=2)
OSF_LIMIT = {"L": 11_000.0, "M": 12_000.0, "H": 13_000.0}


def synthetic_ai4i(n: int, seed: int) -> pd.DataFrame:
    """Generate rows with the UCI header whose labels follow the documented AI4I rules."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["L", "M", "H"], size=n, p=[0.6, 0.3, 0.1])
    air = np.round(300 + rng.normal(0, 2, n), 1)
    process = np.round(air + 10 + rng.normal(0, 1, n), 1)
    rpm = np.round(np.clip(rng.normal(1500, 250, n), 1150, 2900))
    torque = np.round(np.clip(rng.normal(40, 12, n), 3.8, 80), 1)
    wear = rng.integers(0, 250, n)
    power = torque * rpm * 2 * math.pi / 60
    modes = {
        "TWF": (wear >= 200) & (wear <= 240) & (rng.random(n) < 0.1),
        "HDF": (process - air < 8.6) & (rpm < 1380),
        "PWF": (power < 3500) | (power > 9000),
        "OSF": wear * torque > np.vectorize(OSF_LIMIT.get)(kind),
        "RNF": rng.random(n) < 0.004,
    }
    frame = pd.DataFrame(
        {
            "UDI": np.arange(1, n + 1),
            "Product ID": [f"{k}{i:05d}" for i, k in enumerate(kind)],
            "Type": kind,
            "Air temperature [K]": air,
            "Process temperature [K]": process,
            "Rotational speed [rpm]": rpm.astype(int),
            "Torque [Nm]": torque,
            "Tool wear [min]": wear,
        }
    )
    frame["Machine failure"] = np.any(list(modes.values()), axis=0).astype(int)
    for mode in MODES:
        frame[mode] = modes[mode].astype(int)
    return frame


@pytest.fixture(scope="module")
def synthetic() -> tuple[Ai4iData, Ai4iData]:
    """A training and a held-out synthetic set (other seeds)."""
    return from_frame(synthetic_ai4i(3000, seed=1)), from_frame(synthetic_ai4i(800, seed=2))


def test_features_never_see_labels_or_identifiers(synthetic: tuple[Ai4iData, Ai4iData]) -> None:
    train, _ = synthetic
    assert not FORBIDDEN_INPUTS & set(FEATURE_NAMES)
    assert not {"Machine failure", *MODES, "UDI", "Product ID"} & set(train.readings.columns)
    assert tuple(train.readings.columns) == READING_COLUMNS

    # Label and id columns next to the readings change nothing: the features read the readings only.
    features = failure_features(train.readings)
    noisy = train.readings.assign(
        **{"Machine failure": 1 - train.machine_failure, "UDI": 0, **{m: 1 for m in MODES}}
    )
    assert np.array_equal(failure_features(noisy), features)
    assert features.shape == (len(train), len(FEATURE_NAMES)) and features.dtype == np.float32

    row = train.readings.iloc[0]
    power = features[0, FEATURE_NAMES.index("mechanical_power_w")]
    assert np.isclose(power, row.torque_nm * row.rotational_speed_rpm * 2 * math.pi / 60, rtol=1e-6)
    assert np.isclose(
        features[0, FEATURE_NAMES.index("temperature_difference_k")],
        row.process_temperature_k - row.air_temperature_k,
        atol=1e-4,
    )


def test_onnx_agrees_with_native_xgboost_and_metadata_is_complete(
    synthetic: tuple[Ai4iData, Ai4iData], tmp_path: Path
) -> None:
    train, held_out = synthetic
    fitted = fit_failure_classifier(train, SMALL)
    meta, onnx = build_artifact(fitted)
    save_failure_classifier(tmp_path, meta, onnx)
    scorer = FailureScorer.load(tmp_path)

    x = failure_features(held_out.readings)
    native_failure, native_modes = fitted.predict_proba(x)
    onnx_failure, onnx_modes = scorer.predict_proba(x)
    assert np.abs(onnx_failure - native_failure).max() < 1e-5
    assert np.abs(onnx_modes - native_modes).max() < 1e-5

    loaded = scorer.meta
    assert loaded.name == MODEL_NAME and loaded.feature_names == list(FEATURE_NAMES)
    assert loaded.modes == list(MODES) and loaded.targets == ["machine_failure", *MODES]
    assert loaded.threshold in THRESHOLD_GRID and loaded.mode_threshold == 0.5
    assert loaded.training_data_hash and loaded.version.endswith(loaded.training_data_hash[:8])
    assert {"inner_cv_f1", "inner_cv_average_precision", "inner_cv_roc_auc"} <= set(loaded.metrics)
    assert loaded.binary_rows_dropped == 0  # the synthetic labels are consistent


def test_scorer_reads_raw_readings_and_names_the_unusual_features(
    synthetic: tuple[Ai4iData, Ai4iData], tmp_path: Path
) -> None:
    train, _ = synthetic
    train_failure_classifier(train, tmp_path, SMALL)
    scorer = FailureScorer.load(tmp_path)
    normal = ProcessReading(
        product_type="L",
        air_temperature_k=300.0,
        process_temperature_k=310.0,
        rotational_speed_rpm=1500,
        torque_nm=40.0,
        tool_wear_min=20,
    )
    overstrained = normal.model_copy(update={"torque_nm": 62.0, "tool_wear_min": 230})
    ok, bad = scorer.score([normal, overstrained])
    assert not ok.failure and ok.p_failure < 0.2
    assert bad.failure and "OSF" in bad.modes and bad.mode_probabilities["OSF"] > 0.5
    assert bad.top_features[0].name in {"wear_torque_min_nm", "tool_wear_min"}
    assert set(bad.mode_probabilities) == set(MODES) and bad.model_version == scorer.meta.version
    assert scorer.score([]) == []


@pytest.mark.data
def test_real_file_trains_a_sane_model_whose_onnx_export_agrees(data_dir: Path) -> None:
    data = read_ai4i(data_dir / "ai4i2020" / "ai4i2020.csv")
    assert len(data) == 10_000 and int(data.machine_failure.sum()) == 339
    assert int(data.unexplained_failures.sum()) == 9 and int(data.flags_without_failure.sum()) == 18

    train, test = train_test_split(
        np.arange(len(data)), test_size=0.25, stratify=data.machine_failure, random_state=0
    )
    fitted = fit_failure_classifier(
        data.subset(train), FailureClassifierConfig(n_estimators=80, inner_folds=2)
    )
    assert fitted.binary_rows_dropped == int(data.subset(train).inconsistent.sum())
    held_out = data.subset(test)
    x = failure_features(held_out.readings)
    p_failure, p_modes = fitted.predict_proba(x)
    y = held_out.machine_failure
    assert f1_score(y, p_failure >= fitted.binary.threshold) > 0.8
    assert roc_auc_score(y, p_failure) > 0.95
    for mode in ("HDF", "PWF", "OSF"):
        k = MODES.index(mode)
        recall = (p_modes[held_out.modes[:, k] == 1, k] >= 0.5).mean()
        assert recall > 0.85, f"{mode} recall {recall:.2f}"

    meta, onnx = build_artifact(fitted)
    onnx_failure, onnx_modes = FailureScorer(meta, onnx).predict_proba(x)
    assert np.abs(onnx_failure - p_failure).max() < 1e-5
    assert np.abs(onnx_modes - p_modes).max() < 1e-5

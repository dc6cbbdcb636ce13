"""Train the per-asset-class fault classifier on simulated data and export it to ONNX.

The classifier sees window features (predictors.features) and predicts 'normal' or one of the asset
class's simulated failure codes. Its anomaly score is 1 - P(normal); the alert threshold is fit on
held-out *normal* simulated windows (a false-alarm budget), never on faulty ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnxmltools
import xgboost as xgb
from onnxmltools.convert.common.data_types import FloatTensorType

from copilot.schemas import AssetClassSpec
from predictors.artifacts import ModelMeta, data_hash, save_artifact
from predictors.features import feature_names, sliding_windows, window_features
from predictors.simulator import NORMAL, FaultInjection, simulate

log = logging.getLogger(__name__)

WINDOW = 60
STEP = 10
LABEL_MIN_SEVERITY = 0.35  # a window counts as faulty once the fault reached this severity
AMBIGUOUS_BELOW = LABEL_MIN_SEVERITY  # windows between 0 and this severity are left out of training
FALSE_ALARM_QUANTILE = 0.999
MODEL_VERSION = "1"


@dataclass(frozen=True)
class TrainingConfig:
    runs_normal: int = 30
    runs_per_fault: int = 12
    run_seconds: int = 1800
    seed: int = 7
    n_estimators: int = 150
    max_depth: int = 4
    learning_rate: float = 0.2


def classifier_name(asset_class: str) -> str:
    return f"fault_classifier_{asset_class}"


def _simulated_windows(
    spec: AssetClassSpec, config: TrainingConfig, seed: int, runs_normal: int, runs_per_fault: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate runs and return window features, labels and the severity at each window's end."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    plans: list[FaultInjection | None] = [None] * runs_normal
    for mode in spec.simulated_modes:
        for _ in range(runs_per_fault):
            onset = int(rng.uniform(0.15, 0.5) * config.run_seconds)
            plans.append(
                FaultInjection(
                    mode.code,
                    onset_s=onset,
                    ramp_s=int(rng.uniform(300, 900)),
                    peak=float(rng.uniform(0.6, 1.0)),
                )
            )
    feats, labels, severities = [], [], []
    for i, plan in enumerate(plans):
        run = simulate(
            spec,
            asset_id="train",
            start=start,
            seconds=config.run_seconds,
            fault=plan,
            seed=int(rng.integers(0, 2**31 - 1)) + i,
        )
        windows, ends = sliding_windows(run.values, WINDOW, STEP)
        feats.append(window_features(windows))
        labels.append(run.labels(LABEL_MIN_SEVERITY)[ends])
        severities.append(run.severity[ends])
    return np.concatenate(feats), np.concatenate(labels), np.concatenate(severities)


@dataclass(frozen=True)
class FittedClassifier:
    """A trained classifier before export: the native model, its classes, threshold and metrics."""

    spec: AssetClassSpec
    config: TrainingConfig
    model: xgb.XGBClassifier
    classes: list[str]
    threshold: float
    metrics: dict[str, float]
    normal_x: np.ndarray
    data_fingerprint: str


def fit_fault_classifier(spec: AssetClassSpec, config: TrainingConfig | None = None) -> FittedClassifier:
    """Train on simulated windows; fit the threshold and measure on held-out simulated runs."""
    config = config or TrainingConfig()
    classes = [NORMAL, *[m.code for m in spec.simulated_modes]]
    index = {c: i for i, c in enumerate(classes)}

    x, labels, sev = _simulated_windows(spec, config, config.seed, config.runs_normal, config.runs_per_fault)
    keep = (sev == 0) | (sev >= AMBIGUOUS_BELOW)
    x, labels = x[keep], labels[keep]
    y = np.array([index[label] for label in labels])

    model = xgb.XGBClassifier(
        n_estimators=config.n_estimators,
        max_depth=config.max_depth,
        learning_rate=config.learning_rate,
        objective="multi:softprob",
        tree_method="hist",
        n_jobs=2,
        random_state=config.seed,
    )
    model.fit(x, y)

    # Held-out simulation (other seeds): fit the threshold on normal windows, measure on the rest.
    xv, lv, sv = _simulated_windows(
        spec, config, config.seed + 1000, max(config.runs_normal // 2, 1), max(config.runs_per_fault // 2, 1)
    )
    proba = model.predict_proba(xv)
    score = 1.0 - proba[:, 0]
    normal_clean = (lv == NORMAL) & (sv == 0)
    threshold = float(max(0.5, np.quantile(score[normal_clean], FALSE_ALARM_QUANTILE)))
    faulty = lv != NORMAL
    pred = np.where(score >= threshold, proba[:, 1:].argmax(axis=1) + 1, 0)
    truth = np.array([index[label] for label in lv])
    metrics: dict[str, float] = {
        "val_false_alarm_rate": float((score[normal_clean] >= threshold).mean()),
        "val_detection_rate": float((score[faulty] >= threshold).mean()) if faulty.any() else 0.0,
        "val_accuracy": float((pred == truth).mean()),
    }
    for code in classes[1:]:
        mask = truth == index[code]
        metrics[f"val_recall_{code}"] = float((pred[mask] == index[code]).mean()) if mask.any() else 0.0
    return FittedClassifier(spec, config, model, classes, threshold, metrics, x[y == 0], data_hash(x, y))


def export_fault_classifier(fitted: FittedClassifier, models_dir: Path) -> ModelMeta:
    """Convert to ONNX with onnxmltools and save it with its metadata."""
    spec, config = fitted.spec, fitted.config
    names = feature_names(spec.sensor_ids)
    onnx_model = onnxmltools.convert_xgboost(
        fitted.model, initial_types=[("features", FloatTensorType([None, len(names)]))], target_opset=15
    )
    meta = ModelMeta(
        name=classifier_name(spec.id),
        kind="fault_classifier",
        version=f"{MODEL_VERSION}.{fitted.data_fingerprint[:8]}",
        asset_class=spec.id,
        sensors=spec.sensor_ids,
        feature_names=names,
        classes=fitted.classes,
        window=WINDOW,
        step=STEP,
        threshold=fitted.threshold,
        normal_feature_mean=fitted.normal_x.mean(axis=0).astype(float).tolist(),
        normal_feature_std=(fitted.normal_x.std(axis=0) + 1e-6).astype(float).tolist(),
        training_data_hash=fitted.data_fingerprint,
        metrics=fitted.metrics,
        params={
            "n_estimators": config.n_estimators,
            "max_depth": config.max_depth,
            "learning_rate": config.learning_rate,
            "seed": config.seed,
            "normal_train_windows": len(fitted.normal_x),
        },
        created_at=datetime.now(UTC),
    )
    save_artifact(models_dir, meta, onnx_model.SerializeToString())
    log.info("trained %s: %s", meta.name, {k: round(v, 3) for k, v in fitted.metrics.items()})
    return meta


def train_fault_classifier(
    spec: AssetClassSpec, models_dir: Path, config: TrainingConfig | None = None
) -> ModelMeta:
    """Train, validate and export the fault classifier of one asset class; return its metadata."""
    return export_fault_classifier(fit_fault_classifier(spec, config), models_dir)

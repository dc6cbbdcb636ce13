"""The AI4I 2020 failure classifier: features, training, ONNX export and the onnxruntime scorer.

One feature function (`failure_features`) serves training, evaluation and serving. Its inputs are the raw
process readings only (product type, air and process temperature, speed, torque, tool wear); the failure
labels (Machine failure, TWF/HDF/PWF/OSF/RNF) and the identifiers (UDI, Product ID) never reach it.

Models (XGBoost, exported with onnxmltools):
- `machine_failure`: binary P(failure). Its threshold is the F1-optimal one on out-of-fold predictions of
  an inner stratified cross-validation of the training rows, so it is never chosen on data it is scored on.
- one binary model per failure mode (one-vs-rest), because a row can carry several modes (24 rows of the
  file do); a mode is predicted when its probability reaches `mode_threshold` (0.5, fixed up front).

Rows whose labels disagree (Machine failure = 1 without a mode flag; a mode flag, RNF in this file, with
Machine failure = 0) carry no learnable signal for the binary target: by default they are left out of the
binary model's training rows. The mode models keep every row, since their labels are the flags themselves.

Explanations: ONNX gives no TreeSHAP, so the scorer ranks features by their deviation from the training
rows without any failure, in standard deviations (signed). This says which readings are unusual, not how
the trees weighed them; the eval suite measures how often its top feature matches native TreeSHAP's.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal

import numpy as np
import onnxmltools
import onnxruntime as ort
import pandas as pd
import xgboost as xgb
from onnxmltools.convert.common.data_types import FloatTensorType
from pydantic import BaseModel, Field
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from copilot.errors import ModelNotReadyError, ValidationError
from copilot.schemas import Contribution
from predictors.artifacts import artifact_dir, data_hash
from predictors.datasets.ai4i import MODES, PRODUCT_TYPES, READING_COLUMNS, Ai4iData, ProductType

log = logging.getLogger(__name__)

MODEL_NAME: Final[str] = "ai4i_failure_classifier"
MODEL_VERSION: Final[str] = "1"
BINARY_TARGET: Final[str] = "machine_failure"
TARGETS: Final[tuple[str, ...]] = (BINARY_TARGET, *MODES)

FEATURE_NAMES: Final[tuple[str, ...]] = (
    "product_type_ordinal",  # L=0, M=1, H=2 (quality variant; wear rate and overstrain limit grow with it)
    "air_temperature_k",
    "process_temperature_k",
    "rotational_speed_rpm",
    "torque_nm",
    "tool_wear_min",
    "temperature_difference_k",  # process - air: heat dissipation
    "mechanical_power_w",  # torque x angular speed (rpm x 2 pi / 60)
    "wear_torque_min_nm",  # tool wear x torque: overstrain
)
THRESHOLD_GRID: Final[np.ndarray] = np.round(np.arange(0.05, 0.951, 0.01), 2)
FORBIDDEN_INPUTS: Final[frozenset[str]] = frozenset(
    {"Machine failure", "machine_failure", *MODES, "UDI", "Product ID", "udi", "product_id"}
)


def failure_features(readings: pd.DataFrame) -> np.ndarray:
    """Compute (n, len(FEATURE_NAMES)) float32 features from a frame of READING_COLUMNS."""
    missing = [c for c in READING_COLUMNS if c not in readings.columns]
    if missing:
        raise ValidationError(f"readings lack columns {missing}: expected {list(READING_COLUMNS)}")
    types = readings["product_type"].astype(str)
    unknown = sorted(set(types) - set(PRODUCT_TYPES))
    if unknown:
        raise ValidationError(f"product_type must be one of {PRODUCT_TYPES}, got {unknown}")
    ordinal = types.map({t: i for i, t in enumerate(PRODUCT_TYPES)}).to_numpy(dtype=np.float64)
    air = readings["air_temperature_k"].to_numpy(dtype=np.float64)
    process = readings["process_temperature_k"].to_numpy(dtype=np.float64)
    rpm = readings["rotational_speed_rpm"].to_numpy(dtype=np.float64)
    torque = readings["torque_nm"].to_numpy(dtype=np.float64)
    wear = readings["tool_wear_min"].to_numpy(dtype=np.float64)
    columns = [
        ordinal,
        air,
        process,
        rpm,
        torque,
        wear,
        process - air,
        torque * rpm * 2.0 * math.pi / 60.0,
        wear * torque,
    ]
    out = np.column_stack(columns).astype(np.float32)
    if not np.isfinite(out).all():
        raise ValidationError("readings must be finite numbers")
    return out


class ProcessReading(BaseModel):
    """One process's raw readings, as a machine reports them."""

    product_type: ProductType = Field(description="Product quality variant: L, M or H.")
    air_temperature_k: float
    process_temperature_k: float
    rotational_speed_rpm: float
    torque_nm: float
    tool_wear_min: float = Field(ge=0)


def readings_frame(readings: Sequence[ProcessReading]) -> pd.DataFrame:
    """Return the READING_COLUMNS frame of a batch of readings."""
    return pd.DataFrame([r.model_dump() for r in readings], columns=list(READING_COLUMNS))


class FailurePrediction(BaseModel):
    """What the scorer says about one process."""

    p_failure: float
    failure: bool  # p_failure >= threshold
    threshold: float
    mode_probabilities: dict[str, float]
    modes: list[str]  # modes whose probability reaches mode_threshold
    top_features: list[Contribution]  # weight: signed deviation from normal, in standard deviations
    model_version: str


class FailureClassifierMeta(BaseModel):
    """The artifact's sidecar: feature order, targets, thresholds, provenance and held-out metrics."""

    name: str = MODEL_NAME
    kind: Literal["ai4i_failure_classifier"] = "ai4i_failure_classifier"
    version: str
    reading_columns: list[str]
    product_types: list[str]
    feature_names: list[str]
    targets: list[str]
    modes: list[str]
    onnx_files: dict[str, str]
    threshold: float
    mode_threshold: float
    normal_feature_mean: list[float]
    normal_feature_std: list[float]
    training_data_hash: str
    training_rows: int
    binary_rows_dropped: int
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, float | int | str | bool] = Field(default_factory=dict)
    created_at: datetime


@dataclass(frozen=True)
class FailureClassifierConfig:
    """Hyper-parameters, fixed up front (not tuned on any test fold)."""

    n_estimators: int = 150
    max_depth: int = 4
    learning_rate: float = 0.1
    inner_folds: int = 3
    mode_threshold: float = 0.5
    drop_inconsistent: bool = True
    seed: int = 7
    n_jobs: int = 1


def _xgb(config: FailureClassifierConfig) -> xgb.XGBClassifier:
    # exact greedy splits: the AI4I labels are sharp thresholds that histogram bins would blur
    return xgb.XGBClassifier(
        n_estimators=config.n_estimators,
        max_depth=config.max_depth,
        learning_rate=config.learning_rate,
        objective="binary:logistic",
        tree_method="exact",
        n_jobs=config.n_jobs,
        random_state=config.seed,
    )


def f1_optimal_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """Return the THRESHOLD_GRID value that maximises F1 (the lowest one on ties)."""
    scores = [f1_score(y, proba >= t, zero_division=0.0) for t in THRESHOLD_GRID]
    return float(THRESHOLD_GRID[int(np.argmax(scores))])


@dataclass(frozen=True)
class BinaryFit:
    """The binary model, its threshold and its inner cross-validation metrics."""

    model: xgb.XGBClassifier
    threshold: float
    metrics: dict[str, float]


def fit_binary(x: np.ndarray, y: np.ndarray, config: FailureClassifierConfig) -> BinaryFit:
    """Choose the threshold by inner stratified CV on (x, y), then fit on all of it."""
    oof = np.zeros(len(y), dtype=np.float64)
    inner = StratifiedKFold(n_splits=config.inner_folds, shuffle=True, random_state=config.seed)
    for train, test in inner.split(x, y):
        oof[test] = _xgb(config).fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    threshold = f1_optimal_threshold(y, oof)
    metrics = {
        "inner_cv_f1": float(f1_score(y, oof >= threshold, zero_division=0.0)),
        "inner_cv_average_precision": float(average_precision_score(y, oof)),
        "inner_cv_roc_auc": float(roc_auc_score(y, oof)),
        "inner_cv_threshold": threshold,
    }
    return BinaryFit(_xgb(config).fit(x, y), threshold, metrics)


@dataclass(frozen=True)
class FittedFailureClassifier:
    """Trained native models before export, with what the artifact needs."""

    config: FailureClassifierConfig
    binary: BinaryFit
    modes: dict[str, xgb.XGBClassifier]
    normal_mean: np.ndarray
    normal_std: np.ndarray
    data_fingerprint: str
    training_rows: int
    binary_rows_dropped: int
    metrics: dict[str, float] = field(default_factory=dict)

    def predict_proba(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return native P(failure) (n,) and mode probabilities (n, len(MODES))."""
        p_failure = self.binary.model.predict_proba(features)[:, 1]
        p_modes = np.column_stack([self.modes[m].predict_proba(features)[:, 1] for m in MODES])
        return p_failure, p_modes


def fit_failure_classifier(
    data: Ai4iData, config: FailureClassifierConfig | None = None
) -> FittedFailureClassifier:
    """Train the binary model (threshold by inner CV) and one model per failure mode."""
    config = config or FailureClassifierConfig()
    x = failure_features(data.readings)
    y = data.machine_failure.astype(np.int32)
    keep = ~data.inconsistent if config.drop_inconsistent else np.ones(len(y), dtype=bool)
    if y[keep].sum() < config.inner_folds:
        raise ValidationError(
            f"training data has {int(y[keep].sum())} failures: need at least {config.inner_folds}"
        )
    binary = fit_binary(x[keep], y[keep], config)
    modes: dict[str, xgb.XGBClassifier] = {}
    for k, mode in enumerate(MODES):
        target = data.modes[:, k].astype(np.int32)
        if target.sum() == 0:
            raise ValidationError(f"training data has no {mode} rows: every mode model needs positives")
        modes[mode] = _xgb(config).fit(x, target)
    normal = x[(data.machine_failure == 0) & (data.modes.sum(axis=1) == 0)]
    return FittedFailureClassifier(
        config=config,
        binary=binary,
        modes=modes,
        normal_mean=normal.mean(axis=0),
        normal_std=normal.std(axis=0) + 1e-6,
        data_fingerprint=data_hash(x, y, data.modes),
        training_rows=len(y),
        binary_rows_dropped=int((~keep).sum()),
        metrics=dict(binary.metrics),
    )


def _to_onnx(model: xgb.XGBClassifier) -> bytes:
    onnx_model = onnxmltools.convert_xgboost(
        model, initial_types=[("features", FloatTensorType([None, len(FEATURE_NAMES)]))], target_opset=15
    )
    return bytes(onnx_model.SerializeToString())


def build_artifact(fitted: FittedFailureClassifier) -> tuple[FailureClassifierMeta, dict[str, bytes]]:
    """Convert every model to ONNX and describe them; return the metadata and the files' bytes."""
    config = fitted.config
    onnx = {BINARY_TARGET: _to_onnx(fitted.binary.model)}
    onnx.update({mode: _to_onnx(model) for mode, model in fitted.modes.items()})
    meta = FailureClassifierMeta(
        version=f"{MODEL_VERSION}.{fitted.data_fingerprint[:8]}",
        reading_columns=list(READING_COLUMNS),
        product_types=list(PRODUCT_TYPES),
        feature_names=list(FEATURE_NAMES),
        targets=list(TARGETS),
        modes=list(MODES),
        onnx_files={target: f"{target}.onnx" for target in TARGETS},
        threshold=fitted.binary.threshold,
        mode_threshold=config.mode_threshold,
        normal_feature_mean=fitted.normal_mean.astype(float).tolist(),
        normal_feature_std=fitted.normal_std.astype(float).tolist(),
        training_data_hash=fitted.data_fingerprint,
        training_rows=fitted.training_rows,
        binary_rows_dropped=fitted.binary_rows_dropped,
        metrics=fitted.metrics,
        params={
            "n_estimators": config.n_estimators,
            "max_depth": config.max_depth,
            "learning_rate": config.learning_rate,
            "inner_folds": config.inner_folds,
            "drop_inconsistent": config.drop_inconsistent,
            "seed": config.seed,
            "tree_method": "exact",
        },
        created_at=datetime.now(UTC),
    )
    return meta, onnx


def save_failure_classifier(models_dir: Path, meta: FailureClassifierMeta, onnx: dict[str, bytes]) -> Path:
    """Write the ONNX files, then meta.json, under models_dir/<name>/ (atomically per file)."""
    folder = artifact_dir(models_dir, meta.name)
    folder.mkdir(parents=True, exist_ok=True)
    files = [(meta.onnx_files[target], onnx[target]) for target in meta.targets]
    files.append(("meta.json", meta.model_dump_json(indent=2).encode()))
    for filename, payload in files:
        tmp = folder / f".{filename}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(folder / filename)
    return folder


def train_failure_classifier(
    data: Ai4iData, models_dir: Path, config: FailureClassifierConfig | None = None
) -> FailureClassifierMeta:
    """Train on AI4I rows, export to ONNX and save with its metadata; return the metadata."""
    meta, onnx = build_artifact(fit_failure_classifier(data, config))
    save_failure_classifier(models_dir, meta, onnx)
    log.info("trained %s %s: %s", meta.name, meta.version, {k: round(v, 4) for k, v in meta.metrics.items()})
    return meta


def _session(payload: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(payload, options, providers=["CPUExecutionProvider"])


class FailureScorer:
    """onnxruntime sessions over one failure-classifier artifact: raw readings in, probabilities out."""

    def __init__(self, meta: FailureClassifierMeta, onnx: dict[str, bytes]) -> None:
        if tuple(meta.feature_names) != FEATURE_NAMES:
            raise ModelNotReadyError(
                f"model {meta.name} {meta.version} was trained on other features: retrain it"
            )
        self.meta = meta
        self._sessions = {target: _session(onnx[target]) for target in meta.targets}
        self._mean = np.asarray(meta.normal_feature_mean, dtype=np.float64)
        self._std = np.asarray(meta.normal_feature_std, dtype=np.float64)

    @classmethod
    def load(cls, models_dir: Path, name: str = MODEL_NAME) -> FailureScorer:
        """Load an artifact saved by save_failure_classifier."""
        folder = artifact_dir(models_dir, name)
        path = folder / "meta.json"
        if not path.is_file():
            raise ModelNotReadyError(
                f"model {name!r} is not trained (no {path}): run train_failure_classifier"
            )
        meta = FailureClassifierMeta.model_validate(json.loads(path.read_text()))
        return cls(meta, {t: (folder / meta.onnx_files[t]).read_bytes() for t in meta.targets})

    def _proba(self, target: str, features: np.ndarray) -> np.ndarray:
        session = self._sessions[target]
        outputs = [o.name for o in session.get_outputs()]
        output = "probabilities" if "probabilities" in outputs else outputs[-1]
        proba = session.run([output], {session.get_inputs()[0].name: features})[0]
        return np.asarray(proba, dtype=np.float64)[:, 1]

    def predict_proba(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return P(failure) (n,) and mode probabilities (n, modes) for failure_features output."""
        x = np.ascontiguousarray(features, dtype=np.float32)
        p_modes = np.column_stack([self._proba(mode, x) for mode in self.meta.modes])
        return self._proba(BINARY_TARGET, x), p_modes

    def deviations(self, features: np.ndarray) -> np.ndarray:
        """Return each feature's signed deviation from normal rows, in standard deviations (n, F)."""
        return (np.asarray(features, dtype=np.float64) - self._mean) / self._std

    def score(self, readings: Sequence[ProcessReading], top: int = 3) -> list[FailurePrediction]:
        """Score a batch of raw readings: P(failure), mode probabilities and the most unusual features."""
        if not readings:
            return []
        features = failure_features(readings_frame(readings))
        p_failure, p_modes = self.predict_proba(features)
        z = self.deviations(features)
        predictions = []
        for i in range(len(readings)):
            order = np.argsort(-np.abs(z[i]))[:top]
            mode_proba = {m: round(float(p), 6) for m, p in zip(self.meta.modes, p_modes[i], strict=True)}
            predictions.append(
                FailurePrediction(
                    p_failure=round(float(p_failure[i]), 6),
                    failure=bool(p_failure[i] >= self.meta.threshold),
                    threshold=self.meta.threshold,
                    mode_probabilities=mode_proba,
                    modes=[m for m, p in mode_proba.items() if p >= self.meta.mode_threshold],
                    top_features=[
                        Contribution(
                            name=self.meta.feature_names[j],
                            value=round(float(features[i, j]), 4),
                            weight=round(float(z[i, j]), 2),
                        )
                        for j in order
                    ],
                    model_version=self.meta.version,
                )
            )
        return predictions

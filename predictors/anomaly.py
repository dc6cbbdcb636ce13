"""Multivariate anomaly detector: standardised rolling means, scored by onnxruntime, explained per sensor.

Fitting sees normal rows only. Per sensor the feature is the causal rolling mean over `window` rows
(predictors.features.rolling_mean, the one code path for training and scoring); its mean and standard
deviation on the training rows define z_j = (x_j - mean_j) / std_j. The score of a row is max_j z_j^2
(a sensor far from its normal level is enough), and the alarm threshold is factor * the `quantile` of the
training scores, so nothing but training data sets it. A row's flag turns on after `k_on` consecutive rows
above the threshold and off after `k_off` consecutive rows below it. The sensors that drove a score are
ranked by their share z_j^2 / sum_k z_k^2.

Changepoints (`changepoints`): where a flag turns on or off, and, while it is on, where the score's level
shifts: the mean log score of the last `shift_window // 2 + 1` rows differs from that of the `shift_window // 2`
rows before them by more than `shift_delta` (a factor of e^0.35 = 1.42), at most once per `shift_refractory`
rows. An episode has more than two changes (the fault develops, settles, starts to clear); flag edges alone
see only its start and end. Causal: each row looks only at earlier rows.

The ONNX graph (features -> score, deviation) holds the standardisation and the score; debouncing and
changepoints stay in Python next to it, as for the fault classifiers' alert policy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from copilot.errors import ValidationError
from copilot.schemas import Contribution
from predictors.artifacts import ModelMeta, artifact_dir, data_hash, load_meta, save_artifact
from predictors.features import rolling_mean, rolling_mean_names

log = logging.getLogger(__name__)

ANOMALY_KIND = "multivariate_anomaly"
MODEL_VERSION = "1"
OPSET = 17
MIN_TRAINING_ROWS = 20


@dataclass(frozen=True)
class AnomalyConfig:
    """Hyper-parameters, frozen after the development runs on SKAB (see evals/suites/anomaly.py)."""

    window: int = 5  # rows in the causal rolling mean
    quantile: float = 0.99  # quantile of the training scores ...
    factor: float = 2.0  # ... times this factor is the threshold
    k_on: int = 5  # consecutive rows above the threshold that raise the flag
    k_off: int = 10  # consecutive rows below it that clear the flag
    shift_window: int = 30  # rows compared for a level shift of the score (half against half)
    shift_delta: float = 0.35  # |difference of mean log scores| that is a level shift
    shift_refractory: int = 30  # rows after a level shift before the next one counts


@dataclass(frozen=True)
class FittedDetector:
    """A detector fitted on normal rows: feature statistics, threshold and provenance."""

    sensors: list[str]
    config: AnomalyConfig
    mean: np.ndarray  # (F,)
    std: np.ndarray  # (F,)
    threshold: float
    training_rows: int
    fingerprint: str
    train_score_quantile: float

    @property
    def feature_names(self) -> list[str]:
        return rolling_mean_names(self.sensors, self.config.window)

    def features(self, values: np.ndarray) -> np.ndarray:
        """Return the (T, F) features of (T, S) sensor values."""
        return rolling_mean(values, self.config.window)

    def deviation(self, features: np.ndarray) -> np.ndarray:
        """Return the standardised deviations z (n, F) in numpy (the reference for the ONNX graph)."""
        return (np.asarray(features, dtype=np.float64) - self.mean) / self.std

    def score(self, features: np.ndarray) -> np.ndarray:
        """Return max_j z_j^2 per row in numpy."""
        return (self.deviation(features) ** 2).max(axis=1)


def fit_detector(
    train_values: np.ndarray, sensors: list[str], config: AnomalyConfig | None = None
) -> FittedDetector:
    """Fit on (T, S) rows of normal operation; the threshold comes from these rows only."""
    config = config or AnomalyConfig()
    values = np.asarray(train_values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(sensors):
        raise ValidationError(f"training values must be (T, {len(sensors)}), got shape {values.shape}")
    features = rolling_mean(values, config.window)[config.window - 1 :]  # complete windows only
    if len(features) < MIN_TRAINING_ROWS:
        raise ValidationError(
            f"{len(features)} training rows after a {config.window}-row window; need {MIN_TRAINING_ROWS}"
        )
    if not np.isfinite(features).all():
        raise ValidationError("training values hold NaN or infinite readings")
    mean = features.mean(axis=0)
    std = np.maximum(features.std(axis=0), 1e-6 * np.maximum(np.abs(mean), 1.0))
    scores = (((features - mean) / std) ** 2).max(axis=1)
    quantile = float(np.quantile(scores, config.quantile))
    detector = FittedDetector(
        sensors=list(sensors),
        config=config,
        mean=mean,
        std=std,
        threshold=config.factor * quantile,
        training_rows=len(values),
        fingerprint=data_hash(values),
        train_score_quantile=quantile,
    )
    log.debug("fitted anomaly detector on %d rows, threshold %.3f", len(values), detector.threshold)
    return detector


def to_onnx(detector: FittedDetector) -> bytes:
    """Build the ONNX graph: features (N, F) -> deviation z (N, F) and score max_j z_j^2 (N,)."""
    n_features = len(detector.feature_names)
    graph = helper.make_graph(
        nodes=[
            helper.make_node("Sub", ["features", "mean"], ["centred"]),
            helper.make_node("Div", ["centred", "std"], ["deviation"]),
            helper.make_node("Mul", ["deviation", "deviation"], ["squared"]),
            helper.make_node("ReduceMax", ["squared"], ["score"], axes=[1], keepdims=0),
        ],
        name="multivariate_anomaly",
        inputs=[helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, n_features])],
        outputs=[
            helper.make_tensor_value_info("score", TensorProto.FLOAT, [None]),
            helper.make_tensor_value_info("deviation", TensorProto.FLOAT, [None, n_features]),
        ],
        initializer=[
            numpy_helper.from_array(detector.mean.astype(np.float32), "mean"),
            numpy_helper.from_array(detector.std.astype(np.float32), "std"),
        ],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="maintenance-copilot"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def detector_meta(
    detector: FittedDetector,
    name: str,
    asset_class: str,
    metrics: dict[str, float] | None = None,
) -> ModelMeta:
    """Describe a fitted detector in the project's artifact metadata."""
    config = detector.config
    return ModelMeta(
        name=name,
        kind=ANOMALY_KIND,
        version=f"{MODEL_VERSION}.{detector.fingerprint[:8]}",
        asset_class=asset_class,
        sensors=detector.sensors,
        feature_names=detector.feature_names,
        classes=["normal", "anomaly"],
        window=config.window,
        step=1,
        threshold=detector.threshold,
        normal_feature_mean=detector.mean.astype(float).tolist(),
        normal_feature_std=detector.std.astype(float).tolist(),
        training_data_hash=detector.fingerprint,
        metrics=metrics or {},
        params={
            "score": "max_squared_z",
            "quantile": config.quantile,
            "factor": config.factor,
            "k_on": config.k_on,
            "k_off": config.k_off,
            "shift_window": config.shift_window,
            "shift_delta": config.shift_delta,
            "shift_refractory": config.shift_refractory,
            "training_rows": detector.training_rows,
            "train_score_quantile": detector.train_score_quantile,
        },
        created_at=datetime.now(UTC),
    )


def save_detector(
    detector: FittedDetector,
    models_dir: Path,
    name: str,
    asset_class: str = "",
    metrics: dict[str, float] | None = None,
) -> ModelMeta:
    """Export the detector to ONNX and write it with its metadata under models_dir/<name>/."""
    meta = detector_meta(detector, name, asset_class, metrics)
    save_artifact(models_dir, meta, to_onnx(detector))
    log.info("saved anomaly detector %s (threshold %.3f)", name, detector.threshold)
    return meta


def debounce(above: np.ndarray, k_on: int, k_off: int) -> np.ndarray:
    """Return 0/1 flags: on after k_on consecutive True rows, off after k_off consecutive False rows."""
    flags = np.zeros(len(above), dtype=np.int8)
    state, run_above, run_below = 0, 0, 0
    for i, is_above in enumerate(np.asarray(above, dtype=bool).tolist()):
        run_above, run_below = (run_above + 1, 0) if is_above else (0, run_below + 1)
        if state == 0 and run_above >= k_on:
            state = 1
        elif state == 1 and run_below >= k_off:
            state = 0
        flags[i] = state
    return flags


def rising_edges(flags: np.ndarray) -> np.ndarray:
    """Return 1 where a flag turns on (an alert onset), else 0."""
    f = np.asarray(flags, dtype=np.int8)
    return (np.diff(f, prepend=0) == 1).astype(np.int8)


def flag_edges(flags: np.ndarray) -> np.ndarray:
    """Return 1 where a flag turns on or off (a series that starts flagged starts with a change), else 0."""
    f = np.asarray(flags, dtype=np.int64)
    if len(f) == 0:
        return f.astype(np.int8)
    out = np.abs(np.diff(f, prepend=f[0]))
    out[0] = f[0]
    return out.astype(np.int8)


def level_shifts(
    score: np.ndarray, flags: np.ndarray, window: int, delta: float, refractory: int
) -> np.ndarray:
    """Return 1 at flagged rows where the score's level shifts (see the module docstring), else 0."""
    log_score = np.log(np.maximum(np.asarray(score, dtype=np.float64), 1e-9))
    n, half = len(log_score), window // 2
    out = np.zeros(n, dtype=np.int8)
    if n <= window:
        return out
    cumulative = np.concatenate([[0.0], np.cumsum(log_score)])
    t = np.arange(window, n)
    recent = (cumulative[t + 1] - cumulative[t - half]) / (half + 1)  # rows t-half .. t
    before = (cumulative[t - half] - cumulative[t - window]) / (window - half)  # rows t-window .. t-half-1
    candidates = t[(np.abs(recent - before) > delta) & (np.asarray(flags)[t] == 1)]
    last = -refractory - 1
    for row in candidates.tolist():
        if row - last > refractory:
            out[row] = 1
            last = row
    return out


def changepoints(score: np.ndarray, flags: np.ndarray, config: AnomalyConfig) -> np.ndarray:
    """Return 0/1 changepoints: flag edges and level shifts of the score while flagged."""
    shifts = level_shifts(score, flags, config.shift_window, config.shift_delta, config.shift_refractory)
    return np.maximum(flag_edges(flags), shifts)


@dataclass(frozen=True)
class Detection:
    """Scores of a series and what the alarm logic made of them."""

    score: np.ndarray  # (T,) max_j z_j^2
    deviation: np.ndarray  # (T, F) z
    flags: np.ndarray  # (T,) 0/1 after debouncing
    threshold: float
    sensors: list[str] = field(default_factory=list)
    changepoints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # (T,) 0/1


class OnnxAnomalyScorer:
    """An onnxruntime session over one anomaly-detector artifact, with its alarm logic and explanations."""

    def __init__(self, meta: ModelMeta, session: ort.InferenceSession) -> None:
        if meta.kind != ANOMALY_KIND:
            raise ValidationError(f"artifact {meta.name!r} is a {meta.kind}, not a {ANOMALY_KIND}")
        self.meta = meta
        self._session = session
        self._sensor_of_feature = [name.split("__")[0] for name in meta.feature_names]

    @classmethod
    def load(cls, models_dir: Path, name: str) -> OnnxAnomalyScorer:
        """Load an artifact by name from the models folder."""
        meta = load_meta(models_dir, name)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(
            str(artifact_dir(models_dir, name) / meta.onnx_file), options, providers=["CPUExecutionProvider"]
        )
        return cls(meta, session)

    @property
    def threshold(self) -> float:
        return self.meta.threshold

    def features(self, values: np.ndarray) -> np.ndarray:
        """Return the features of (T, S) sensor values (the same function the detector was fitted with)."""
        return rolling_mean(values, self.meta.window)

    def score(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (score (n,), deviation z (n, F)) for (n, F) features."""
        score, deviation = self._session.run(
            ["score", "deviation"], {"features": np.asarray(features, dtype=np.float32)}
        )
        return np.asarray(score, dtype=np.float64), np.asarray(deviation, dtype=np.float64)

    def config(self) -> AnomalyConfig:
        """The alarm logic's settings as the artifact recorded them (defaults for settings it predates)."""
        params, default = self.meta.params, AnomalyConfig()
        return AnomalyConfig(
            window=self.meta.window,
            quantile=float(params.get("quantile", default.quantile)),
            factor=float(params.get("factor", default.factor)),
            k_on=int(params.get("k_on", default.k_on)),
            k_off=int(params.get("k_off", default.k_off)),
            shift_window=int(params.get("shift_window", default.shift_window)),
            shift_delta=float(params.get("shift_delta", default.shift_delta)),
            shift_refractory=int(params.get("shift_refractory", default.shift_refractory)),
        )

    def detect(self, values: np.ndarray) -> Detection:
        """Score (T, S) sensor values, flag them and find their changepoints."""
        config = self.config()
        score, deviation = self.score(self.features(values))
        flags = debounce(score > self.threshold, config.k_on, config.k_off)
        return Detection(
            score,
            deviation,
            flags,
            self.threshold,
            list(self.meta.sensors),
            changepoints(score, flags, config),
        )

    def contributions(self, deviation: np.ndarray, top: int = 3) -> list[Contribution]:
        """Rank the sensors of one row's deviation z (F,) by their share of sum z^2 (weight in 0..1)."""
        z = np.asarray(deviation, dtype=np.float64)
        squared = z**2
        total = float(squared.sum()) or 1.0
        shares: dict[str, float] = {}
        level: dict[str, float] = {}
        for sensor, zj, sq in zip(self._sensor_of_feature, z.tolist(), squared.tolist(), strict=True):
            shares[sensor] = shares.get(sensor, 0.0) + sq / total
            level[sensor] = zj if abs(zj) > abs(level.get(sensor, 0.0)) else level.get(sensor, 0.0)
        ranked = sorted(shares.items(), key=lambda item: -item[1])[:top]
        return [Contribution(name=s, value=round(level[s], 3), weight=round(w, 4)) for s, w in ranked]

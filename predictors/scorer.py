"""Score window features with an ONNX fault classifier, and explain each score."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from copilot.schemas import Contribution
from predictors.artifacts import ModelMeta, artifact_dir, load_meta


@dataclass(frozen=True)
class Scores:
    """Scores of a batch of windows: the anomaly score, class probabilities and most likely fault."""

    anomaly: np.ndarray  # (n,) 1 - P(normal)
    proba: np.ndarray  # (n, C)
    top_fault: list[str]  # (n,) most likely non-normal class


class OnnxScorer:
    """An onnxruntime session over one fault-classifier artifact."""

    def __init__(self, meta: ModelMeta, session: ort.InferenceSession) -> None:
        self.meta = meta
        self._session = session
        self._input = session.get_inputs()[0].name
        outputs = [o.name for o in session.get_outputs()]
        self._proba_output = "probabilities" if "probabilities" in outputs else outputs[-1]
        self._mean = np.asarray(meta.normal_feature_mean, dtype=np.float32)
        self._std = np.asarray(meta.normal_feature_std, dtype=np.float32)
        self._sensor_of_feature = np.array([name.split("__")[0] for name in meta.feature_names])

    @classmethod
    def load(cls, models_dir: Path, name: str) -> OnnxScorer:
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

    def score(self, features: np.ndarray) -> Scores:
        """Score (n, F) float32 features."""
        proba = self._session.run(
            [self._proba_output], {self._input: features.astype(np.float32, copy=False)}
        )[0]
        proba = np.asarray(proba, dtype=np.float64)
        top = proba[:, 1:].argmax(axis=1) + 1 if proba.shape[1] > 1 else np.zeros(len(proba), dtype=int)
        return Scores(1.0 - proba[:, 0], proba, [self.meta.classes[i] for i in top])

    def explain(self, features: np.ndarray, top: int = 5) -> tuple[list[Contribution], list[Contribution]]:
        """Return the sensors and features furthest from normal (in normal-data standard deviations)."""
        z = (features.astype(np.float32) - self._mean) / self._std
        weight = np.abs(z)
        order = np.argsort(-weight)[:top]
        top_features = [
            Contribution(
                name=self.meta.feature_names[i], value=float(features[i]), weight=round(float(z[i]), 2)
            )
            for i in order
        ]
        sensors: dict[str, float] = {}
        for name, w in zip(self._sensor_of_feature, weight, strict=True):
            sensors[name] = max(sensors.get(name, 0.0), float(w))
        ranked = sorted(sensors.items(), key=lambda item: -item[1])[:top]
        level = {
            name.split("__")[0]: float(features[i])
            for i, name in enumerate(self.meta.feature_names)
            if name.endswith("__mean")
        }
        top_sensors = [
            Contribution(name=s, value=round(level.get(s, 0.0), 4), weight=round(w, 2)) for s, w in ranked
        ]
        return top_sensors, top_features

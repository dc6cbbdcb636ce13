"""Model artifacts: an ONNX file with a JSON sidecar of everything needed to serve it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from copilot.errors import ModelNotReadyError


class ModelMeta(BaseModel):
    """Everything a scorer needs besides the ONNX graph: feature order, classes, threshold, provenance."""

    name: str
    kind: str
    version: str
    asset_class: str
    sensors: list[str]
    feature_names: list[str]
    classes: list[str]
    window: int
    step: int
    threshold: float
    normal_feature_mean: list[float]
    normal_feature_std: list[float]
    training_data_hash: str
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, float | int | str] = Field(default_factory=dict)
    created_at: datetime
    onnx_file: str = "model.onnx"


def data_hash(*arrays: np.ndarray) -> str:
    """Return a short SHA-256 of the arrays' bytes (the training data's fingerprint)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def artifact_dir(models_dir: Path, name: str) -> Path:
    return models_dir / name


def save_artifact(models_dir: Path, meta: ModelMeta, onnx_bytes: bytes) -> Path:
    """Write model.onnx and meta.json under models_dir/<name>/ (atomically per file)."""
    folder = artifact_dir(models_dir, meta.name)
    folder.mkdir(parents=True, exist_ok=True)
    for filename, payload in (
        (meta.onnx_file, onnx_bytes),
        ("meta.json", meta.model_dump_json(indent=2).encode()),
    ):
        tmp = folder / f".{filename}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(folder / filename)
    return folder


def load_meta(models_dir: Path, name: str) -> ModelMeta:
    """Read an artifact's metadata; the error names the command that builds it."""
    path = artifact_dir(models_dir, name) / "meta.json"
    if not path.is_file():
        raise ModelNotReadyError(f"model {name!r} is not trained (no {path}): run `copilot train`")
    return ModelMeta.model_validate(json.loads(path.read_text()))

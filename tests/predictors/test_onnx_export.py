"""The exported ONNX classifier agrees with XGBoost and carries its metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from copilot.config import DEMO_SITE_DIR
from copilot.site import load_site
from predictors.artifacts import load_meta
from predictors.scorer import OnnxScorer
from predictors.train import TrainingConfig, _simulated_windows, export_fault_classifier, fit_fault_classifier

SMALL = TrainingConfig(runs_normal=6, runs_per_fault=3, run_seconds=900, n_estimators=30)


def test_onnx_scores_equal_native_xgboost_and_metadata_is_complete(tmp_path: Path) -> None:
    spec = load_site(DEMO_SITE_DIR).asset_class("air_compressor")
    fitted = fit_fault_classifier(spec, SMALL)
    meta = export_fault_classifier(fitted, tmp_path)

    loaded = load_meta(tmp_path, meta.name)
    assert loaded.feature_names[0] == f"{spec.sensor_ids[0]}__mean"
    assert loaded.classes == ["normal", "CMP-FLT", "CMP-OVH", "CMP-LEAK"]
    assert loaded.training_data_hash and loaded.version and 0.5 <= loaded.threshold < 1.0
    assert set(loaded.metrics) >= {"val_false_alarm_rate", "val_detection_rate"}

    x, _, _ = _simulated_windows(spec, SMALL, seed=99, runs_normal=2, runs_per_fault=1)
    onnx_proba = OnnxScorer.load(tmp_path, meta.name).score(x).proba
    assert np.abs(onnx_proba - fitted.model.predict_proba(x)).max() < 1e-5


def test_explain_ranks_the_sensor_that_moved(tmp_path: Path) -> None:
    spec = load_site(DEMO_SITE_DIR).asset_class("air_compressor")
    meta = export_fault_classifier(fit_fault_classifier(spec, SMALL), tmp_path)
    scorer = OnnxScorer.load(tmp_path, meta.name)
    features = np.asarray(meta.normal_feature_mean, dtype=np.float32).copy()
    features[meta.feature_names.index("inlet_filter_dp__mean")] += 60.0
    top_sensors, top_features = scorer.explain(features)
    assert top_sensors[0].name == "inlet_filter_dp"
    assert top_features[0].name == "inlet_filter_dp__mean"

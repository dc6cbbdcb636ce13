"""Train (or load) the site's predictors: one fault classifier per simulated asset class."""

from __future__ import annotations

import logging
from pathlib import Path

from copilot.errors import ModelNotReadyError
from copilot.schemas import SiteSpec
from predictors.artifacts import ModelMeta, load_meta
from predictors.scorer import OnnxScorer
from predictors.train import TrainingConfig, classifier_name, train_fault_classifier

log = logging.getLogger(__name__)


def train_site_models(
    site: SiteSpec, models_dir: Path, config: TrainingConfig | None = None
) -> list[ModelMeta]:
    """Train and export a fault classifier for every asset class with simulated failure modes."""
    return [
        train_fault_classifier(spec, models_dir, config)
        for spec in site.asset_classes
        if spec.simulated_modes
    ]


def ensure_site_models(site: SiteSpec, models_dir: Path) -> list[ModelMeta]:
    """Load the site's model metadata, training whatever is missing."""
    metas = []
    for spec in site.asset_classes:
        if not spec.simulated_modes:
            continue
        try:
            metas.append(load_meta(models_dir, classifier_name(spec.id)))
        except ModelNotReadyError:
            log.info("training the %s fault classifier (no artifact yet)", spec.id)
            metas.append(train_fault_classifier(spec, models_dir))
    return metas


def load_scorers(site: SiteSpec, models_dir: Path) -> dict[str, OnnxScorer]:
    """Load one ONNX scorer per asset class (keyed by class id)."""
    return {
        spec.id: OnnxScorer.load(models_dir, classifier_name(spec.id))
        for spec in site.asset_classes
        if spec.simulated_modes
    }

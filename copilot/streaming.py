"""Wire the site to the stream processor: stream specs per asset, models per asset class."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from copilot.schemas import SiteSpec
from copilot.training import load_scorers
from predictors.stream import AssetModel
from predictors.validation import AssetStreamSpec


def stream_specs(site: SiteSpec) -> dict[str, AssetStreamSpec]:
    """One stream spec per asset: its sensors in model order and their valid ranges."""
    specs = {}
    for asset in site.assets:
        cls = site.asset_class(asset.asset_class)
        specs[asset.id] = AssetStreamSpec(
            asset_id=asset.id,
            model_key=cls.id,
            sensors=tuple(cls.sensor_ids),
            lo=np.array([s.valid[0] for s in cls.sensors]),
            hi=np.array([s.valid[1] for s in cls.sensors]),
        )
    return specs


def asset_models(site: SiteSpec, models_dir: Path) -> dict[str, AssetModel]:
    """One scoring model per asset class, with the class's normal operating point."""
    scorers = load_scorers(site, models_dir)
    return {
        class_id: AssetModel(scorer, {s.id: s.mean for s in site.asset_class(class_id).sensors})
        for class_id, scorer in scorers.items()
    }

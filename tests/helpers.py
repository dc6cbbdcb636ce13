"""Helpers shared by tests (not fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from copilot.schemas import AlertIn
from copilot.services import Services
from copilot.streaming import asset_models
from predictors.alert_policy import AlertPolicy
from predictors.simulator import FaultInjection, simulate
from predictors.stream import replay


def fault_alert(services: Services, asset_id: str, code: str, *, seed: int = 3) -> AlertIn:
    """Replay a simulated fault on an asset through the real scorer and policy; return the first alert."""
    spec = services.site.class_of(asset_id)
    model = asset_models(services.site, services.settings.models_dir)[spec.id]
    run = simulate(
        spec,
        asset_id=asset_id,
        start=datetime.now(UTC) - timedelta(hours=1),
        seconds=1800,
        fault=FaultInjection(code, onset_s=300, ramp_s=400),
        seed=seed,
    )
    result = replay(
        asset_id=asset_id,
        timestamps=run.timestamps,
        values=run.values,
        model=model,
        policy=AlertPolicy(),
    )
    assert result.alerts, f"the simulated {code} fault on {asset_id} raised no alert"
    return result.alerts[0]

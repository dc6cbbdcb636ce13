"""Alerts from simulated faults, through the real predictors (for evals, benchmarks and tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from copilot.schemas import AlertIn
from copilot.services import Services
from copilot.streaming import asset_models
from predictors.alert_policy import AlertPolicy
from predictors.simulator import FaultInjection, simulate
from predictors.stream import replay


def fault_alerts(
    services: Services,
    asset_id: str,
    code: str,
    *,
    seed: int = 3,
    onset_s: int = 300,
    ramp_s: int = 400,
    seconds: int = 1800,
) -> list[AlertIn]:
    """Simulate a fault on an asset and score it with the ONNX classifier and the alert policy."""
    spec = services.site.class_of(asset_id)
    model = asset_models(services.site, services.settings.models_dir)[spec.id]
    run = simulate(
        spec,
        asset_id=asset_id,
        start=datetime.now(UTC) - timedelta(hours=1),
        seconds=seconds,
        fault=FaultInjection(code, onset_s=onset_s, ramp_s=ramp_s),
        seed=seed,
    )
    return replay(
        asset_id=asset_id, timestamps=run.timestamps, values=run.values, model=model, policy=AlertPolicy()
    ).alerts


def first_alert(services: Services, asset_id: str, code: str, *, seed: int = 3) -> AlertIn:
    """The first alert a simulated fault raises; an error says when it raised none."""
    alerts = fault_alerts(services, asset_id, code, seed=seed)
    if not alerts:
        raise RuntimeError(f"the simulated {code} fault on {asset_id} (seed {seed}) raised no alert")
    return alerts[0]

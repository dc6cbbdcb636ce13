"""The demo: seed the site, replay a fault scenario through the predictors, and investigate its alerts."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from copilot.access import create_key
from copilot.config import Settings
from copilot.ingest import ingest
from copilot.investigations import AlertOutcome, handle_alert, list_approvals
from copilot.models import Alert, Investigation, WorkOrder
from copilot.services import Services, build_services
from copilot.streaming import asset_models, stream_specs
from copilot.training import ensure_site_models
from predictors.alert_policy import AlertPolicy
from predictors.simulator import FaultInjection, simulate
from predictors.stream import SiteBatch, replay_site
from predictors.validation import ValidationStats

log = logging.getLogger(__name__)

SCENARIO_SECONDS = 45 * 60
DEMO_KEYS = ("olivia", "ana")  # an operator and a technician, to sign in to the UI
# The faults the demo injects: asset, failure code, onset and ramp (seconds into the scenario).
SCENARIO_FAULTS: dict[str, FaultInjection] = {
    "P-101": FaultInjection("PMP-BRG", onset_s=10 * 60, ramp_s=10 * 60),
    "CH-401": FaultInjection("CHL-CFL", onset_s=15 * 60, ramp_s=10 * 60),
    "C-302": FaultInjection("CMP-FLT", onset_s=20 * 60, ramp_s=8 * 60),
}


class InvestigationLine(BaseModel):
    investigation_id: int
    asset_id: str
    status: str
    diagnosis: str
    approval_id: int | None


class DemoSummary(BaseModel):
    alerts: int
    investigations: int
    pending_approvals: int
    work_orders: int
    readings_scored: int
    alerts_raised_now: int
    faults_injected: list[str]
    timings_s: dict[str, float]
    details: list[InvestigationLine]
    next_step: str
    api_keys: dict[str, str] = {}


def reset_home(settings: Settings) -> None:
    """Delete the state folder (database, checkpoints, Chroma, models) for a clean run."""
    if settings.home_dir.exists():
        shutil.rmtree(settings.home_dir)


def replay_scenario(services: Services, *, end: datetime, seed: int = 42) -> tuple[list, int]:
    """Simulate every asset for the scenario, with the scenario's faults, and score it; return alerts."""
    models = asset_models(services.site, services.settings.models_dir)
    specs = stream_specs(services.site)
    policy = AlertPolicy()
    stats = ValidationStats()
    start = end - timedelta(seconds=SCENARIO_SECONDS)
    batches = []
    for i, asset in enumerate(services.site.assets):
        run = simulate(
            services.site.asset_class(asset.asset_class),
            asset_id=asset.id,
            start=start,
            seconds=SCENARIO_SECONDS,
            fault=SCENARIO_FAULTS.get(asset.id),
            seed=seed + i,
        )
        batches.append(SiteBatch(specs[asset.id], run.timestamps, run.values))
        services.telemetry.write(
            asset.id, list(run.sensors), run.timestamps, run.values
        )  # the sensor history
    results = replay_site(batches, models, policy, stats)
    alerts = sorted((a for r in results for a in r.alerts), key=lambda a: a.ts)
    return alerts, sum(b.values.size for b in batches)


def summarise(services: Services, *, readings: int, raised: int, timings: dict[str, float]) -> DemoSummary:
    with Session(services.engine) as session:
        n_alerts = session.exec(select(func.count()).select_from(Alert)).one()
        n_inv = session.exec(select(func.count()).select_from(Investigation)).one()
        n_wo = session.exec(select(func.count()).select_from(WorkOrder)).one()
        investigations = session.exec(select(Investigation).order_by(col(Investigation.id))).all()
    pending = list_approvals(services)
    approval_of = {p.investigation_id: p.id for p in pending}
    details = [
        InvestigationLine(
            investigation_id=inv.id or 0,
            asset_id=inv.asset_id,
            status=str(inv.status),
            diagnosis=str(inv.diagnosis.get("summary", "")),
            approval_id=approval_of.get(inv.id or 0),
        )
        for inv in investigations
    ]
    next_step = (
        f"copilot decide {pending[0].id} --decision approve --user olivia"
        if pending
        else "no approval pending"
    )
    return DemoSummary(
        alerts=n_alerts,
        investigations=n_inv,
        pending_approvals=len(pending),
        work_orders=n_wo,
        readings_scored=readings,
        alerts_raised_now=raised,
        faults_injected=[f"{asset} {fault.code}" for asset, fault in SCENARIO_FAULTS.items()],
        timings_s={k: round(v, 2) for k, v in timings.items()},
        details=details,
        next_step=next_step,
    )


def run_demo(settings: Settings, *, reset: bool = False) -> DemoSummary:
    """Run the whole path once on the embedded defaults."""
    if reset:
        reset_home(settings)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    services = build_services(settings)
    try:
        ensure_site_models(services.site, settings.models_dir)
        timings["models"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        ingest(services, "demo")
        timings["knowledge"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        alerts, readings = replay_scenario(services, end=datetime.now(UTC).replace(microsecond=0))
        timings["replay"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        outcomes: list[AlertOutcome] = [handle_alert(services, alert) for alert in alerts]
        timings["investigations"] = time.perf_counter() - t3
        log.info(
            "demo: %d alerts -> %d investigations", len(outcomes), len({o.investigation_id for o in outcomes})
        )
        summary = summarise(services, readings=readings, raised=len(alerts), timings=timings)
        summary.api_keys = {
            user: create_key(services.engine, user_id=user, label="demo") for user in DEMO_KEYS
        }
        return summary
    finally:
        services.close()

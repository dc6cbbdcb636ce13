"""The simulator moves the sensors named in a failure mode's signature, in the signature's direction."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from copilot.config import DEMO_SITE_DIR
from copilot.site import load_site
from predictors.simulator import FaultInjection, simulate


def test_fault_shifts_signature_sensors_and_leaves_others_alone() -> None:
    site = load_site(DEMO_SITE_DIR)
    spec = site.asset_class("centrifugal_pump")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    normal = simulate(spec, asset_id="P-101", start=start, seconds=1200, seed=1)
    faulty = simulate(
        spec,
        asset_id="P-101",
        start=start,
        seconds=1200,
        seed=1,
        fault=FaultInjection("PMP-BRG", onset_s=0, ramp_s=1),
    )
    delta = faulty.values[100:].mean(axis=0) - normal.values[100:].mean(axis=0)
    index = {s: i for i, s in enumerate(spec.sensor_ids)}
    assert delta[index["bearing_vibration"]] > 5.0
    assert delta[index["bearing_temperature"]] > 14.0
    assert abs(delta[index["seal_leak_rate"]]) < 0.05
    assert faulty.labels(0.35)[-1] == "PMP-BRG" and normal.labels(0.35)[-1] == "normal"


def test_simulated_values_stay_in_the_valid_range() -> None:
    site = load_site(DEMO_SITE_DIR)
    for spec in site.asset_classes:
        for mode in spec.simulated_modes:
            run = simulate(
                spec,
                asset_id="x",
                start=datetime(2025, 1, 1, tzinfo=UTC),
                seconds=600,
                seed=2,
                fault=FaultInjection(mode.code, onset_s=0, ramp_s=60),
            )
            lo = np.array([s.valid[0] for s in spec.sensors])
            hi = np.array([s.valid[1] for s in spec.sensors])
            assert ((run.values >= lo) & (run.values <= hi)).all()

"""The stream: the online path scores like the batch path, and bad readings are rejected, counted, survived."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from copilot.config import DEMO_SITE_DIR
from copilot.site import load_site
from copilot.streaming import stream_specs
from predictors.alert_policy import AlertPolicy
from predictors.scorer import OnnxScorer
from predictors.simulator import FaultInjection, simulate
from predictors.stream import AssetModel, StreamProcessor, replay
from predictors.train import TrainingConfig, train_fault_classifier
from predictors.validation import ReadingValidator, Rejection, RejectReason, ValidationStats, validate_frames

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pump_model(tmp_path_factory: pytest.TempPathFactory) -> AssetModel:
    site = load_site(DEMO_SITE_DIR)
    spec = site.asset_class("centrifugal_pump")
    folder = tmp_path_factory.mktemp("models")
    meta = train_fault_classifier(
        spec, folder, TrainingConfig(runs_normal=10, runs_per_fault=5, n_estimators=60)
    )
    return AssetModel(OnnxScorer.load(folder, meta.name), {s.id: s.mean for s in spec.sensors})


def _run(asset_id: str, fault: FaultInjection | None, seed: int):  # noqa: ANN202
    spec = load_site(DEMO_SITE_DIR).asset_class("centrifugal_pump")
    return simulate(spec, asset_id=asset_id, start=START, seconds=1500, fault=fault, seed=seed)


def _readings(run) -> list[dict[str, object]]:  # noqa: ANN001
    epoch = run.timestamps.astype("datetime64[ms]").astype(np.int64) / 1000.0
    return [
        {"asset_id": run.asset_id, "sensor": sensor, "ts": float(epoch[t]), "value": float(run.values[t, j])}
        for t in range(len(epoch))
        for j, sensor in enumerate(run.sensors)
    ]


def _processor(pump_model: AssetModel) -> StreamProcessor:
    specs = {k: v for k, v in stream_specs(load_site(DEMO_SITE_DIR)).items() if k in ("P-101", "P-102")}
    return StreamProcessor(specs, {"centrifugal_pump": pump_model}, AlertPolicy())


def test_online_path_raises_the_same_alerts_as_batch_replay(pump_model: AssetModel) -> None:
    run = _run("P-101", FaultInjection("PMP-SEAL", onset_s=400, ramp_s=300), seed=5)
    batch = replay(
        asset_id="P-101", timestamps=run.timestamps, values=run.values, model=pump_model, policy=AlertPolicy()
    )
    processor = _processor(pump_model)
    online = [
        a for r in _readings(run) if (a := processor.push(r)) is not None and not isinstance(a, Rejection)
    ]
    assert batch.alerts and [(a.ts, a.failure_mode) for a in online] == [
        (a.ts, a.failure_mode) for a in batch.alerts
    ]
    assert processor.counters.windows_scored == batch.windows
    assert online[0].evidence and online[0].evidence.top_sensors[0].name == "seal_leak_rate"


def _malformed(
    good: list[dict[str, object]], n: int, rng: random.Random
) -> list[tuple[int, dict[str, object]]]:
    """n bad readings, each placed right after a good one (so a duplicate never precedes the original)."""
    makers = [
        lambda r: {k: v for k, v in r.items() if k != "value"},
        lambda r: {**r, "value": math.nan},
        lambda r: {**r, "value": math.inf},
        lambda r: {**r, "value": -1e9},
        lambda r: {**r, "value": "broken"},
        lambda r: {**r, "asset_id": "P-999"},
        lambda r: {**r, "sensor": "humidity"},
        lambda r: {**r, "ts": "yesterday"},
        lambda r: {**r, "ts": float(r["ts"]) - 3600.0},  # type: ignore[arg-type]
        lambda r: dict(r),  # duplicate of the reading just seen
        lambda r: "not even an object",
    ]
    return [(pos, rng.choice(makers)(good[pos])) for pos in (rng.randrange(len(good)) for _ in range(n))]


def test_100k_malformed_readings_are_counted_and_every_good_reading_is_still_scored(
    pump_model: AssetModel,
) -> None:
    runs = [_run("P-101", FaultInjection("PMP-BRG", onset_s=500, ramp_s=300), 7), _run("P-102", None, 8)]
    good = [r for run in runs for r in _readings(run)]
    good.sort(key=lambda r: (r["ts"], r["asset_id"]))
    clean = _processor(pump_model)
    clean_alerts = [a for r in good if (a := clean.push(r)) is not None and not isinstance(a, Rejection)]

    bad = _malformed(good, 100_000, random.Random(1))
    after: dict[int, list[dict[str, object]]] = {}
    for pos, reading in bad:
        after.setdefault(pos, []).append(reading)
    mixed = _processor(pump_model)
    alerts, rejections = [], 0
    for i, reading in enumerate(good):
        for item in [reading, *after.get(i, [])]:
            result = mixed.push(item)
            if isinstance(result, Rejection):
                rejections += 1
            elif result is not None:
                alerts.append(result)

    assert rejections == 100_000 == mixed.stats.total_rejected
    assert mixed.stats.accepted == len(good) == clean.stats.accepted
    assert set(mixed.stats.rejected) == set(RejectReason)  # every kind of fault was seen and named
    assert mixed.counters.windows_scored == clean.counters.windows_scored
    assert [(a.ts, a.failure_mode) for a in alerts] == [(a.ts, a.failure_mode) for a in clean_alerts]


def test_validator_names_the_reason() -> None:
    validator = ReadingValidator(stream_specs(load_site(DEMO_SITE_DIR)))
    ok = {"asset_id": "P-101", "sensor": "flow", "ts": "2026-01-01T00:00:00Z", "value": 120.0}
    assert not isinstance(validator.check(ok), Rejection)
    cases = {
        RejectReason.unknown_asset: {**ok, "asset_id": "Z-1"},
        RejectReason.unknown_sensor: {**ok, "sensor": "colour"},
        RejectReason.missing_field: {"asset_id": "P-101", "sensor": "flow"},
        RejectReason.non_finite: {**ok, "value": float("nan")},
        RejectReason.out_of_range: {**ok, "value": 1e6},
        RejectReason.not_a_number: {**ok, "value": "12,5"},
        RejectReason.bad_timestamp: {**ok, "ts": "31/12/2025"},
    }
    for reason, raw in cases.items():
        result = validator.check(raw)
        assert isinstance(result, Rejection) and result.reason == reason, reason
    assert "Z-1" in validator.stats.examples[RejectReason.unknown_asset]


def test_batch_validation_rejects_bad_cells_and_rows_and_fills_from_the_last_good_value() -> None:
    spec = stream_specs(load_site(DEMO_SITE_DIR))["P-101"]
    ts = np.array([0.0, 1.0, 2.0, 2.0, 1.5, 3.0])
    values = np.tile(np.array([s for s in (1.5, 6.0, 120.0, 42.0, 2.2, 55.0, 0.5)]), (6, 1))
    values[2, 0] = np.nan
    values[5, 2] = 1e9
    stats = ValidationStats()
    kept_ts, clean = validate_frames(spec, ts, values, stats)
    assert kept_ts.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert stats.rejected[RejectReason.duplicate] == 7 and stats.rejected[RejectReason.out_of_order] == 7
    assert stats.rejected[RejectReason.non_finite] == 1 and stats.rejected[RejectReason.out_of_range] == 1
    assert clean[2, 0] == 1.5 and clean[3, 2] == 120.0
    assert stats.accepted == 4 * 7 - 2


def test_site_replay_applies_storm_suppression_in_global_time_order(pump_model: AssetModel) -> None:
    from datetime import timedelta

    from predictors.alert_policy import PolicyConfig
    from predictors.stream import SiteBatch, replay_site
    from predictors.validation import ValidationStats

    specs = stream_specs(load_site(DEMO_SITE_DIR))
    late = _run(
        "P-101", FaultInjection("PMP-BRG", onset_s=700, ramp_s=200), seed=11
    )  # listed first, fails later
    early = _run("P-102", FaultInjection("PMP-BRG", onset_s=200, ramp_s=200), seed=12)
    policy = AlertPolicy(PolicyConfig(storm_max_alerts=1, storm_window=timedelta(hours=2)))
    results = replay_site(
        [
            SiteBatch(specs["P-101"], late.timestamps, late.values),
            SiteBatch(specs["P-102"], early.timestamps, early.values),
        ],
        {"centrifugal_pump": pump_model},
        policy,
        ValidationStats(),
    )
    alerts = {r.asset_id: r.alerts for r in results}
    assert len(alerts["P-102"]) == 1 and alerts["P-101"] == []  # the earlier fault wins the single slot
    assert policy.suppressed["storm"] >= 1

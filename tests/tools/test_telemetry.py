"""Telemetry store: bulk writes, raw and downsampled history, window statistics, validation, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from copilot.errors import UnknownAssetError, ValidationError
from copilot.schemas import SiteSpec
from predictors.simulator import FaultInjection, simulate
from tools.telemetry import SqlTelemetryStore

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
EPOCH0 = START.timestamp()


def test_written_readings_come_back_raw_in_time_order(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    ts = EPOCH0 + np.arange(0, 120, 2.0)  # written out of order on purpose
    values = np.column_stack([1.0 + np.arange(60) * 0.01, 40.0 + np.arange(60) * 0.1])
    order = np.random.default_rng(0).permutation(60)
    result = store.write("P-101", ["suction_pressure", "motor_current"], ts[order], values[order])
    assert (result.rows, result.skipped) == (120, 0)

    (series,) = store.history("P-101", sensor="motor_current", limit=100)
    assert series.sensor == "motor_current" and series.unit == "A"
    assert (series.raw_count, series.downsampled, series.bucket_s) == (60, False, None)
    assert [p.ts for p in series.points] == [START + timedelta(seconds=2 * i) for i in range(60)]
    assert [p.value for p in series.points] == pytest.approx(values[:, 1].tolist())
    assert all(p.ts.tzinfo is not None and p.n == 1 for p in series.points)

    window = store.history("P-101", start=START + timedelta(seconds=10), end=START + timedelta(seconds=19))
    by_sensor = {s.sensor: s for s in window}
    assert len(window) == 7  # every sensor of the asset, the unwritten ones empty
    assert [p.value for p in by_sensor["suction_pressure"].points] == pytest.approx(
        [1.05, 1.06, 1.07, 1.08, 1.09]
    )
    assert by_sensor["flow"].raw_count == 0 and by_sensor["flow"].points == []
    assert store.span("P-101") == (START, START + timedelta(seconds=118))
    assert store.span("P-102") is None


def test_datetime64_timestamps_and_non_finite_values(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    stamps = np.datetime64(START.replace(tzinfo=None), "ms") + np.arange(3) * np.timedelta64(1, "s")
    result = store.write("P-101", ["flow"], stamps, np.array([1.0, np.nan, 3.0]))
    assert (result.rows, result.skipped) == (2, 1)
    (series,) = store.history("P-101", sensor="flow")
    assert [(p.ts, p.value) for p in series.points] == [(START, 1.0), (START + timedelta(seconds=2), 3.0)]


def test_long_ranges_are_downsampled_to_bucket_means(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    seconds = 3600
    ts = EPOCH0 + np.arange(seconds, dtype=float)
    values = np.column_stack([np.arange(seconds, dtype=float), np.full(seconds, 5.0)])
    store.write("P-101", ["flow", "motor_current"], ts, values)

    series = {s.sensor: s for s in store.history("P-101", limit=60)}
    flow = series["flow"]
    assert flow.downsampled and flow.raw_count == seconds
    assert 55 <= len(flow.points) <= 60 and flow.bucket_s == pytest.approx(seconds / 60, rel=0.01)
    assert sum(p.n for p in flow.points) == seconds
    # each point is the mean of its bucket, placed at the mean time of its readings
    for point in flow.points:
        assert point.value == pytest.approx(point.ts.timestamp() - EPOCH0, abs=1e-3)
    assert [p.ts for p in flow.points] == sorted(p.ts for p in flow.points)
    assert all(p.value == pytest.approx(5.0) for p in series["motor_current"].points)
    assert not series["bearing_vibration"].downsampled and series["bearing_vibration"].points == []

    # a short window inside the same data comes back raw
    (short,) = store.history("P-101", sensor="flow", start=START, end=START + timedelta(seconds=29), limit=60)
    assert not short.downsampled and len(short.points) == 30


def test_statistics_see_a_bearing_fault_as_a_large_positive_deviation(
    site_engine: Engine, demo_site: SiteSpec
) -> None:
    store = SqlTelemetryStore(site_engine)
    spec = demo_site.class_of("P-101")
    run = simulate(
        spec,
        asset_id="P-101",
        start=START,
        seconds=7200,
        fault=FaultInjection("PMP-BRG", onset_s=3600, ramp_s=1800),
        seed=7,
    )
    store.write("P-101", run.sensors, run.timestamps, run.values)

    normal = store.statistics("P-101", start=START, end=START + timedelta(minutes=59), spec=spec)
    ramp = store.statistics(
        "P-101", start=START + timedelta(minutes=60), end=START + timedelta(minutes=90), spec=spec
    )
    faulty = store.statistics("P-101", start=START + timedelta(minutes=90), spec=spec)
    n, r, f = ({s.sensor: s for s in x.sensors} for x in (normal, ramp, faulty))

    for sensor in ("bearing_vibration", "bearing_temperature", "seal_leak_rate"):
        assert abs(n[sensor].deviation_sd or 0) < 2, sensor
    # PMP-BRG moves vibration by +6.0 mm/s (sd 0.12) and temperature by +16 degC (sd 0.4) at full severity
    assert f["bearing_vibration"].deviation_sd == pytest.approx(6.0 / 0.12, rel=0.1)
    assert f["bearing_temperature"].deviation_sd == pytest.approx(16.0 / 0.4, rel=0.1)
    assert abs(f["seal_leak_rate"].deviation_sd or 0) < 2  # not in the signature
    assert (r["bearing_vibration"].trend_per_hour or 0) > 6.0  # 6 mm/s over a 30-minute ramp: ~12 / h
    assert abs(n["bearing_vibration"].trend_per_hour or 0) < 0.5

    vib = f["bearing_vibration"]
    column = run.values[5400:, run.sensors.index("bearing_vibration")]
    assert vib.count == len(column) and vib.unit == "mm/s"
    assert vib.mean == pytest.approx(column.mean(), abs=1e-6)
    assert vib.std == pytest.approx(column.std(ddof=1), rel=1e-6)
    assert (vib.min, vib.max, vib.last) == pytest.approx((column.min(), column.max(), column[-1]))
    assert vib.last_ts == START + timedelta(seconds=7199)
    assert (vib.normal_mean, vib.normal_sd) == (2.2, 0.12)


def test_trend_is_the_least_squares_slope_per_hour(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    hours = np.arange(0, 7200, 10.0) / 3600
    store.write("C-301", ["oil_pressure"], EPOCH0 + hours * 3600, 3.2 - 0.25 * hours)
    stats = {s.sensor: s for s in store.statistics("C-301").sensors}
    assert stats["oil_pressure"].trend_per_hour == pytest.approx(-0.25, rel=1e-6)
    # without a site spec: the registry's normal mean, no SD, so no deviation
    assert stats["oil_pressure"].normal_mean == 3.2 and stats["oil_pressure"].deviation_sd is None
    assert stats["vibration"].count == 0 and stats["vibration"].mean is None


def test_unknown_assets_and_sensors_are_named(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    ts, values = np.array([EPOCH0]), np.array([[1.0]])
    for call in (
        lambda: store.write("X-999", ["flow"], ts, values),
        lambda: store.history("X-999"),
        lambda: store.statistics("X-999"),
        lambda: store.span("X-999"),
    ):
        with pytest.raises(UnknownAssetError, match="X-999"):
            call()
    with pytest.raises(
        ValidationError, match=r"unknown sensor 'rpm' for asset 'P-101'; valid sensors: .*flow"
    ):
        store.write("P-101", ["rpm"], ts, values)
    with pytest.raises(ValidationError, match="'rpm'.*bearing_vibration"):
        store.history("P-101", sensor="rpm")
    with pytest.raises(ValidationError, match="shape"):
        store.write("P-101", ["flow", "motor_current"], ts, values)
    with pytest.raises(ValidationError, match="timezone-aware"):
        store.history("P-101", start=datetime(2026, 3, 2))
    with pytest.raises(ValidationError, match="after end"):
        store.statistics("P-101", start=START, end=START - timedelta(hours=1))


def test_prune_deletes_only_older_readings(site_engine: Engine) -> None:
    store = SqlTelemetryStore(site_engine)
    ts = EPOCH0 + np.arange(100, dtype=float)
    store.write("P-101", ["flow"], ts, np.ones(100))
    store.write("P-102", ["flow"], ts, np.ones(100))
    assert store.prune(START + timedelta(seconds=40), asset_id="P-101") == 40
    assert store.prune(START + timedelta(seconds=10)) == 10  # P-102 only: P-101 already lost those
    assert store.history("P-101", sensor="flow")[0].raw_count == 60
    assert store.history("P-102", sensor="flow")[0].raw_count == 90

"""Sensor telemetry in the copilot's database: bulk writes, downsampled history, window statistics.

Readings live in the `reading` table (one row per asset, sensor and timestamp). Long ranges are
downsampled in the database by bucket means, so a month of 1 Hz data answers with a few hundred points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    Integer,
    and_,
    cast,
    delete,
    extract,
    func,
    insert,
    select,
)
from sqlmodel import col

from copilot.errors import ConfigError, ValidationError
from copilot.models import Reading
from copilot.schemas import AssetClassSpec
from tools.assets import AssetInfo, AssetRegistry

WRITE_BATCH = 50_000  # rows per executemany: bounds memory on long writes
JULIAN_UNIX_EPOCH = 2440587.5  # julianday('1970-01-01')


class TelemetryPoint(BaseModel):
    ts: datetime
    value: float
    n: int = Field(default=1, description="Readings averaged into this point (1 for a raw reading).")


class SensorSeries(BaseModel):
    """The readings of one sensor over a range, raw or downsampled by bucket means."""

    sensor: str
    unit: str
    raw_count: int = Field(description="Readings stored in the range.")
    downsampled: bool
    bucket_s: float | None = Field(default=None, description="Bucket width when downsampled.")
    points: list[TelemetryPoint]


class SensorStatistics(BaseModel):
    """One sensor over a window, compared with its normal operating point."""

    sensor: str
    unit: str
    count: int
    mean: float | None
    std: float | None = Field(description="Sample standard deviation (None below two readings).")
    min: float | None
    max: float | None
    last: float | None
    last_ts: datetime | None
    normal_mean: float | None
    normal_sd: float | None
    deviation_sd: float | None = Field(description="(mean - normal_mean) / normal_sd: signed, in normal SDs.")
    trend_per_hour: float | None = Field(description="Least-squares slope of value against time, per hour.")


class TelemetryStatistics(BaseModel):
    asset_id: str
    start: datetime | None
    end: datetime | None
    sensors: list[SensorStatistics]


class WriteResult(BaseModel):
    asset_id: str
    rows: int = Field(description="Readings written.")
    skipped: int = Field(description="Readings dropped because the value was NaN or infinite.")


class TelemetryStore(Protocol):
    """Where readings are kept (the built-in SQL store, or an adapter to a historian)."""

    def write(
        self, asset_id: str, sensors: Sequence[str], timestamps: np.ndarray, values: np.ndarray
    ) -> WriteResult: ...

    def history(
        self,
        asset_id: str,
        *,
        sensor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[SensorSeries]: ...

    def statistics(
        self,
        asset_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        spec: AssetClassSpec | None = None,
    ) -> TelemetryStatistics: ...

    def span(self, asset_id: str) -> tuple[datetime, datetime] | None: ...

    def prune(self, older_than: datetime, *, asset_id: str | None = None) -> int: ...


def to_epoch_seconds(timestamps: np.ndarray) -> np.ndarray:
    """Epoch seconds (float64) from epoch seconds or numpy datetime64 (UTC wall time) of any unit."""
    array = np.asarray(timestamps)
    if np.issubdtype(array.dtype, np.datetime64):
        if np.isnat(array).any():
            raise ValidationError("timestamps must not contain NaT")
        return array.astype("datetime64[us]").astype(np.int64) / 1e6
    if not np.issubdtype(array.dtype, np.number):
        raise ValidationError(f"timestamps must be epoch seconds or datetime64, not {array.dtype}")
    return array.astype(np.float64)


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(round(seconds, 6), tz=UTC)


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware (UTC), got {value.isoformat()}")
    return value


class SqlTelemetryStore:
    """Telemetry in the copilot's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._registry = AssetRegistry(engine)

    # --- validation -----------------------------------------------------------------------------

    def _asset(self, asset_id: str) -> AssetInfo:
        return self._registry.get(asset_id)  # UnknownAssetError names a missing id

    @staticmethod
    def _check_sensors(asset: AssetInfo, sensors: Sequence[str]) -> None:
        valid = [s.name for s in asset.sensors]
        for name in sensors:
            if name not in valid:
                listed = ", ".join(valid) if valid else "none are registered"
                raise ValidationError(
                    f"unknown sensor {name!r} for asset {asset.id!r}; valid sensors: {listed}"
                )

    def _epoch(self, column: Any) -> ColumnElement[float]:
        """Epoch seconds of a timestamp column, in SQL."""
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            return (func.julianday(column) - JULIAN_UNIX_EPOCH) * 86400.0
        if dialect == "postgresql":
            return cast(extract("epoch", column), Float)
        raise ConfigError(f"telemetry supports SQLite and PostgreSQL, not {dialect!r}")

    def _floor(self, expression: ColumnElement[float]) -> ColumnElement[int]:
        # Only ever applied to non-negative values: SQLite's CAST truncates, which is floor there.
        if self._engine.dialect.name == "sqlite":
            return cast(expression, Integer)
        return cast(func.floor(expression), Integer)

    @staticmethod
    def _range(
        asset_id: str, sensors: Sequence[str], start: datetime | None, end: datetime | None
    ) -> list[ColumnElement[bool]]:
        conditions = [col(Reading.asset_id) == asset_id, col(Reading.sensor).in_(list(sensors))]
        if start is not None:
            conditions.append(col(Reading.ts) >= start)
        if end is not None:
            conditions.append(col(Reading.ts) <= end)
        return conditions

    # --- writes ---------------------------------------------------------------------------------

    def write(
        self, asset_id: str, sensors: Sequence[str], timestamps: np.ndarray, values: np.ndarray
    ) -> WriteResult:
        """Store readings values[t, s] of sensors[s] at timestamps[t] (epoch seconds or datetime64)."""
        asset = self._asset(asset_id)
        sensors = list(sensors)
        self._check_sensors(asset, sensors)
        if len(set(sensors)) != len(sensors):
            raise ValidationError(f"sensors must be distinct, got {sensors}")
        epoch = to_epoch_seconds(timestamps)
        matrix = np.asarray(values, dtype=np.float64)
        if matrix.ndim == 1 and len(sensors) == 1:
            matrix = matrix[:, None]
        if epoch.ndim != 1:
            raise ValidationError(f"timestamps must be one-dimensional, got shape {epoch.shape}")
        if matrix.shape != (len(epoch), len(sensors)):
            raise ValidationError(
                f"values must have shape (timestamps, sensors) = ({len(epoch)}, {len(sensors)}), "
                f"got {matrix.shape} for timestamps of shape {epoch.shape}"
            )
        if not np.isfinite(epoch).all():
            raise ValidationError("timestamps must be finite epoch seconds")
        finite = np.isfinite(matrix)
        stamps = (np.round(epoch * 1e6).astype(np.int64).astype("datetime64[us]")).tolist()
        stamps = [stamp.replace(tzinfo=UTC) for stamp in stamps]
        rows = [
            {"asset_id": asset_id, "sensor": sensor, "ts": stamp, "value": value}
            for stamp, row, ok in zip(stamps, matrix.tolist(), finite.tolist(), strict=True)
            for sensor, value, good in zip(sensors, row, ok, strict=True)
            if good
        ]
        statement = insert(Reading)
        with self._engine.begin() as connection:
            for i in range(0, len(rows), WRITE_BATCH):
                connection.execute(statement, rows[i : i + WRITE_BATCH])
        return WriteResult(asset_id=asset_id, rows=len(rows), skipped=int(matrix.size - len(rows)))

    def prune(self, older_than: datetime, *, asset_id: str | None = None) -> int:
        """Delete readings older than a cut-off (retention); return how many went."""
        cutoff = _aware("older_than", older_than)
        statement = delete(Reading).where(col(Reading.ts) < cutoff)
        if asset_id is not None:
            statement = statement.where(col(Reading.asset_id) == asset_id)
        with self._engine.begin() as connection:
            return int(connection.execute(statement).rowcount)

    # --- reads ----------------------------------------------------------------------------------

    def span(self, asset_id: str) -> tuple[datetime, datetime] | None:
        """First and last reading time of an asset, or None when it has none."""
        self._asset(asset_id)
        query = select(func.min(col(Reading.ts)), func.max(col(Reading.ts))).where(
            col(Reading.asset_id) == asset_id
        )
        with self._engine.connect() as connection:
            first, last = connection.execute(query).one()
        if first is None or last is None:
            return None
        return first, last

    def history(
        self,
        asset_id: str,
        *,
        sensor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[SensorSeries]:
        """Readings per sensor in [start, end], at most `limit` points each (bucket means beyond)."""
        asset = self._asset(asset_id)
        if sensor is not None:
            self._check_sensors(asset, [sensor])
        if limit < 1:
            raise ValidationError(f"limit must be at least 1, got {limit}")
        start, end = _aware("start", start), _aware("end", end)
        if start is not None and end is not None and start > end:
            raise ValidationError(f"start {start.isoformat()} is after end {end.isoformat()}")
        units = {s.name: s.unit for s in asset.sensors}
        sensors = [sensor] if sensor is not None else list(units)
        if not sensors:
            return []
        where = and_(*self._range(asset_id, sensors, start, end))
        epoch = self._epoch(col(Reading.ts))
        counts_query = (
            select(col(Reading.sensor), func.count(), func.min(epoch), func.max(epoch))
            .where(where)
            .group_by(col(Reading.sensor))
        )
        with self._engine.connect() as connection:
            counts = {row[0]: (int(row[1]), row[2], row[3]) for row in connection.execute(counts_query)}
            dense = [s for s in sensors if counts.get(s, (0, None, None))[0] > limit]
            sparse = [s for s in sensors if 0 < counts.get(s, (0, None, None))[0] <= limit]
            points: dict[str, list[TelemetryPoint]] = {s: [] for s in sensors}
            if sparse:
                raw = (
                    select(col(Reading.sensor), col(Reading.ts), col(Reading.value))
                    .where(and_(*self._range(asset_id, sparse, start, end)))
                    .order_by(col(Reading.sensor), col(Reading.ts))
                )
                for name, ts, value in connection.execute(raw):
                    points[name].append(TelemetryPoint(ts=ts, value=value))
            width: float | None = None
            if dense:
                t0 = min(counts[s][1] for s in dense)
                t1 = max(counts[s][2] for s in dense)
                width = max((t1 - t0) / limit, 1e-6)
                bucket = self._floor((epoch - t0) / width).label("bucket")
                grouped = (
                    select(
                        col(Reading.sensor),
                        bucket,
                        func.count(),
                        func.sum(col(Reading.value)),
                        func.sum(epoch - t0),
                    )
                    .where(and_(*self._range(asset_id, dense, start, end)))
                    .group_by(col(Reading.sensor), bucket)
                )
                sums: dict[tuple[str, int], list[float]] = {}
                for name, index, n, total, total_t in connection.execute(grouped):
                    # the last reading lands exactly on the upper edge: fold it into the last bucket
                    acc = sums.setdefault((name, min(int(index), limit - 1)), [0, 0.0, 0.0])
                    acc[0] += n
                    acc[1] += total
                    acc[2] += total_t
                for (name, _index), (members, total, total_t) in sorted(sums.items()):
                    points[name].append(
                        TelemetryPoint(
                            ts=_from_epoch(t0 + total_t / members), value=total / members, n=int(members)
                        )
                    )
        return [
            SensorSeries(
                sensor=name,
                unit=units.get(name, ""),
                raw_count=counts.get(name, (0, None, None))[0],
                downsampled=name in dense,
                bucket_s=round(width, 3) if name in dense and width is not None else None,
                points=points[name],
            )
            for name in sensors
        ]

    def statistics(
        self,
        asset_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        spec: AssetClassSpec | None = None,
    ) -> TelemetryStatistics:
        """Per sensor over [start, end]: count, mean, std, min, max, last, trend, deviation from normal.

        The normal mean and SD come from `spec` (the asset class in the site definition) when given;
        otherwise the normal mean comes from the registry and the deviation is left out.
        """
        asset = self._asset(asset_id)
        start, end = _aware("start", start), _aware("end", end)
        if start is not None and end is not None and start > end:
            raise ValidationError(f"start {start.isoformat()} is after end {end.isoformat()}")
        sensors = [s.name for s in asset.sensors]
        normals = {s.id: (s.mean, s.sd) for s in spec.sensors} if spec is not None else {}
        if not sensors:
            return TelemetryStatistics(asset_id=asset_id, start=start, end=end, sensors=[])
        epoch = self._epoch(col(Reading.ts))
        where = and_(*self._range(asset_id, sensors, start, end))
        with self._engine.connect() as connection:
            origin = connection.execute(select(func.min(epoch)).where(where)).scalar()
            rows: dict[str, tuple[Any, ...]] = {}
            if origin is not None:
                hours = (epoch - float(origin)) / 3600.0
                value = col(Reading.value)
                aggregate = (
                    select(
                        col(Reading.sensor),
                        func.count(),
                        func.sum(value),
                        func.sum(value * value),
                        func.min(value),
                        func.max(value),
                        func.sum(hours),
                        func.sum(hours * hours),
                        func.sum(hours * value),
                    )
                    .where(where)
                    .group_by(col(Reading.sensor))
                )
                rows = {row[0]: tuple(row[1:]) for row in connection.execute(aggregate)}
            last: dict[str, tuple[float, datetime]] = {}
            for name in rows:
                latest = connection.execute(
                    select(col(Reading.value), col(Reading.ts))
                    .where(and_(*self._range(asset_id, [name], start, end)))
                    .order_by(col(Reading.ts).desc())
                    .limit(1)
                ).one()
                last[name] = (float(latest[0]), latest[1])
        registry_normal = {s.name: s.normal_mean for s in asset.sensors}
        out = []
        for sensor in asset.sensors:
            name = sensor.name
            normal_mean, normal_sd = normals.get(name, (registry_normal.get(name), None))
            if name not in rows:
                out.append(
                    SensorStatistics(
                        sensor=name,
                        unit=sensor.unit,
                        count=0,
                        mean=None,
                        std=None,
                        min=None,
                        max=None,
                        last=None,
                        last_ts=None,
                        normal_mean=normal_mean,
                        normal_sd=normal_sd,
                        deviation_sd=None,
                        trend_per_hour=None,
                    )
                )
                continue
            n, s_v, s_vv, v_min, v_max, s_h, s_hh, s_hv = rows[name]
            n = int(n)
            mean = float(s_v) / n
            std = math.sqrt(max(float(s_vv) - n * mean * mean, 0.0) / (n - 1)) if n > 1 else None
            denominator = n * float(s_hh) - float(s_h) ** 2
            trend = (
                (n * float(s_hv) - float(s_h) * float(s_v)) / denominator
                if n > 1 and denominator > 1e-12
                else None
            )
            deviation = (
                (mean - normal_mean) / normal_sd
                if normal_mean is not None and normal_sd is not None
                else None
            )
            out.append(
                SensorStatistics(
                    sensor=name,
                    unit=sensor.unit,
                    count=n,
                    mean=mean,
                    std=std,
                    min=float(v_min),
                    max=float(v_max),
                    last=last[name][0],
                    last_ts=last[name][1],
                    normal_mean=normal_mean,
                    normal_sd=normal_sd,
                    deviation_sd=deviation,
                    trend_per_hour=trend,
                )
            )
        return TelemetryStatistics(asset_id=asset_id, start=start, end=end, sensors=out)

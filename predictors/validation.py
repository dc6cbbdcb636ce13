"""Reading validation: every bad reading is rejected with a reason and counted; the stream goes on."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np


class RejectReason(StrEnum):
    malformed = "malformed"  # not a mapping / not decodable
    missing_field = "missing_field"
    bad_timestamp = "bad_timestamp"
    not_a_number = "not_a_number"
    non_finite = "non_finite"  # NaN or +/-inf
    out_of_range = "out_of_range"
    out_of_order = "out_of_order"
    duplicate = "duplicate"
    unknown_asset = "unknown_asset"
    unknown_sensor = "unknown_sensor"


@dataclass(frozen=True)
class AssetStreamSpec:
    """What the stream knows about an asset: its sensors in model order and their valid ranges."""

    asset_id: str
    model_key: str
    sensors: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray

    def index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.sensors)}


@dataclass(frozen=True)
class ValidReading:
    asset_id: str
    sensor_index: int
    ts: float  # epoch seconds, UTC
    value: float


@dataclass(frozen=True)
class Rejection:
    reason: RejectReason
    detail: str


@dataclass
class ValidationStats:
    """Counts of accepted and rejected readings, with the rejections by reason."""

    accepted: int = 0
    rejected: Counter[RejectReason] = field(default_factory=Counter)
    examples: dict[RejectReason, str] = field(default_factory=dict)

    def reject(self, reason: RejectReason, detail: str, count: int = 1) -> Rejection:
        self.rejected[reason] += count
        self.examples.setdefault(reason, detail)
        return Rejection(reason, detail)

    def merge(self, other: ValidationStats) -> None:
        """Add another counter's figures to this one."""
        self.accepted += other.accepted
        self.rejected.update(other.rejected)
        for reason, example in other.examples.items():
            self.examples.setdefault(reason, example)

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": {str(k): v for k, v in sorted(self.rejected.items())},
            "examples": {str(k): v for k, v in self.examples.items()},
        }


REQUIRED = ("asset_id", "sensor", "ts", "value")


def parse_ts(raw: object) -> float | None:
    """Epoch seconds from an ISO-8601 string (naive means UTC), a datetime, or a number; None if unusable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw) if math.isfinite(raw) else None
    if isinstance(raw, datetime):
        return (raw if raw.tzinfo else raw.replace(tzinfo=UTC)).timestamp()
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return None


class ReadingValidator:
    """Checks one reading at a time against the registry (the streaming path)."""

    def __init__(self, assets: Mapping[str, AssetStreamSpec]) -> None:
        self._assets = dict(assets)
        self._index = {a: spec.index() for a, spec in self._assets.items()}
        self.stats = ValidationStats()

    def check(self, raw: object) -> ValidReading | Rejection:
        """Validate a decoded message {asset_id, sensor, ts, value}; the order check is the frame's job."""
        if not isinstance(raw, Mapping):
            return self.stats.reject(RejectReason.malformed, f"not an object: {type(raw).__name__}")
        missing = [k for k in REQUIRED if raw.get(k) is None]
        if missing:
            return self.stats.reject(RejectReason.missing_field, f"missing {', '.join(missing)}")
        asset_id = str(raw["asset_id"])
        spec = self._assets.get(asset_id)
        if spec is None:
            return self.stats.reject(RejectReason.unknown_asset, f"unknown asset {asset_id!r}")
        sensor = str(raw["sensor"])
        position = self._index[asset_id].get(sensor)
        if position is None:
            return self.stats.reject(RejectReason.unknown_sensor, f"{asset_id} has no sensor {sensor!r}")
        ts = parse_ts(raw["ts"])
        if ts is None:
            return self.stats.reject(RejectReason.bad_timestamp, f"unusable timestamp {raw['ts']!r}")
        value = raw["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                value = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return self.stats.reject(
                    RejectReason.not_a_number, f"{sensor}={raw['value']!r} is not a number"
                )
        value = float(value)
        if not math.isfinite(value):
            return self.stats.reject(RejectReason.non_finite, f"{sensor}={value}")
        if not spec.lo[position] <= value <= spec.hi[position]:
            return self.stats.reject(
                RejectReason.out_of_range,
                f"{sensor}={value:g} outside [{spec.lo[position]:g}, {spec.hi[position]:g}]",
            )
        return ValidReading(asset_id, position, ts, value)


def validate_frames(
    spec: AssetStreamSpec, ts: np.ndarray, values: np.ndarray, stats: ValidationStats
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised check of a (T,) timestamp and (T, S) value batch of one asset (the batch-replay path).

    Bad values (NaN/inf, out of range) are rejected per reading and replaced by the sensor's last good
    value, so one bad reading does not cost the whole row; rows with a non-increasing timestamp are
    rejected whole (out of order or duplicate). Returns the kept timestamps and cleaned values.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    in_range = (values >= spec.lo) & (values <= spec.hi)
    bad = ~(finite & in_range)
    n_nonfinite = int((~finite).sum())
    n_range = int((finite & ~in_range).sum())
    if n_nonfinite:
        stats.reject(RejectReason.non_finite, "NaN or infinite value in batch", n_nonfinite)
    if n_range:
        stats.reject(RejectReason.out_of_range, "value outside the sensor's valid range", n_range)

    order_ok = np.ones(len(ts), dtype=bool)
    if len(ts) > 1:
        running_max = np.maximum.accumulate(ts)
        order_ok[1:] = ts[1:] > running_max[:-1]
        dup = np.zeros(len(ts), dtype=bool)
        dup[1:] = ts[1:] == running_max[:-1]
        n_dup = int((dup & ~order_ok).sum()) * values.shape[1]
        n_ooo = int((~dup & ~order_ok).sum()) * values.shape[1]
        if n_dup:
            stats.reject(RejectReason.duplicate, "repeated timestamp", n_dup)
        if n_ooo:
            stats.reject(RejectReason.out_of_order, "timestamp earlier than one already seen", n_ooo)
    kept = values[order_ok]
    kept_bad = bad[order_ok]
    if kept_bad.any():
        kept = kept.copy()
        kept[kept_bad] = np.nan
        kept = _forward_fill(kept, fallback=_column_fallback(kept, spec))
    stats.accepted += int(order_ok.sum()) * values.shape[1] - int(kept_bad.sum())
    return ts[order_ok], kept


def _column_fallback(values: np.ndarray, spec: AssetStreamSpec) -> np.ndarray:
    """The median of a column's good values, or the middle of its valid range if it has none."""
    with np.errstate(all="ignore"):
        counts = (~np.isnan(values)).sum(axis=0)
        median = np.nanmedian(np.where(counts > 0, values, 0.0), axis=0) if values.size else spec.lo
    return np.where(counts > 0, median, (spec.lo + spec.hi) / 2)


def _forward_fill(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Replace NaNs by the last finite value above them (the fallback before the first one)."""
    mask = np.isnan(values)
    rows = np.where(~mask, np.arange(values.shape[0])[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    filled = values[rows, np.arange(values.shape[1])]
    still = np.isnan(filled)
    if still.any():
        filled[still] = np.broadcast_to(fallback, filled.shape)[still]
    return filled

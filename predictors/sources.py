"""Stream sources: CSV replay (SKAB, NAB, AssetOpsBench chiller telemetry, any wide CSV) and the simulator.

Every source yields decoded reading messages `{asset_id, sensor, ts, value}` for the online path
(StreamProcessor.push); CSV files can also be read whole as frames for batch replay. Values are passed on
as found (an empty cell becomes a missing value): validation, not the source, decides what is bad.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from predictors.simulator import SimulatedRun
from predictors.validation import AssetStreamSpec, parse_ts

Message = dict[str, object]


@dataclass(frozen=True)
class CsvFormat:
    """How a wide CSV is laid out: its timestamp column, separator, and columns that are not sensors."""

    timestamp: str
    sep: str = ","
    exclude: tuple[str, ...] = ()
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    default_range: tuple[float, float] = (-1e9, 1e9)


PRESETS: dict[str, CsvFormat] = {
    "skab": CsvFormat(
        timestamp="datetime",
        sep=";",
        exclude=("anomaly", "changepoint"),
        ranges={
            "Accelerometer1RMS": (0.0, 10.0),
            "Accelerometer2RMS": (0.0, 10.0),
            "Current": (0.0, 50.0),
            "Pressure": (-5.0, 50.0),
            "Temperature": (-40.0, 200.0),
            "Thermocouple": (-40.0, 200.0),
            "Voltage": (0.0, 1000.0),
            "Volume Flow RateRMS": (0.0, 1000.0),
        },
    ),
    "nab": CsvFormat(timestamp="timestamp"),
    "chiller": CsvFormat(timestamp="timestamp", exclude=("asset_id",), default_range=(-1e6, 1e6)),
}


@dataclass(frozen=True)
class Frames:
    """A wide CSV as arrays: epoch-second timestamps (T,), sensor names (S,), values (T, S) with NaN for gaps."""

    timestamps: np.ndarray
    sensors: tuple[str, ...]
    values: np.ndarray


def _number(cell: str) -> float:
    try:
        return float(cell) if cell.strip() else math.nan
    except ValueError:
        return math.nan


def _cell(raw: str) -> object:
    """A CSV cell as sent on the wire: None when empty, a float when numeric, else the raw text."""
    text = raw.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _header(path: Path, fmt: CsvFormat) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle, delimiter=fmt.sep))
    if fmt.timestamp not in header:
        raise ValueError(f"{path} has no timestamp column {fmt.timestamp!r} (columns: {', '.join(header)})")
    return header


def sensor_columns(path: Path, fmt: CsvFormat) -> tuple[str, ...]:
    return tuple(c for c in _header(path, fmt) if c != fmt.timestamp and c not in fmt.exclude)


def read_frames(path: Path, fmt: CsvFormat) -> Frames:
    """Read a wide CSV into arrays (rows with an unusable timestamp get NaN time; validation drops them)."""
    header = _header(path, fmt)
    sensors = sensor_columns(path, fmt)
    t_col = header.index(fmt.timestamp)
    cols = [header.index(s) for s in sensors]
    stamps, rows = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=fmt.sep)
        next(reader)
        for row in reader:
            ts = parse_ts(row[t_col]) if t_col < len(row) else None
            stamps.append(math.nan if ts is None else ts)
            rows.append([_number(row[c]) if c < len(row) else math.nan for c in cols])
    return Frames(
        np.array(stamps, dtype=np.float64), sensors, np.array(rows, dtype=np.float64).reshape(-1, len(cols))
    )


def csv_spec(path: Path, fmt: CsvFormat, *, asset_id: str, model_key: str = "") -> AssetStreamSpec:
    """A stream spec for a CSV's sensors with the preset's valid ranges."""
    sensors = sensor_columns(path, fmt)
    lo = np.array([fmt.ranges.get(s, fmt.default_range)[0] for s in sensors])
    hi = np.array([fmt.ranges.get(s, fmt.default_range)[1] for s in sensors])
    return AssetStreamSpec(asset_id=asset_id, model_key=model_key or asset_id, sensors=sensors, lo=lo, hi=hi)


def csv_messages(path: Path, fmt: CsvFormat, *, asset_id: str) -> Iterator[Message]:
    """Replay a wide CSV row by row as one message per sensor value (empty cells arrive without a value)."""
    header = _header(path, fmt)
    sensors = sensor_columns(path, fmt)
    t_col = header.index(fmt.timestamp)
    cols = [(s, header.index(s)) for s in sensors]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=fmt.sep)
        next(reader)
        for row in reader:
            stamp = row[t_col] if t_col < len(row) else None
            for sensor, c in cols:
                yield {
                    "asset_id": asset_id,
                    "sensor": sensor,
                    "ts": stamp,
                    "value": _cell(row[c] if c < len(row) else ""),
                }


def simulator_messages(run: SimulatedRun) -> Iterator[Message]:
    """Replay a simulated run as one message per sensor value."""
    epoch = run.timestamps.astype("datetime64[ms]").astype(np.int64) / 1000.0
    for t in range(len(epoch)):
        for j, sensor in enumerate(run.sensors):
            yield {
                "asset_id": run.asset_id,
                "sensor": sensor,
                "ts": float(epoch[t]),
                "value": float(run.values[t, j]),
            }


def interleave(*streams: list[Message]) -> list[Message]:
    """Merge message lists by timestamp (stable), as readings from several assets arrive on one bus."""
    merged = [m for stream in streams for m in stream]
    merged.sort(key=lambda m: float(m["ts"]) if isinstance(m["ts"], int | float) else 0.0)
    return merged

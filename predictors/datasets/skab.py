"""Read the Skoltech Anomaly Benchmark (SKAB): `;`-separated CSVs of 8 sensors sampled at about 1 Hz.

Each anomalous file holds one experiment with one contiguous anomalous period. The proposed leaderboard
fits on the first 400 rows of each of the 34 anomalous files and tests on the rest (TRAIN_ROWS).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SENSORS: tuple[str, ...] = (
    "Accelerometer1RMS",
    "Accelerometer2RMS",
    "Current",
    "Pressure",
    "Temperature",
    "Thermocouple",
    "Voltage",
    "Volume Flow RateRMS",
)
GROUPS: dict[str, tuple[int, ...]] = {
    "valve1": tuple(range(16)),
    "valve2": tuple(range(4)),
    "other": tuple(range(1, 15)),
}
TRAIN_ROWS = 400


@dataclass(frozen=True)
class SkabFile:
    """One SKAB experiment: timestamps as written in the file, sensor values and the two label columns."""

    group: str
    number: int
    datetime: np.ndarray  # (T,) str, exactly as in the source file
    values: np.ndarray  # (T, len(SENSORS)) float64
    anomaly: np.ndarray  # (T,) int8, 1 inside the anomalous period
    changepoint: np.ndarray  # (T,) int8, 1 at a changepoint

    @property
    def name(self) -> str:
        return f"{self.group}/{self.number}"

    @property
    def timestamps(self) -> np.ndarray:
        """Return the timestamps as datetime64[s]."""
        return self.datetime.astype("datetime64[s]")

    def rows(self, start: int, stop: int | None = None) -> SkabFile:
        """Return the rows [start, stop) as a new SkabFile."""
        part = slice(start, stop)
        return SkabFile(
            self.group,
            self.number,
            self.datetime[part],
            self.values[part],
            self.anomaly[part],
            self.changepoint[part],
        )


def read_skab_csv(path: Path, group: str = "", number: int = -1) -> SkabFile:
    """Read one SKAB CSV (sep=';'); files without labels (anomaly-free) get all-zero labels."""
    frame = pd.read_csv(path, sep=";", dtype={"datetime": str})
    missing = [column for column in ("datetime", *SENSORS) if column not in frame.columns]
    if missing:
        raise ValueError(f"{path} is not a SKAB file: missing columns {missing}")
    zeros = np.zeros(len(frame), dtype=np.int8)
    anomaly = frame["anomaly"].to_numpy().astype(np.int8) if "anomaly" in frame else zeros
    changepoint = frame["changepoint"].to_numpy().astype(np.int8) if "changepoint" in frame else zeros
    return SkabFile(
        group=group,
        number=number,
        datetime=frame["datetime"].to_numpy(dtype=str),
        values=frame[list(SENSORS)].to_numpy(dtype=np.float64),
        anomaly=anomaly,
        changepoint=changepoint,
    )


def skab_paths(root: Path) -> list[tuple[str, int, Path]]:
    """List the 34 anomalous files as (group, number, path), in leaderboard order; fail if one is missing."""
    found = []
    for group, numbers in GROUPS.items():
        for number in numbers:
            path = root / group / f"{number}.csv"
            if not path.is_file():
                raise FileNotFoundError(f"SKAB file {path} is missing")
            found.append((group, number, path))
    return found


def load_skab(root: Path, names: list[str] | None = None) -> list[SkabFile]:
    """Read the anomalous SKAB files (all 34, or only those named like 'valve1/0')."""
    wanted = set(names) if names is not None else None
    return [
        read_skab_csv(path, group, number)
        for group, number, path in skab_paths(root)
        if wanted is None or f"{group}/{number}" in wanted
    ]


def load_anomaly_free(root: Path) -> SkabFile:
    """Read anomaly-free/anomaly-free.csv (not part of the proposed leaderboard protocol)."""
    return read_skab_csv(root / "anomaly-free" / "anomaly-free.csv", "anomaly-free", 0)

"""Read the Numenta Anomaly Benchmark's realKnownCause series with their scoring windows and labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REAL_KNOWN_CAUSE = "realKnownCause"


@dataclass(frozen=True)
class NabSeries:
    """One univariate NAB series: timestamps, values, anomaly windows and labelled anomaly points."""

    name: str  # e.g. "realKnownCause/nyc_taxi.csv", the key used by the label files
    timestamps: np.ndarray  # (T,) datetime64[s]
    values: np.ndarray  # (T,) float64
    windows: list[tuple[np.datetime64, np.datetime64]]
    labels: list[np.datetime64]

    @property
    def short_name(self) -> str:
        return Path(self.name).stem


def _to_datetime(text: str) -> np.datetime64:
    return np.datetime64(pd.Timestamp(text).to_datetime64(), "s")


def read_nab_series(root: Path, name: str, windows: dict, labels: dict) -> NabSeries:
    """Read data/<name> (timestamp,value) and attach its windows and labels."""
    frame = pd.read_csv(root / name, dtype={"timestamp": str})
    if list(frame.columns[:2]) != ["timestamp", "value"]:
        raise ValueError(f"{root / name} is not a NAB series (timestamp,value)")
    return NabSeries(
        name=name,
        timestamps=pd.to_datetime(frame["timestamp"]).to_numpy().astype("datetime64[s]"),
        values=frame["value"].to_numpy(dtype=np.float64),
        windows=[(_to_datetime(start), _to_datetime(end)) for start, end in windows.get(name, [])],
        labels=[_to_datetime(text) for text in labels.get(name, [])],
    )


def load_nab(root: Path, category: str = REAL_KNOWN_CAUSE) -> list[NabSeries]:
    """Read every series of one NAB category (default realKnownCause) with combined windows and labels."""
    windows = json.loads((root / "labels" / "combined_windows.json").read_text())
    labels = json.loads((root / "labels" / "combined_labels.json").read_text())
    paths = sorted((root / category).glob("*.csv"))
    if not paths:
        raise FileNotFoundError(f"no NAB series under {root / category}")
    return [read_nab_series(root, f"{category}/{path.name}", windows, labels) for path in paths]

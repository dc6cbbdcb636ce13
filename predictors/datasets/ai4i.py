"""Read the AI4I 2020 predictive-maintenance dataset (UCI 601) into typed arrays.

The reader renames the process readings to snake_case (`READING_COLUMNS`), keeps the binary label and the
five failure-mode flags apart from them, and drops the identifiers (UDI and Product ID are kept only as
row ids, never as readings). It also names the rows whose labels disagree with each other: failures
without a mode flag and mode flags (RNF, in this file) without a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from copilot.errors import ValidationError

ProductType = Literal["L", "M", "H"]
Mode = Literal["TWF", "HDF", "PWF", "OSF", "RNF"]

PRODUCT_TYPES: Final[tuple[ProductType, ...]] = ("L", "M", "H")
MODES: Final[tuple[Mode, ...]] = ("TWF", "HDF", "PWF", "OSF", "RNF")
MODE_NAMES: Final[dict[Mode, str]] = {
    "TWF": "tool wear failure",
    "HDF": "heat dissipation failure",
    "PWF": "power failure",
    "OSF": "overstrain failure",
    "RNF": "random failure",
}

# Raw CSV header -> reading column, in the order every reading frame uses.
RAW_READING_COLUMNS: Final[dict[str, str]] = {
    "Type": "product_type",
    "Air temperature [K]": "air_temperature_k",
    "Process temperature [K]": "process_temperature_k",
    "Rotational speed [rpm]": "rotational_speed_rpm",
    "Torque [Nm]": "torque_nm",
    "Tool wear [min]": "tool_wear_min",
}
READING_COLUMNS: Final[tuple[str, ...]] = tuple(RAW_READING_COLUMNS.values())
LABEL_COLUMN: Final[str] = "Machine failure"
ID_COLUMNS: Final[tuple[str, ...]] = ("UDI", "Product ID")


@dataclass(frozen=True)
class Ai4iData:
    """The dataset split into readings, the binary label and the mode flags (one row per process)."""

    readings: pd.DataFrame  # READING_COLUMNS: product_type (str) and five floats
    machine_failure: np.ndarray  # (n,) int8, 1 when the process failed
    modes: np.ndarray  # (n, len(MODES)) int8, the mode flags in MODES order
    udi: np.ndarray  # (n,) int64 row ids, for reports only

    def __len__(self) -> int:
        return len(self.machine_failure)

    @property
    def unexplained_failures(self) -> np.ndarray:
        """Return the mask of rows with Machine failure = 1 and no mode flag."""
        return (self.machine_failure == 1) & (self.modes.sum(axis=1) == 0)

    @property
    def flags_without_failure(self) -> np.ndarray:
        """Return the mask of rows with a mode flag and Machine failure = 0."""
        return (self.machine_failure == 0) & (self.modes.sum(axis=1) > 0)

    @property
    def inconsistent(self) -> np.ndarray:
        """Return the mask of rows whose binary label disagrees with their mode flags."""
        return self.unexplained_failures | self.flags_without_failure

    def subset(self, index: np.ndarray) -> Ai4iData:
        """Return the rows at `index` (positions or a boolean mask)."""
        return Ai4iData(
            readings=self.readings.iloc[index].reset_index(drop=True),
            machine_failure=self.machine_failure[index],
            modes=self.modes[index],
            udi=self.udi[index],
        )


def from_frame(frame: pd.DataFrame) -> Ai4iData:
    """Split a frame with the raw AI4I header into readings, labels and ids; validate types and values."""
    required = [*ID_COLUMNS, *RAW_READING_COLUMNS, LABEL_COLUMN, *MODES]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValidationError(f"AI4I frame lacks columns {missing}: expected the UCI 601 header {required}")
    readings = frame[list(RAW_READING_COLUMNS)].rename(columns=RAW_READING_COLUMNS).reset_index(drop=True)
    readings["product_type"] = readings["product_type"].astype(str)
    unknown = sorted(set(readings["product_type"]) - set(PRODUCT_TYPES))
    if unknown:
        raise ValidationError(f"AI4I Type must be one of {PRODUCT_TYPES}, found {unknown}")
    numeric = [c for c in READING_COLUMNS if c != "product_type"]
    readings[numeric] = readings[numeric].astype(np.float64)
    if readings[numeric].isna().any().any():
        raise ValidationError("AI4I readings contain missing values")
    labels = frame[[LABEL_COLUMN, *MODES]].to_numpy()
    if not np.isin(labels, (0, 1)).all():
        raise ValidationError(f"AI4I {LABEL_COLUMN} and mode flags must be 0 or 1")
    return Ai4iData(
        readings=readings,
        machine_failure=labels[:, 0].astype(np.int8),
        modes=labels[:, 1:].astype(np.int8),
        udi=frame["UDI"].to_numpy(dtype=np.int64),
    )


def read_ai4i(path: Path) -> Ai4iData:
    """Read ai4i2020.csv (UCI 601 header, comma-separated)."""
    if not path.is_file():
        raise ValidationError(
            f"{path} does not exist: point COPILOT_DATA_DIR at the folder holding ai4i2020/"
        )
    return from_frame(pd.read_csv(path, encoding="utf-8-sig"))

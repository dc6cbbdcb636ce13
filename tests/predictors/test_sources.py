"""CSV replay sources: wide CSVs become readings; empty or broken cells are rejected and counted downstream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from predictors.sources import PRESETS, CsvFormat, csv_messages, csv_spec, read_frames
from predictors.validation import ReadingValidator, Rejection, RejectReason, ValidationStats, validate_frames

CSV = """timestamp,asset_id,temp,flow
2026-01-01 00:00:00,CH,10.5,100
2026-01-01 00:15:00,CH,,101
2026-01-01 00:30:00,CH,11.0,n/a
2026-01-01 00:15:00,CH,11.5,102
"""


def test_messages_carry_gaps_and_text_to_the_validator(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    fmt = CsvFormat(timestamp="timestamp", exclude=("asset_id",))
    validator = ReadingValidator({"CH": csv_spec(path, fmt, asset_id="CH")})
    results = [validator.check(m) for m in csv_messages(path, fmt, asset_id="CH")]
    assert len(results) == 8
    rejected = [r.reason for r in results if isinstance(r, Rejection)]
    assert rejected == [RejectReason.missing_field, RejectReason.not_a_number]


def test_frames_and_batch_validation_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    fmt = CsvFormat(timestamp="timestamp", exclude=("asset_id",))
    frames = read_frames(path, fmt)
    assert frames.sensors == ("temp", "flow") and frames.values.shape == (4, 2)
    stats = ValidationStats()
    ts, clean = validate_frames(csv_spec(path, fmt, asset_id="CH"), frames.timestamps, frames.values, stats)
    assert len(ts) == 3 and not np.isnan(clean).any()
    assert stats.rejected[RejectReason.non_finite] == 2 and stats.rejected[RejectReason.out_of_order] == 2


@pytest.mark.data
def test_public_csvs_replay(data_dir: Path) -> None:
    skab = read_frames(data_dir / "skab" / "valve1" / "0.csv", PRESETS["skab"])
    assert len(skab.sensors) == 8 and skab.values.shape[0] > 1000 and not np.isnan(skab.values).any()
    chiller = data_dir / "assetopsbench" / "sensor_chiller6_2020-06.csv"
    frames = read_frames(chiller, PRESETS["chiller"])
    stats = ValidationStats()
    ts, clean = validate_frames(
        csv_spec(chiller, PRESETS["chiller"], asset_id="Chiller 6"), frames.timestamps, frames.values, stats
    )
    assert stats.rejected[RejectReason.non_finite] > 0  # the telemetry has empty cells
    dropped = len(frames.timestamps) - len(ts)  # rows whose time goes back: every value of them is counted
    assert dropped > 0
    assert stats.rejected[RejectReason.out_of_order] + stats.rejected[RejectReason.duplicate] == dropped * 12
    nab = read_frames(
        data_dir / "nab" / "realKnownCause" / "machine_temperature_system_failure.csv", PRESETS["nab"]
    )
    assert nab.sensors == ("value",) and len(nab.timestamps) > 20000

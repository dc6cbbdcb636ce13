"""The `anomaly` suite on the real SKAB and NAB files: report keys, prediction files, scorer sanity."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from copilot.config import Settings
from evals.metrics.nab import NAB_PROFILES, nab_file_score
from evals.metrics.skab_nab import skab_nab_score
from evals.runner import EvalContext
from evals.suites import anomaly
from predictors.datasets.nab import load_nab
from predictors.datasets.skab import TRAIN_ROWS, load_skab

pytestmark = pytest.mark.data

EXPECTED_KEYS = {
    f"skab_{prefix}{name}"
    for prefix in ("", "heldout_", "dev_")
    for name in (
        "outlier_f1",
        "outlier_far",
        "outlier_mar",
        "nab_standard",
        "nab_lowfp",
        "nab_lowfn",
        "missed_cps",
        "fps",
    )
} | {f"nab_realknowncause_{p.lower()}" for p in NAB_PROFILES}


def test_suite_reports_the_keys_and_writes_one_prediction_file_per_skab_file(
    data_dir: Path, tmp_path: Path
) -> None:
    ctx = EvalContext(
        settings=Settings(home=tmp_path / "home", data_dir=data_dir),
        data_dir=data_dir,
        predictions_out=tmp_path / "preds",
    )
    result = anomaly.run(ctx)
    assert set(result.metrics) >= EXPECTED_KEYS
    assert 0.0 <= result.metrics["skab_outlier_f1"] <= 1.0
    assert 0.0 <= result.metrics["skab_outlier_far"] <= 100.0
    assert result.metrics["skab_onnx_native_max_rel_diff"] < 1e-3
    assert "held-out" in result.markdown and "Conv-AE" in result.markdown

    files = load_skab(data_dir / "skab")
    assert len(files) == 34
    predicted: list[np.ndarray] = []
    for file in files:
        path = tmp_path / "preds" / file.group / f"{file.number}.csv"
        with path.open() as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["datetime", "anomaly", "changepoint"]
        body = rows[1:]
        assert [r[0] for r in body] == file.datetime[TRAIN_ROWS:].tolist()
        assert {r[1] for r in body} <= {"0", "1"} and {r[2] for r in body} <= {"0", "1"}
        flags = np.array([int(r[1]) for r in body])
        changes = np.array([int(r[2]) for r in body])
        edges = np.abs(np.diff(flags, prepend=flags[0]))
        edges[0] = flags[0]
        # every flag edge is a changepoint; the others are level shifts while flagged
        assert np.all(changes >= edges) and np.all(flags[(changes == 1) & (edges == 0)] == 1)
        predicted.append(changes)
    # the files alone reproduce the reported changepoint score
    tests = [f.rows(TRAIN_ROWS) for f in files]
    recomputed = skab_nab_score([t.timestamps for t in tests], [t.changepoint for t in tests], predicted)
    assert round(recomputed.scores["standard"], 2) == result.metrics["skab_nab_standard"]


def test_null_detector_on_realknowncause_scores_minus_one_per_window(data_dir: Path) -> None:
    series = load_nab(data_dir / "nab")
    assert len(series) == 7
    total = sum(
        nab_file_score(s.timestamps, np.zeros(len(s.values)), s.windows, NAB_PROFILES["standard"]).score
        for s in series
    )
    assert total == -19.0  # the published null detector's raw total over these files

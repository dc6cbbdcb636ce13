"""The eval runner's threshold checks: missing metrics fail, unless their suite or part was skipped for data."""

from __future__ import annotations

from pathlib import Path

import yaml

from evals.runner import SuiteResult, check_thresholds, write_report


def _thresholds(tmp_path: Path) -> Path:
    path = tmp_path / "thresholds.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "retrieval": {"recall": {"min": 0.9}, "maintnet_hits": {"min": 0.2}},
                "anomaly": {"f1": {"min": 0.8}},
            }
        )
    )
    return path


def test_a_part_skipped_for_missing_data_is_not_checked_and_says_why(tmp_path: Path) -> None:
    results = [
        SuiteResult(
            suite="retrieval",
            metrics={"recall": 0.92},
            skipped_parts={"maintnet_": "MaintNet part skipped: no public data folder"},
        ),
        SuiteResult(suite="anomaly", skipped="no public data folder"),
    ]
    checks = check_thresholds(results, _thresholds(tmp_path))
    assert [(c.metric, c.passed) for c in checks] == [("recall", True)]
    _, markdown = write_report(results, tmp_path / "report.json", checks)
    text = markdown.read_text()
    assert "1 of 1 thresholds met" in text and "ran; MaintNet part skipped" in text


def test_a_metric_missing_without_a_reason_fails(tmp_path: Path) -> None:
    results = [SuiteResult(suite="retrieval", metrics={"recall": 0.95})]
    checks = check_thresholds(results, _thresholds(tmp_path))
    missing = next(c for c in checks if c.metric == "maintnet_hits")
    assert missing.value is None and not missing.passed

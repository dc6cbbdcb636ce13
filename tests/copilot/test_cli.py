"""The CLI contract: demo --json, approvals --json, decide, workorders --json, clean errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli import app

runner = CliRunner()


def _json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_demo_then_approve_yields_exactly_one_work_order(home: Path) -> None:
    summary = _json("demo")
    assert isinstance(summary, dict)
    for key in ("alerts", "investigations", "pending_approvals", "work_orders"):
        assert isinstance(summary[key], int), key
    assert summary["alerts"] >= 1 and summary["pending_approvals"] >= 1 and summary["work_orders"] == 0
    assert "copilot decide" in summary["next_step"]

    approvals = _json("approvals")
    assert isinstance(approvals, list) and all("id" in a for a in approvals)
    first = approvals[0]["id"]

    result = runner.invoke(app, ["decide", str(first), "--decision", "approve", "--user", "olivia"])
    assert result.exit_code == 0, result.output
    assert len(_json("workorders")) == 1

    again = runner.invoke(app, ["decide", str(first), "--decision", "approve", "--user", "olivia"])
    assert again.exit_code == 1 and "already decided" in again.output
    assert len(_json("workorders")) == 1
    assert len(_json("approvals")) == len(approvals) - 1


def test_errors_are_one_clear_line(home: Path) -> None:
    result = runner.invoke(app, ["decide", "999", "--decision", "approve", "--user", "olivia"])
    assert result.exit_code == 1 and "approval 999 does not exist" in result.output
    result = runner.invoke(app, ["decide", "1", "--decision", "maybe", "--user", "olivia"])
    assert result.exit_code == 1 and "unknown decision 'maybe'" in result.output
    result = runner.invoke(app, ["workorders", "--asset", "Z-1"])
    assert result.exit_code == 1 and "unknown asset 'Z-1'" in result.output


def test_ingest_reports_the_model_loading_apart_from_the_rate_and_skips_unchanged_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_HOME", str(tmp_path / "fresh"))
    first = runner.invoke(app, ["ingest", "--source", "demo"])
    assert first.exit_code == 0, first.output
    line = next(x for x in first.output.splitlines() if x.startswith("demo:"))
    assert re.search(
        r"\b0 unchanged, [1-9]\d* chunks written in [\d.]+ s \(\d+ chunks/s after [\d.]+ s loading", line
    )
    again = runner.invoke(app, ["ingest", "--source", "demo"])
    assert again.exit_code == 0, again.output
    line = next(x for x in again.output.splitlines() if x.startswith("demo:"))
    assert re.search(r"\b0 added, 0 replaced, 0 removed, \d+ unchanged, 0 chunks written", line)
    assert "loading" not in line  # nothing to embed: the model was never loaded

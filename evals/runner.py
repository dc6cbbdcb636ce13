"""The eval runner: run suites by name, each in a fresh COPILOT_HOME, and write one JSON and one markdown report.

A suite is a function `run(ctx: EvalContext) -> SuiteResult` in `evals/suites/<name>.py`. Its metrics are a
flat mapping of names to numbers (prefixed by dataset, e.g. `skab_outlier_f1`); its markdown section sets
each figure beside the published ones. A suite that needs `../shared/data` raises `DataMissing`, and the
runner records it as skipped with the reason.
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, Field

from copilot.config import Settings
from copilot.errors import CopilotError, ValidationError

log = logging.getLogger(__name__)

SUITES: tuple[str, ...] = (
    "anomaly",
    "classifier",
    "retrieval",
    "trajectories",
    "safety",
    "chat",
    "guardrails",
)


class DataMissing(CopilotError):
    """Raised by a suite whose public dataset is not available (COPILOT_DATA_DIR unset or incomplete)."""


@dataclass(frozen=True)
class EvalContext:
    """What a suite gets: settings pointing at a fresh state folder, the data folder, optional outputs."""

    settings: Settings
    data_dir: Path | None
    predictions_out: Path | None = None

    def require_data(self, *parts: str) -> Path:
        """Return data_dir/parts, or raise DataMissing with the path that was looked for."""
        if self.data_dir is None:
            raise DataMissing("no public data folder: set COPILOT_DATA_DIR (default ../shared/data)")
        path = self.data_dir.joinpath(*parts)
        if not path.exists():
            raise DataMissing(f"{path} does not exist: COPILOT_DATA_DIR must hold {'/'.join(parts)}")
        return path


class SuiteResult(BaseModel):
    suite: str
    metrics: dict[str, float] = Field(default_factory=dict)
    markdown: str = ""
    skipped: str | None = None
    skipped_parts: dict[str, str] = Field(
        default_factory=dict,
        description="Parts of a suite that ran without their data: metric-name prefix -> why (not checked).",
    )
    seconds: float = 0.0


class Suite(Protocol):
    def __call__(self, ctx: EvalContext) -> SuiteResult: ...


def load_suite(name: str) -> Suite:
    if name not in SUITES:
        raise ValidationError(f"unknown eval suite {name!r}: choose one of {', '.join(SUITES)}")
    module = importlib.import_module(f"evals.suites.{name}")
    return module.run  # type: ignore[no-any-return]


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip() or "nocommit"
    except (OSError, subprocess.SubprocessError):
        return "nocommit"


def default_report_path() -> Path:
    return Path("evals") / "reports" / f"{datetime.now(UTC):%Y-%m-%d}-{git_commit()}.json"


def run_suite(name: str, settings: Settings, *, predictions_out: Path | None = None) -> SuiteResult:
    """Run one suite in a fresh temporary COPILOT_HOME."""
    suite = load_suite(name)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"copilot-eval-{name}-") as tmp:
        ctx = EvalContext(
            settings=settings.model_copy(update={"home": Path(tmp)}),
            data_dir=settings.data_dir,
            predictions_out=predictions_out,
        )
        try:
            result = suite(ctx)
        except DataMissing as exc:
            log.warning("suite %s skipped: %s", name, exc)
            result = SuiteResult(suite=name, skipped=str(exc))
    result.seconds = round(time.perf_counter() - started, 1)
    return result


THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"


class Check(BaseModel):
    suite: str
    metric: str
    value: float | None
    min: float | None = None
    max: float | None = None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return (self.min is None or self.value >= self.min) and (self.max is None or self.value <= self.max)

    @property
    def bound(self) -> str:
        parts = ([f">= {self.min:g}"] if self.min is not None else []) + (
            [f"<= {self.max:g}"] if self.max is not None else []
        )
        return " and ".join(parts)


def check_thresholds(results: list[SuiteResult], path: Path = THRESHOLDS) -> list[Check]:
    """Every threshold of every suite that ran (skipped suites and skipped parts of a suite are not checked;
    they say why in the report)."""
    thresholds = yaml.safe_load(path.read_text()) or {}
    checks = []
    for result in results:
        if result.skipped:
            continue
        for metric, bound in (thresholds.get(result.suite) or {}).items():
            if metric not in result.metrics and any(metric.startswith(p) for p in result.skipped_parts):
                continue
            checks.append(
                Check(
                    suite=result.suite,
                    metric=metric,
                    value=result.metrics.get(metric),
                    min=bound.get("min"),
                    max=bound.get("max"),
                )
            )
    return checks


def _status(result: SuiteResult) -> str:
    if result.skipped:
        return f"skipped: {result.skipped}"
    if result.skipped_parts:
        return "ran; " + "; ".join(result.skipped_parts.values())
    return "ran"


def write_report(
    results: list[SuiteResult], out: Path, checks: list[Check] | None = None
) -> tuple[Path, Path]:
    """Write the flat JSON of metrics and the markdown report beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    flat: dict[str, float | str] = {}
    for result in results:
        flat.update(result.metrics)
        if result.skipped:
            flat[f"{result.suite}_skipped"] = result.skipped
    flat["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    flat["commit"] = git_commit()
    checks = checks if checks is not None else check_thresholds(results)
    failed = [c for c in checks if not c.passed]
    flat["thresholds_checked"] = float(len(checks))
    flat["thresholds_failed"] = float(len(failed))
    out.write_text(json.dumps(flat, indent=2, sort_keys=False) + "\n")
    lines = [
        f"# Eval report ({flat['generated_at']}, commit {flat['commit']})",
        "",
        f"{len(checks) - len(failed)} of {len(checks)} thresholds met (evals/thresholds.yaml).",
        "",
        "| suite | metric | value | threshold | |",
        "|---|---|---|---|---|",
        *[
            f"| {c.suite} | {c.metric} | {'missing' if c.value is None else f'{c.value:.4g}'} | {c.bound} | "
            f"{'ok' if c.passed else 'FAILED'} |"
            for c in checks
        ],
        "",
        "| suite | time | status |",
        "|---|---|---|",
        *[f"| {r.suite} | {r.seconds:g} s | {_status(r)} |" for r in results],
        "",
    ]
    for result in results:
        lines.append(f"## Suite `{result.suite}` ({result.seconds:g} s)")
        lines.append("")
        lines.append(f"Skipped: {result.skipped}" if result.skipped else result.markdown.strip())
        lines.append("")
    markdown = out.with_suffix(".md")
    markdown.write_text("\n".join(lines))
    return out, markdown

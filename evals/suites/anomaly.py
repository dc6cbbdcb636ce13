"""The `anomaly` suite: the multivariate anomaly detector on SKAB (proposed leaderboard) and NAB realKnownCause.

SKAB protocol (waico/SKAB `core/utils.py`, proposed leaderboard): for each of the 34 anomalous files the
detector is fitted on the first 400 rows, its threshold comes from those rows only, and the remaining rows
are scored (their features are computed from the test rows alone). Every figure comes from the exported
ONNX model run by onnxruntime. Outliers: point-wise F1, FAR %, MAR % with counts pooled over files;
changepoints: the detector's own (predictors.anomaly.changepoints: flag edges, and level shifts of the score
while flagged), scored by SKAB's NAB variant with a 60 s window to the right of each true changepoint
(evals.metrics).

The method and its hyper-parameters were chosen on DEV_FILES only and frozen; the report gives all 34 files
and the 17 held-out files apart. NAB realKnownCause: the same frozen detector is fitted on each series'
probationary period (the rows NAB does not score); its alert onsets are the detections; raw NAB scores.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from evals.metrics.binary import BinaryScores, binary_scores
from evals.metrics.nab import NAB_PROFILES, nab_file_score, probationary_length
from evals.metrics.skab_nab import SkabNabResult, skab_nab_score
from evals.runner import DataMissing, EvalContext, SuiteResult
from predictors.anomaly import (
    AnomalyConfig,
    FittedDetector,
    OnnxAnomalyScorer,
    changepoints,
    debounce,
    fit_detector,
    rising_edges,
    save_detector,
)
from predictors.datasets.nab import NabSeries, load_nab
from predictors.datasets.skab import SENSORS, TRAIN_ROWS, SkabFile, load_skab

log = logging.getLogger(__name__)

# Development subset: every other file of each group (stratified), fixed before any held-out file was scored.
DEV_FILES: tuple[str, ...] = (
    *(f"valve1/{i}" for i in range(0, 16, 2)),
    "valve2/0",
    "valve2/2",
    *(f"other/{i}" for i in range(1, 15, 2)),
)
# Temperature and Thermocouple drift within every experiment (400 training rows are ~7 minutes); on the
# development files, keeping them raised the false-alarm rate from 10 % to 42 % (see the re-run ablation).
MONITORED: tuple[str, ...] = tuple(s for s in SENSORS if s not in ("Temperature", "Thermocouple"))
CONFIG = AnomalyConfig(window=5, quantile=0.99, factor=2.0, k_on=5, k_off=10)
ASSET_CLASS = "skab_water_circulation_testbed"
MACHINE_TEMPERATURE = "machine_temperature_system_failure"
PUBLISHED_NAB_DETECTORS = (
    "ARTime",
    "numenta",
    "contextOSE",
    "randomCutForest",
    "windowedGaussian",
    "random",
    "null",
)

# SKAB proposed leaderboard (../shared/data/ANCHORS.md section 1, waico/SKAB README @ b2c0d46).
PUBLISHED_OUTLIER: tuple[tuple[str, float, float, float], ...] = (
    ("Conv-AE", 0.78, 13.55, 28.02),
    ("MSET", 0.78, 39.73, 14.13),
    ("T-squared+Q (PCA)", 0.76, 26.62, 24.92),
    ("LSTM-AE", 0.74, 29.96, 25.92),
    ("T-squared", 0.66, 19.21, 42.6),
    ("Isolation forest", 0.29, 2.56, 82.89),
    ("Null detector", 0.0, 0.0, 100.0),
)
PUBLISHED_CPD: tuple[tuple[str, float, float, float, int, int], ...] = (
    ("MSCRED", 32.42, 16.53, 40.28, 55, 342),
    ("Isolation forest", 26.16, 19.5, 30.82, 76, 135),
    ("T-squared+Q (PCA)", 25.35, 14.51, 31.33, 72, 232),
    ("Conv-AE", 23.61, 21.54, 27.55, 82, 23),
    ("LSTM-AE", 23.51, 20.11, 25.91, 88, 69),
    ("MSET", 13.84, 10.22, 17.37, 96, 66),
)
# Measured on the development files while choosing the method (scripts outside the project; native scores).
DEV_SEARCH: tuple[tuple[str, str], ...] = (
    ("PCA T²+Q, all 8 sensors, 5-row mean, q0.99 x2.0, debounce 10/10", "F1 0.785, FAR 47.0 %, NAB 27.6"),
    ("PCA T²+Q, 6 sensors (no temperatures), q0.99 x1.5, debounce 10/10", "F1 0.818, FAR 16.0 %, NAB 33.9"),
    ("Ledoit-Wolf Mahalanobis, 6 sensors, q0.99 x1.5, debounce 10/10", "F1 0.826, FAR 12.5 %, NAB 35.0"),
    ("max z², all 8 sensors, q0.99 x2.0, debounce 10/10", "F1 0.725, FAR 22.9 %, NAB 29.1"),
    (
        "dense auto-encoder on 10-row windows (torch), 6 sensors, best at FAR <= 15 %",
        "F1 0.827, FAR 13.6 %, NAB 29.9; 245 s to fit",
    ),
    ("isolation forest, 6 sensors, best at FAR <= 15 %", "F1 0.633, FAR 13.5 %, NAB 16.9"),
    ("rolling std or 30-row means added to the features", "no gain (best F1 0.850 vs 0.852)"),
    ("temperature slopes (60-row difference) instead of levels", "best F1 0.787 at FAR <= 15 %"),
    (
        "2026-11-22, changepoints: a separate debounce for them (k_on 1-8 x k_off 1-30)",
        "NAB 23.4-38.5, no setting clearly better than 5/10 (36.7) on both standard and LowFP",
    ),
    (
        "2026-11-22, changepoints: flag edges + level shifts of the log score while flagged, "
        "window 10/30/60 x delta 0.25/0.35/0.5 x refractory 15/30 rows",
        "NAB 48.1-58.0 (every setting above 36.7); chosen mid-plateau: 30 / 0.35 / 30 -> NAB 54.9, LowFP 50.6; "
        "only then were the held-out files scored",
    ),
)


@dataclass(frozen=True)
class FileRun:
    """One SKAB file: its test rows, the ONNX-scored detection and the check against numpy."""

    file: SkabFile
    test: SkabFile
    detector: FittedDetector
    score: np.ndarray
    deviation: np.ndarray
    flags: np.ndarray
    changepoints: np.ndarray
    onnx_native_max_rel_diff: float
    top_sensor: str


def _columns(sensors: tuple[str, ...]) -> list[int]:
    return [SENSORS.index(s) for s in sensors]


def run_skab_file(file: SkabFile, models_dir: Path, config: AnomalyConfig = CONFIG) -> FileRun:
    """Fit on the first 400 rows, export to ONNX, score the test rows with onnxruntime."""
    columns = _columns(MONITORED)
    test = file.rows(TRAIN_ROWS)
    detector = fit_detector(file.values[:TRAIN_ROWS, columns], list(MONITORED), config)
    name = f"skab_{file.group}_{file.number}"
    save_detector(detector, models_dir, name, ASSET_CLASS)
    scorer = OnnxAnomalyScorer.load(models_dir, name)
    detection = scorer.detect(test.values[:, columns])
    native = detector.score(detector.features(test.values[:, columns]))
    rel_diff = float(np.max(np.abs(detection.score - native) / np.maximum(np.abs(native), 1.0)))
    flagged = np.flatnonzero(detection.flags)
    votes = Counter(scorer.contributions(detection.deviation[i], top=1)[0].name for i in flagged)
    return FileRun(
        file=file,
        test=test,
        detector=detector,
        score=detection.score,
        deviation=detection.deviation,
        flags=detection.flags,
        changepoints=detection.changepoints,
        onnx_native_max_rel_diff=rel_diff,
        top_sensor=votes.most_common(1)[0][0] if votes else "-",
    )


def score_runs(
    tests: list[SkabFile], flags: list[np.ndarray], cps: list[np.ndarray]
) -> tuple[BinaryScores, SkabNabResult]:
    """Return the outlier metrics of test parts' flags and SKAB's NAB scores of their changepoints."""
    outlier = binary_scores([t.anomaly for t in tests], flags)
    cpd = skab_nab_score(
        [t.timestamps for t in tests],
        [t.changepoint for t in tests],
        cps,
        window="60s",
        destination="righter",
    )
    return outlier, cpd


def _metrics(prefix: str, outlier: BinaryScores, cpd: SkabNabResult) -> dict[str, float]:
    return {
        f"{prefix}outlier_f1": round(outlier.f1, 4),
        f"{prefix}outlier_far": round(outlier.far, 2),
        f"{prefix}outlier_mar": round(outlier.mar, 2),
        f"{prefix}nab_standard": round(cpd.scores["standard"], 2),
        f"{prefix}nab_lowfp": round(cpd.scores["lowfp"], 2),
        f"{prefix}nab_lowfn": round(cpd.scores["lowfn"], 2),
        f"{prefix}missed_cps": float(cpd.missed),
        f"{prefix}fps": float(cpd.false_positives),
    }


def write_predictions(out: Path, runs: list[FileRun]) -> None:
    """Write <out>/<group>/<n>.csv with datetime (as in the source), anomaly and changepoint for the test rows."""
    for run in runs:
        path = out / run.file.group / f"{run.file.number}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["datetime", "anomaly", "changepoint"])
            for stamp, flag, cp in zip(run.test.datetime, run.flags, run.changepoints, strict=True):
                writer.writerow([stamp, int(flag), int(cp)])


def _native_detections(
    files: list[SkabFile], sensors: tuple[str, ...], config: AnomalyConfig
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(flags, changepoints) per file, from numpy scores."""
    columns = _columns(sensors)
    flags, cps = [], []
    for file in files:
        detector = fit_detector(file.values[:TRAIN_ROWS, columns], list(sensors), config)
        score = detector.score(detector.features(file.values[TRAIN_ROWS:, columns]))
        flags.append(debounce(score > detector.threshold, config.k_on, config.k_off))
        cps.append(changepoints(score, flags[-1], config))
    return flags, cps


def dev_ablation(dev: list[SkabFile]) -> list[tuple[str, BinaryScores, SkabNabResult]]:
    """Re-run the chosen method and its variants on the development files (numpy scores)."""
    variants = (
        (
            "chosen: 6 sensors, 5-row mean, q0.99 x2.0, debounce 5/10, level shifts 30/0.35/30",
            MONITORED,
            CONFIG,
        ),
        ("changepoints from flag edges only (no level shifts)", MONITORED, replace(CONFIG, shift_delta=1e9)),
        ("with Temperature and Thermocouple", SENSORS, CONFIG),
        ("no debounce (1/1)", MONITORED, replace(CONFIG, k_on=1, k_off=1)),
        ("threshold factor 1.0", MONITORED, replace(CONFIG, factor=1.0)),
        ("10-row mean", MONITORED, replace(CONFIG, window=10)),
    )
    tests = [f.rows(TRAIN_ROWS) for f in dev]
    return [
        (label, *score_runs(tests, *_native_detections(dev, sensors, cfg)))
        for label, sensors, cfg in variants
    ]


@dataclass(frozen=True)
class NabRun:
    """Raw NAB scores of one series per profile, with its detections and the null/perfect references."""

    series: NabSeries
    detections: int
    scores: dict[str, float]
    null: dict[str, float]
    perfect: dict[str, float]


def run_nab_series(series: NabSeries, models_dir: Path, config: AnomalyConfig = CONFIG) -> NabRun:
    """Fit on the probationary rows, score with ONNX, use alert onsets as NAB detections."""
    values = series.values[:, None]
    probation = int(probationary_length(len(values)))
    detector = fit_detector(values[:probation], ["value"], config)
    name = f"nab_{series.short_name}"
    save_detector(detector, models_dir, name, "nab_realknowncause")
    detection = OnnxAnomalyScorer.load(models_dir, name).detect(values)
    onsets = rising_edges(detection.flags).astype(np.float64)
    onsets[:probation] = 0.0
    perfect_marks = np.zeros(len(values))
    for start, end in series.windows:
        inside = np.flatnonzero((series.timestamps >= start) & (series.timestamps <= end))
        inside = inside[inside >= probation]
        if len(inside):
            perfect_marks[inside[0]] = 1.0
    scores, null, perfect = {}, {}, {}
    for profile, cost in NAB_PROFILES.items():
        scores[profile] = nab_file_score(series.timestamps, onsets, series.windows, cost).score
        null[profile] = nab_file_score(series.timestamps, np.zeros(len(values)), series.windows, cost).score
        perfect[profile] = nab_file_score(series.timestamps, perfect_marks, series.windows, cost).score
    return NabRun(series, int(onsets.sum()), scores, null, perfect)


def published_nab_raw(root: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Read results/realKnownCause_per_file_raw_scores.csv: detector -> profile -> file (or 'total') -> score."""
    path = root / "results" / "realKnownCause_per_file_raw_scores.csv"
    table: dict[str, dict[str, dict[str, float]]] = {}
    if not path.is_file():
        return table
    with path.open() as handle:
        for row in csv.DictReader(handle):
            per_file = table.setdefault(row["Detector"], {}).setdefault(row["Profile"], {})
            per_file[Path(row["File"]).stem] = float(row["Score"])
            per_file["total"] = per_file.get("total", 0.0) + float(row["Score"])
    return table


def _nab_key(profile: str) -> str:
    return profile.lower()


def run(ctx: EvalContext) -> SuiteResult:
    """Run the SKAB protocol and the NAB realKnownCause scoring; write predictions when asked."""
    skab_root = ctx.require_data("skab")
    models_dir = ctx.settings.home / "models"
    files = load_skab(skab_root)
    runs = [run_skab_file(f, models_dir) for f in files]
    if ctx.predictions_out is not None:
        write_predictions(ctx.predictions_out, runs)

    groups = {
        "": runs,
        "heldout_": [r for r in runs if r.file.name not in DEV_FILES],
        "dev_": [r for r in runs if r.file.name in DEV_FILES],
    }
    results = {
        prefix: score_runs([r.test for r in rs], [r.flags for r in rs], [r.changepoints for r in rs])
        for prefix, rs in groups.items()
    }
    metrics: dict[str, float] = {}
    for prefix, (outlier, cpd) in results.items():
        metrics.update(_metrics(f"skab_{prefix}", outlier, cpd))
    metrics["skab_onnx_native_max_rel_diff"] = float(f"{max(r.onnx_native_max_rel_diff for r in runs):.3g}")
    ablation = dev_ablation([r.file for r in groups["dev_"]])

    nab_runs: list[NabRun] = []
    published: dict[str, dict[str, dict[str, float]]] = {}
    try:
        nab_root = ctx.require_data("nab")
        nab_runs = [run_nab_series(s, models_dir) for s in load_nab(nab_root)]
        published = published_nab_raw(nab_root)
    except DataMissing as exc:
        log.warning("NAB part skipped: %s", exc)
    for profile in NAB_PROFILES:
        if nab_runs:
            metrics[f"nab_realknowncause_{_nab_key(profile)}"] = round(
                sum(r.scores[profile] for r in nab_runs), 3
            )
            machine = [r for r in nab_runs if r.series.short_name == MACHINE_TEMPERATURE]
            if machine:
                metrics[f"nab_machine_temperature_{_nab_key(profile)}"] = round(machine[0].scores[profile], 3)

    markdown = _markdown(runs, results, ablation, nab_runs, published, metrics)
    return SuiteResult(suite="anomaly", metrics=metrics, markdown=markdown)


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def _markdown(
    runs: list[FileRun],
    results: dict[str, tuple[BinaryScores, SkabNabResult]],
    ablation: list[tuple[str, BinaryScores, SkabNabResult]],
    nab_runs: list[NabRun],
    published: dict[str, dict[str, dict[str, float]]],
    metrics: dict[str, float],
) -> str:
    lines: list[str] = []
    add = lines.append
    all_o, all_c = results[""]
    held_o, held_c = results["heldout_"]
    dev_o, dev_c = results["dev_"]
    held_names = [r.file.name for r in runs if r.file.name not in DEV_FILES]
    add("### SKAB, proposed leaderboard protocol (comparable)")
    add("")
    add(
        "Fit on the first 400 rows of each of the 34 anomalous files, threshold from those rows only, test on "
        "the rest (test features use the test rows only); scores from the exported ONNX models run by onnxruntime; "
        "metrics re-implemented from SKAB "
        "`core/metrics.py` (counts pooled over files; NAB window 60 s to the right of each true changepoint). "
        "Changepoints are the detector's own: the edges of the flag series (as in SKAB's notebooks) and, while "
        "flagged, level shifts of the score (predictors/anomaly.py). Published rows: ANCHORS.md section 1."
    )
    add("")
    add("**Outlier detection** (F1 ↑, FAR % ↓, MAR % ↓)")
    add("")
    add("| Detector | F1 | FAR % | MAR % |")
    add("|---|---|---|---|")
    for label, (o, _) in (
        ("**this detector, all 34 files**", (all_o, all_c)),
        ("this detector, 17 held-out files", (held_o, held_c)),
        ("this detector, 17 development files", (dev_o, dev_c)),
    ):
        add(f"| {label} | {_fmt(o.f1)} | {_fmt(o.far)} | {_fmt(o.mar)} |")
    for name, f1, far, mar in PUBLISHED_OUTLIER:
        add(f"| {name} (published) | {f1:g} | {far:g} | {mar:g} |")
    add("")
    add("**Changepoint detection** (NAB ↑; missed changepoints and false positives ↓)")
    add("")
    add("| Detector | NAB standard | NAB LowFP | NAB LowFN | Missed CPs | FPs |")
    add("|---|---|---|---|---|---|")
    for label, c in (
        ("**this detector, all 34 files**", all_c),
        ("this detector, 17 held-out files", held_c),
        ("this detector, 17 development files", dev_c),
    ):
        s = c.scores
        add(
            f"| {label} | {_fmt(s['standard'])} | {_fmt(s['lowfp'])} | {_fmt(s['lowfn'])} | "
            f"{c.missed} of {c.n_changepoints} | {c.false_positives} |"
        )
    for name, std, lowfp, lowfn, missed, fps in PUBLISHED_CPD:
        add(f"| {name} (published) | {std:g} | {lowfp:g} | {lowfn:g} | {missed} | {fps} |")
    add("")
    target_f1 = all_o.f1 >= 0.80 and all_o.far <= 15.0
    target_nab = all_c.scores["standard"] >= 33.0
    add(
        f"Targets (issue): outlier F1 >= 0.80 with FAR <= 15 %: **{'reached' if target_f1 else 'not reached'}** "
        f"(F1 {_fmt(all_o.f1, 3)}, FAR {_fmt(all_o.far)} %); NAB standard >= 33: "
        f"**{'reached' if target_nab else 'not reached'}** ({_fmt(all_c.scores['standard'])}). "
        f"Held-out files alone: F1 {_fmt(held_o.f1, 3)}, FAR {_fmt(held_o.far)} %, NAB {_fmt(held_c.scores['standard'])}."
    )
    add("")
    add(
        "Comparability: the protocol, split and metric code follow the proposed leaderboard, so the rows above "
        "are comparable with it, with three differences to keep in mind: (1) the monitored sensors, window, "
        "threshold factor and debounce were chosen by measurement on 17 of the 34 files (the published rows use "
        "out-of-box hyper-parameters), which is why the held-out rows are reported apart; (2) SKAB's code rounds "
        "the published numbers to 2 decimals; (3) SKAB's older v0.9 leaderboard (30 s window, train and test "
        "scored together) is not comparable and is not quoted. `anomaly-free.csv` is not used."
    )
    add("")
    add("**Per group, all files**")
    add("")
    add("| Group | files | F1 | FAR % | MAR % | NAB standard |")
    add("|---|---|---|---|---|---|")
    for group in ("valve1", "valve2", "other"):
        rs = [r for r in runs if r.file.group == group]
        o, c = score_runs([r.test for r in rs], [r.flags for r in rs], [r.changepoints for r in rs])
        add(
            f"| {group} | {len(rs)} | {_fmt(o.f1)} | {_fmt(o.far)} | {_fmt(o.mar)} | {_fmt(c.scores['standard'])} |"
        )
    add("")
    add("### Development / held-out split")
    add("")
    add(f"- Development files (method and hyper-parameters chosen here): {', '.join(DEV_FILES)}.")
    add(f"- Held-out files (scored only after the choice was frozen): {', '.join(held_names)}.")
    add(
        "- The split takes every other file of each group, so both halves hold valve-inlet, valve-outlet, leak, "
        "rotor-imbalance and water-circuit experiments."
    )
    add(
        "- Disclosure: before the split was fixed, one descriptive table (per sensor, the median |z| of the "
        "normal and of the anomalous test rows) was printed for all 34 files; it showed the temperature drift "
        "that the development runs then measured. No detector was scored on a held-out file before the method "
        "was frozen."
    )
    add("")
    add("### Method")
    add("")
    add(
        f"Per monitored sensor ({', '.join(MONITORED)}), the causal mean of the last {CONFIG.window} rows "
        "(`predictors.features.rolling_mean`) is standardised with the mean and standard deviation of the "
        "training rows; the score of a row is the largest squared standardised deviation, max_j z_j². "
        f"Threshold = {CONFIG.factor:g} x the {CONFIG.quantile:g} quantile of the training scores. "
        f"A flag is raised after {CONFIG.k_on} consecutive rows above the threshold and cleared after "
        f"{CONFIG.k_off} consecutive rows below it. Every alert names the sensors with the largest share "
        "z_j² / sum z² (`OnnxAnomalyScorer.contributions`). The ONNX graph holds the standardisation and the "
        "score; onnxruntime and numpy agree to a relative difference of "
        f"{metrics['skab_onnx_native_max_rel_diff']:g} on every test row."
    )
    add("")
    add("What was tried on the development files (outlier F1 / FAR / SKAB NAB standard; not re-run here):")
    add("")
    for label, figures in DEV_SEARCH:
        add(f"- {label}: {figures}")
    add("")
    add("Re-run now on the development files (numpy scores, same protocol):")
    add("")
    add("| Variant | F1 | FAR % | MAR % | NAB standard | FPs |")
    add("|---|---|---|---|---|---|")
    for label, o, c in ablation:
        add(
            f"| {label} | {_fmt(o.f1, 3)} | {_fmt(o.far)} | {_fmt(o.mar)} | {_fmt(c.scores['standard'])} | {c.false_positives} |"
        )
    add("")
    add("**Per file** (top sensor: the sensor the contributions name first most often over the flagged rows)")
    add("")
    add("| File | split | F1 | FAR % | MAR % | missed CPs | FPs | top sensor |")
    add("|---|---|---|---|---|---|---|---|")
    for r in runs:
        o, c = score_runs([r.test], [r.flags], [r.changepoints])
        split = "dev" if r.file.name in DEV_FILES else "held-out"
        add(
            f"| {r.file.name} | {split} | {_fmt(o.f1)} | {_fmt(o.far)} | {_fmt(o.mar)} | "
            f"{c.missed} of {c.n_changepoints} | {c.false_positives} | {r.top_sensor} |"
        )
    add("")
    add(_nab_markdown(nab_runs, published))
    return "\n".join(lines)


def _nab_markdown(nab_runs: list[NabRun], published: dict[str, dict[str, dict[str, float]]]) -> str:
    if not nab_runs:
        return "### NAB realKnownCause\n\nSkipped: no NAB data under COPILOT_DATA_DIR."
    lines = ["### NAB realKnownCause, raw scores", ""]
    add = lines.append
    add(
        "Same frozen detector and parameters (nothing tuned on NAB), univariate: fitted on each series' "
        "probationary period (the first min(15 %, 750) rows, which NAB does not score), thresholded from it; "
        "each alert onset (rising edge of the debounced flag) is one detection. Scores are NAB's raw per-file "
        "scores (re-implemented Sweeper), summed over the 7 files. The scoreboard's 0-100 figures are "
        "normalised over NAB's full 58-file corpus and are **not comparable**; the published detectors' raw "
        "scores below used thresholds optimised over that corpus (with these files in it), ours did not."
    )
    add("")
    profiles = list(NAB_PROFILES)
    add("| Detector | " + " | ".join(profiles) + " | machine_temperature (standard) |")
    add("|---|" + "---|" * (len(profiles) + 1))
    ours = [sum(r.scores[p] for r in nab_runs) for p in profiles]
    machine = next((r for r in nab_runs if r.series.short_name == MACHINE_TEMPERATURE), None)
    machine_std = _fmt(machine.scores["standard"], 3) if machine else "-"
    add("| **this detector** | " + " | ".join(_fmt(v, 3) for v in ours) + f" | {machine_std} |")
    null = [sum(r.null[p] for r in nab_runs) for p in profiles]
    perfect = [sum(r.perfect[p] for r in nab_runs) for p in profiles]
    add("| null (computed here) | " + " | ".join(_fmt(v, 3) for v in null) + " | - |")
    add("| perfect (computed here) | " + " | ".join(_fmt(v, 3) for v in perfect) + " | - |")
    for detector in PUBLISHED_NAB_DETECTORS:
        if detector in published:
            values = [published[detector].get(p, {}).get("total", float("nan")) for p in profiles]
            m = published[detector].get("standard", {}).get(MACHINE_TEMPERATURE, float("nan"))
            add(
                f"| {detector} (published) | " + " | ".join(_fmt(v, 3) for v in values) + f" | {_fmt(m, 3)} |"
            )
    add("")
    subset = [100 * (o - n) / (p - n) for o, n, p in zip(ours, null, perfect, strict=True)]
    add(
        "Normalised over these 7 files only (100 perfect, 0 null; not the scoreboard's normalisation): "
        + ", ".join(f"{p} {_fmt(v, 1)}" for p, v in zip(profiles, subset, strict=True))
        + "."
    )
    add("")
    add("| Series | detections | " + " | ".join(profiles) + " |")
    add("|---|---|" + "---|" * len(profiles))
    for r in nab_runs:
        add(
            f"| {r.series.short_name} | {r.detections} | "
            + " | ".join(_fmt(r.scores[p], 3) for p in profiles)
            + " |"
        )
    return "\n".join(lines)

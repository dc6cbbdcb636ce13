"""The `classifier` suite: the AI4I 2020 failure classifier under repeated stratified k-fold.

Protocol: RepeatedStratifiedKFold (5 folds x 3 repeats, seed 2020) stratified on the row's first failure
mode (or "unexplained failure", "no failure"). In every outer fold the whole training pipeline of
`predictors.failure_classifier` runs on the training rows only: the binary threshold comes from an inner
stratified 3-fold CV of those rows, mode thresholds are fixed at 0.5, the rows with inconsistent labels are
dropped from the binary model's training rows; the test rows are scored as labelled.

Binary metrics are per test fold, then mean and std over the 15 folds. Mode metrics are pooled over the
test folds of one repeat (every row scored once; RNF has about 4 rows per fold), then averaged over repeats.
Each fold's models are also exported to ONNX and scored with onnxruntime to check agreement with XGBoost.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from joblib import Parallel, delayed
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from evals.runner import EvalContext, SuiteResult
from predictors.datasets.ai4i import MODE_NAMES, MODES, Ai4iData, read_ai4i
from predictors.failure_classifier import (
    FEATURE_NAMES,
    FailureClassifierConfig,
    FailureClassifierMeta,
    FailureScorer,
    ProcessReading,
    build_artifact,
    failure_features,
    fit_binary,
    fit_failure_classifier,
    save_failure_classifier,
)

log = logging.getLogger(__name__)

SEED = 2020
FOLDS = 5
REPEATS = 3
LEARNABLE_MODES = ("HDF", "PWF", "OSF")
# Published, leak-free anchors (../shared/data/ANCHORS.md section 3, from the abstracts).
PUBLISHED_BINARY_F1 = 0.8952  # Rismawan & Nirmala 2026, XGBoost, no resampling
PUBLISHED_MACRO_F1 = 0.842  # Alnahhal et al. 2026, XGBoost, 5 failure types, no imbalance handling
PUBLISHED_TWF_RECALL = 0.0  # Alnahhal et al. 2026
OSF_LIMIT = {"L": 11_000.0, "M": 12_000.0, "H": 13_000.0}  # documented overstrain limits, min * Nm


def strata(data: Ai4iData) -> np.ndarray:
    """Return each row's stratum: 10 * Machine failure + (1 + index of its first mode flag, or 0)."""
    first = np.where(data.modes.any(axis=1), data.modes.argmax(axis=1) + 1, 0)
    return 10 * data.machine_failure.astype(np.int64) + first


def rule_oracle(data: Ai4iData, *, edge_fails: bool = False) -> np.ndarray:
    """Apply the documented HDF/PWF/OSF rules to the recorded readings; return the predicted failures.

    A reference, not a model: it knows the generator's constants. It reads the temperatures as recorded
    (0.1 K), so a temperature difference of exactly 8.6 K is not below 8.6 K, unless `edge_fails`: then
    those rows (below 1380 rpm) are called failures, the better bet for F1 since about half of them fail
    (a row is worth calling when its failure probability exceeds half the F1 within reach, about 0.45).
    """
    r = data.readings
    delta_t = np.round(r["process_temperature_k"] - r["air_temperature_k"], 1)
    heat_limited = (delta_t <= 8.6) if edge_fails else (delta_t < 8.6)
    hdf = heat_limited & (r["rotational_speed_rpm"] < 1380)
    power = r["torque_nm"] * r["rotational_speed_rpm"] * 2 * math.pi / 60
    pwf = (power < 3500) | (power > 9000)
    osf = r["tool_wear_min"] * r["torque_nm"] > r["product_type"].map(OSF_LIMIT)
    return (hdf | pwf | osf).to_numpy()


@dataclass(frozen=True)
class FoldResult:
    """Test-fold predictions of one outer fold and the checks made on it."""

    fold: int
    test: np.ndarray  # row positions
    p_failure: np.ndarray
    threshold: float
    p_modes: np.ndarray
    p_failure_kept: np.ndarray  # binary model trained with the inconsistent rows kept
    threshold_kept: float
    onnx_max_abs_diff: float
    shap_mean_abs: np.ndarray  # (F,) mean |TreeSHAP| of the binary model on the test fold
    top1_agree: int  # predicted failures whose largest deviation is also the largest |TreeSHAP|
    top1_total: int
    artifact: tuple[FailureClassifierMeta, dict[str, bytes]] | None  # fold 0 only: meta, ONNX bytes


def run_fold(
    fold: int, data: Ai4iData, train: np.ndarray, test: np.ndarray, config: FailureClassifierConfig
) -> FoldResult:
    """Fit the whole training pipeline on `train`, score `test` natively and through ONNX."""
    train_data, test_data = data.subset(train), data.subset(test)
    fitted = fit_failure_classifier(train_data, config)
    x_test = failure_features(test_data.readings)
    p_failure, p_modes = fitted.predict_proba(x_test)

    kept = fit_binary(
        failure_features(train_data.readings), train_data.machine_failure.astype(np.int32), config
    )
    p_failure_kept = kept.model.predict_proba(x_test)[:, 1]

    meta, onnx = build_artifact(fitted)
    onnx_failure, onnx_modes = FailureScorer(meta, onnx).predict_proba(x_test)
    diff = max(float(np.abs(onnx_failure - p_failure).max()), float(np.abs(onnx_modes - p_modes).max()))

    contribs = fitted.binary.model.get_booster().predict(xgb.DMatrix(x_test), pred_contribs=True)[:, :-1]
    z = (x_test - fitted.normal_mean) / fitted.normal_std
    flagged = p_failure >= fitted.binary.threshold
    agree = np.abs(z[flagged]).argmax(axis=1) == np.abs(contribs[flagged]).argmax(axis=1)
    log.info("classifier fold %d: threshold %.2f, onnx diff %.2e", fold, fitted.binary.threshold, diff)
    return FoldResult(
        fold=fold,
        test=test,
        p_failure=p_failure,
        threshold=fitted.binary.threshold,
        p_modes=p_modes,
        p_failure_kept=p_failure_kept,
        threshold_kept=kept.threshold,
        onnx_max_abs_diff=diff,
        shap_mean_abs=np.abs(contribs).mean(axis=0),
        top1_agree=int(agree.sum()),
        top1_total=int(flagged.sum()),
        artifact=(meta, onnx) if fold == 0 else None,
    )


def _binary_scores(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    pred = p >= threshold
    return {
        "f1": float(f1_score(y, pred, zero_division=0.0)),
        "precision": float(precision_score(y, pred, zero_division=0.0)),
        "recall": float(recall_score(y, pred, zero_division=0.0)),
        "pr_auc": float(average_precision_score(y, p)),
        "roc_auc": float(roc_auc_score(y, p)),
        "f1_at_0_5": float(f1_score(y, p >= 0.5, zero_division=0.0)),
    }


def _mode_scores(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    scores: dict[str, float] = {}
    for k, mode in enumerate(MODES):
        scores[f"precision_{mode}"] = float(precision_score(truth[:, k], pred[:, k], zero_division=0.0))
        scores[f"recall_{mode}"] = float(recall_score(truth[:, k], pred[:, k], zero_division=0.0))
        scores[f"f1_{mode}"] = float(f1_score(truth[:, k], pred[:, k], zero_division=0.0))
    scores["macro_f1"] = float(np.mean([scores[f"f1_{m}"] for m in MODES]))
    scores["macro_f1_learnable"] = float(np.mean([scores[f"f1_{m}"] for m in LEARNABLE_MODES]))
    return scores


def _mean_std(rows: list[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    frame = pd.DataFrame(rows)
    return frame.mean().to_dict(), frame.std(ddof=1).fillna(0.0).to_dict()


def _check_serving_path(ctx: EvalContext, data: Ai4iData, result: FoldResult) -> float:
    """Save fold 0's artifact, load it from disk, score raw readings; return the max diff to native."""
    assert result.artifact is not None
    meta, onnx = result.artifact
    save_failure_classifier(ctx.settings.models_dir, meta, onnx)
    scorer = FailureScorer.load(ctx.settings.models_dir)
    readings = [ProcessReading(**row) for row in data.subset(result.test).readings.to_dict("records")]
    predictions = scorer.score(readings)
    served = np.array([[p.p_failure, *p.mode_probabilities.values()] for p in predictions])
    native = np.column_stack([result.p_failure, result.p_modes])
    return float(np.abs(served - native).max())  # the scorer rounds to 1e-6


def run(
    ctx: EvalContext,
    *,
    repeats: int = REPEATS,
    folds: int = FOLDS,
    workers: int = 2,
    config: FailureClassifierConfig | None = None,
) -> SuiteResult:
    """Cross-validate the AI4I failure classifier and report it beside the published results."""
    data = read_ai4i(ctx.require_data("ai4i2020", "ai4i2020.csv"))
    config = config or FailureClassifierConfig()
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=SEED)
    splits = list(splitter.split(np.zeros(len(data)), strata(data)))
    log.info(
        "classifier suite: %d rows, %d folds x %d repeats, %d workers", len(data), folds, repeats, workers
    )
    results: list[FoldResult] = Parallel(n_jobs=workers)(
        delayed(run_fold)(i, data, train, test, config) for i, (train, test) in enumerate(splits)
    )
    served_diff = _check_serving_path(ctx, data, results[0])

    y = data.machine_failure
    inconsistent = data.inconsistent
    oracle = rule_oracle(data)
    ceiling = rule_oracle(data, edge_fails=True)
    fold_rows, kept_rows, consistent_rows, oracle_f1, ceiling_f1 = [], [], [], [], []
    for r in results:
        yt = y[r.test]
        fold_rows.append({**_binary_scores(yt, r.p_failure, r.threshold), "threshold": r.threshold})
        kept_rows.append(_binary_scores(yt, r.p_failure_kept, r.threshold_kept))
        clean = ~inconsistent[r.test]
        consistent_rows.append(_binary_scores(yt[clean], r.p_failure[clean], r.threshold))
        oracle_f1.append(float(f1_score(yt, oracle[r.test])))
        ceiling_f1.append(float(f1_score(yt, ceiling[r.test])))
    binary, binary_std = _mean_std(fold_rows)
    kept, kept_std = _mean_std(kept_rows)
    consistent, _ = _mean_std(consistent_rows)
    drop_gain = np.array([a["f1"] - b["f1"] for a, b in zip(fold_rows, kept_rows, strict=True)])

    mode_rows, repeat_preds = [], []
    for rep in range(repeats):
        pred = np.zeros_like(data.modes)
        p_fail = np.zeros(len(data))
        for r in results[rep * folds : (rep + 1) * folds]:
            pred[r.test] = r.p_modes >= config.mode_threshold
            p_fail[r.test] = r.p_failure >= r.threshold
        mode_rows.append(_mode_scores(data.modes, pred))
        repeat_preds.append((p_fail.astype(bool), pred.astype(bool)))
    modes, modes_std = _mean_std(mode_rows)

    onnx_diff = max(r.onnx_max_abs_diff for r in results)
    top1_total = sum(r.top1_total for r in results)
    top1 = sum(r.top1_agree for r in results) / top1_total if top1_total else 0.0
    shap = np.mean([r.shap_mean_abs for r in results], axis=0)

    metrics: dict[str, float] = {
        "ai4i_binary_f1": binary["f1"],
        "ai4i_binary_f1_std": binary_std["f1"],
        "ai4i_binary_precision": binary["precision"],
        "ai4i_binary_recall": binary["recall"],
        "ai4i_pr_auc": binary["pr_auc"],
        "ai4i_pr_auc_std": binary_std["pr_auc"],
        "ai4i_roc_auc": binary["roc_auc"],
        "ai4i_binary_f1_at_0_5": binary["f1_at_0_5"],
        "ai4i_binary_threshold_mean": binary["threshold"],
        "ai4i_binary_f1_rule_oracle": float(np.mean(oracle_f1)),
        "ai4i_binary_f1_ceiling": float(np.mean(ceiling_f1)),
        "ai4i_binary_f1_train_with_inconsistent": kept["f1"],
        "ai4i_binary_f1_gain_of_dropping": float(drop_gain.mean()),
        "ai4i_pr_auc_train_with_inconsistent": kept["pr_auc"],
        "ai4i_binary_f1_test_without_inconsistent": consistent["f1"],
        "ai4i_pr_auc_test_without_inconsistent": consistent["pr_auc"],
        "ai4i_modes_macro_f1": modes["macro_f1"],
        "ai4i_modes_macro_f1_std": modes_std["macro_f1"],
        "ai4i_modes_macro_f1_learnable": modes["macro_f1_learnable"],
    }
    for mode in MODES:
        metrics[f"ai4i_recall_{mode}"] = modes[f"recall_{mode}"]
    for mode in MODES:
        metrics[f"ai4i_precision_{mode}"] = modes[f"precision_{mode}"]
        metrics[f"ai4i_f1_{mode}"] = modes[f"f1_{mode}"]
    metrics.update(
        {
            "ai4i_onnx_max_abs_diff": onnx_diff,
            "ai4i_onnx_served_max_abs_diff": served_diff,
            "ai4i_explain_top1_shap_agreement": top1,
            "ai4i_folds": float(folds),
            "ai4i_repeats": float(repeats),
        }
    )
    if ctx.predictions_out is not None:
        _write_predictions(ctx.predictions_out, data, results[:folds])

    markdown = _markdown(
        data=data,
        metrics=metrics,
        binary_std=binary_std,
        kept_std=kept_std,
        drop_gain=drop_gain,
        modes=modes,
        modes_std=modes_std,
        repeat0=repeat_preds[0],
        shap=shap,
        folds=folds,
        repeats=repeats,
        config=config,
    )
    return SuiteResult(suite="classifier", metrics=metrics, markdown=markdown)


def _write_predictions(folder: Path, data: Ai4iData, results: list[FoldResult]) -> None:
    """Write the out-of-fold predictions of the first repeat as CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for r in results:
        frame = pd.DataFrame(
            {"UDI": data.udi[r.test], "fold": r.fold, "machine_failure": data.machine_failure[r.test]}
        )
        frame["p_failure"] = r.p_failure
        frame["threshold"] = r.threshold
        for k, mode in enumerate(MODES):
            frame[mode] = data.modes[r.test, k]
            frame[f"p_{mode}"] = r.p_modes[:, k]
        frames.append(frame)
    pd.concat(frames).sort_values("UDI").to_csv(folder / "ai4i_classifier_oof.csv", index=False)


def _fmt(value: float, std: float | None = None) -> str:
    return f"{value:.4f}" if std is None else f"{value:.4f} ± {std:.4f}"


def _markdown(
    *,
    data: Ai4iData,
    metrics: dict[str, float],
    binary_std: dict[str, float],
    kept_std: dict[str, float],
    drop_gain: np.ndarray,
    modes: dict[str, float],
    modes_std: dict[str, float],
    repeat0: tuple[np.ndarray, np.ndarray],
    shap: np.ndarray,
    folds: int,
    repeats: int,
    config: FailureClassifierConfig,
) -> str:
    m = metrics
    y = data.machine_failure.astype(bool)
    pred_fail, pred_modes = repeat0
    truth_modes = data.modes.astype(bool)
    n_unexplained = int(data.unexplained_failures.sum())
    n_flag_only = int(data.flags_without_failure.sum())
    flag_only_modes = ", ".join(
        f"{mode} {int(data.modes[data.flags_without_failure, k].sum())}"
        for k, mode in enumerate(MODES)
        if data.modes[data.flags_without_failure, k].any()
    )
    r = data.readings
    delta_t = np.round(r["process_temperature_k"] - r["air_temperature_k"], 1).to_numpy()
    edge = (delta_t == 8.6) & (r["rotational_speed_rpm"].to_numpy() < 1380)
    edge_hdf = int(data.modes[edge, MODES.index("HDF")].sum())
    wear = r["tool_wear_min"].to_numpy()
    worn = wear >= 200
    twf = data.modes[:, MODES.index("TWF")].astype(bool)
    twf_rate_worn = twf[worn].mean() if worn.any() else 0.0
    twf_worn_share = twf[worn].sum() / max(twf.sum(), 1)
    twf_called = pred_modes[:, MODES.index("TWF")]
    hdf = truth_modes[:, MODES.index("HDF")]
    hdf_missed = hdf & ~pred_modes[:, MODES.index("HDF")]
    hdf_false = ~hdf & pred_modes[:, MODES.index("HDF")]

    lines = [
        f"AI4I 2020 (UCI 601): {len(data):,} processes, {int(y.sum())} failures "
        f"({y.mean():.2%}). XGBoost on {len(FEATURE_NAMES)} features computed by "
        "`predictors.failure_classifier.failure_features` from the raw readings only: "
        + ", ".join(f"`{f}`" for f in FEATURE_NAMES)
        + ". The failure labels, the mode flags, UDI and Product ID are never features.",
        "",
        "### Protocol",
        "",
        f"- Repeated stratified k-fold: {folds} folds × {repeats} repeats (`RepeatedStratifiedKFold`, seed "
        f"{SEED}), stratified on the row's first mode flag / unexplained failure / no failure.",
        "- Everything is fit on the training folds only, by the same code that trains the served model "
        "(`fit_failure_classifier`). Hyper-parameters are fixed: "
        f"{config.n_estimators} trees, depth {config.max_depth}, learning rate {config.learning_rate}, "
        "exact greedy splits, no resampling, no class weights. They were set by hand, not searched; the "
        "tree count was lowered once (200 to 150) to fit the suite's time budget.",
        f"- **Threshold rule (binary):** the F1-optimal threshold on a grid 0.05–0.95 over out-of-fold "
        f"predictions of an inner stratified {config.inner_folds}-fold CV of the training fold; the model is "
        f"then refit on the whole training fold. Mean chosen threshold: {m['ai4i_binary_threshold_mean']:.3f}. "
        "F1 at the plain 0.5 is reported too"
        + (
            f" and happens to be higher ({m['ai4i_binary_f1_at_0_5']:.4f}): the inner models see 2/3 of the "
            "training fold and are less sharp than the refit one, so the chosen threshold runs high. The "
            "declared rule stays the headline; switching after seeing the folds would be tuning on them."
            if m["ai4i_binary_f1_at_0_5"] > m["ai4i_binary_f1"]
            else "."
        ),
        f"- **Modes:** one-vs-rest, one binary XGBoost per mode (a row can carry several modes: "
        f"{int((data.modes.sum(axis=1) > 1).sum())} rows do). A mode is predicted when its probability ≥ "
        f"{config.mode_threshold} (fixed up front). Macro-F1 is the mean of the five per-mode F1 over all rows.",
        "- Binary metrics: per test fold, mean ± std over all folds. Mode metrics: pooled over the test folds "
        "of one repeat (each row scored once), mean ± std over repeats.",
        "",
        "### Binary `Machine failure`",
        "",
        "| metric | this model | published |",
        "|---|---|---|",
        f"| F1 at the inner-CV threshold | {_fmt(m['ai4i_binary_f1'], binary_std['f1'])} | "
        f"{PUBLISHED_BINARY_F1} (Rismawan & Nirmala, XGBoost, no resampling) |",
        f"| F1 at 0.5 | {_fmt(m['ai4i_binary_f1_at_0_5'], binary_std['f1_at_0_5'])} | |",
        f"| precision | {_fmt(m['ai4i_binary_precision'], binary_std['precision'])} | |",
        f"| recall | {_fmt(m['ai4i_binary_recall'], binary_std['recall'])} | |",
        f"| PR-AUC (average precision) | {_fmt(m['ai4i_pr_auc'], binary_std['pr_auc'])} | |",
        f"| ROC-AUC | {_fmt(m['ai4i_roc_auc'], binary_std['roc_auc'])} | RF 0.966 / GB 0.971 (IJACSA 17(3)) |",
        f"| rule oracle (documented HDF/PWF/OSF rules on the recorded readings) | "
        f"{_fmt(m['ai4i_binary_f1_rule_oracle'])} | |",
        "| ceiling: the same rules calling the ΔT = 8.6 K edge rows failures | "
        f"{_fmt(m['ai4i_binary_f1_ceiling'])} | |",
        "",
        "The rule oracle is not a model; it shows about the best the readings allow. Failures it cannot "
        f"see: TWF (random wear time), the {n_unexplained} failures without a mode flag, and HDF at the "
        f"edge: {int(edge.sum())} rows have a recorded temperature difference of exactly 8.6 K and speed "
        f"< 1380 rpm, and {edge_hdf} of them are labelled HDF. Their labels follow the rule `ΔT < 8.6` "
        "evaluated in float64 on 0.1 K-rounded temperatures, i.e. the sign of a rounding error of about "
        "1e-14 K. No model of the recorded readings can separate them (float32 features cannot even "
        "represent the difference), and this model does not try.",
        "",
        f"Binary confusion matrix, summed over the {folds} test folds of repeat 1 (inner-CV threshold):",
        "",
        "| | predicted no failure | predicted failure |",
        "|---|---|---|",
        f"| no failure | {int((~y & ~pred_fail).sum())} | {int((~y & pred_fail).sum())} |",
        f"| failure | {int((y & ~pred_fail).sum())} | {int((y & pred_fail).sum())} |",
        "",
        "Missed failures of repeat 1 by mode flag: "
        + ", ".join(
            f"{mode} {int((truth_modes[:, k] & y & ~pred_fail).sum())}/{int((truth_modes[:, k] & y).sum())}"
            for k, mode in enumerate(MODES)
        )
        + f", no flag {int((data.unexplained_failures & ~pred_fail).sum())}/{n_unexplained}.",
        "",
        "### Failure modes (one-vs-rest)",
        "",
        "| mode | precision | recall | F1 | published |",
        "|---|---|---|---|---|",
    ]
    for mode in MODES:
        published = {"TWF": "recall 0 % (Alnahhal et al.); undetectable (Rismawan & Nirmala)"}.get(
            mode,
            "undetectable (Rismawan & Nirmala)" if mode == "RNF" else "F1 > 0.82 (Rismawan & Nirmala)",
        )
        lines.append(
            f"| {mode} ({MODE_NAMES[mode]}) | {_fmt(modes[f'precision_{mode}'])} | "
            f"{_fmt(modes[f'recall_{mode}'], modes_std[f'recall_{mode}'])} | "
            f"{_fmt(modes[f'f1_{mode}'], modes_std[f'f1_{mode}'])} | {published} |"
        )
    lines += [
        f"| **macro-F1 (5 modes)** | | | {_fmt(m['ai4i_modes_macro_f1'], modes_std['macro_f1'])} | "
        f"{PUBLISHED_MACRO_F1} (Alnahhal et al., XGBoost, no handling) |",
        f"| macro-F1 (HDF, PWF, OSF) | | | {_fmt(m['ai4i_modes_macro_f1_learnable'])} | |",
        "",
        "The published macro-F1 is a multiclass figure over the five failure types; ours is one-vs-rest over "
        "all 10,000 rows (the no-failure rows count as negatives for every mode), so the comparison is "
        "approximate.",
        "",
        "Mode confusion, repeat 1: rows by true flag (a row with two flags counts in both), columns by "
        "predicted mode (a row can be predicted several modes).",
        "",
        "| true \\ predicted | " + " | ".join(MODES) + " | no mode predicted | rows |",
        "|---|" + "---|" * (len(MODES) + 2),
    ]
    no_pred = ~pred_modes.any(axis=1)
    for k, mode in enumerate(MODES):
        rows = truth_modes[:, k]
        cells = [str(int((rows & pred_modes[:, j]).sum())) for j in range(len(MODES))]
        lines.append(
            f"| {mode} | " + " | ".join(cells) + f" | {int((rows & no_pred).sum())} | {int(rows.sum())} |"
        )
    none = ~truth_modes.any(axis=1)
    cells = [str(int((none & pred_modes[:, j]).sum())) for j in range(len(MODES))]
    lines.append(
        "| no flag | " + " | ".join(cells) + f" | {int((none & no_pred).sum())} | {int(none.sum())} |"
    )
    lines += [
        "",
        "**Modes no model detects.** "
        f"TWF (recall {m['ai4i_recall_TWF']:.1%}): the tool fails or is replaced at a random wear time "
        f"between 200 and 240 min; {twf_worn_share:.0%} of TWF rows have wear ≥ 200 min, but only "
        f"{twf_rate_worn:.1%} of the rows with wear ≥ 200 min are TWF, so P(TWF) rarely reaches 0.5 "
        f"({int(twf_called.sum())} rows in repeat 1, {int((twf_called & twf).sum())} of them right) and a "
        "lower cut would buy a few TWF at the price of many false alarms. "
        f"RNF (recall {m['ai4i_recall_RNF']:.1%}): a 0.1 % chance per process whatever the readings; "
        "nothing in the features carries it. HDF, PWF and OSF are deterministic threshold rules on "
        "ΔT × speed, power and wear × torque (by type), which the engineered features expose; their "
        "near-perfect scores are expected, not an achievement. HDF errors in repeat 1: "
        f"{int(hdf_missed.sum())} missed ({int((hdf_missed & edge).sum())} at ΔT = 8.6 K) and "
        f"{int(hdf_false.sum())} false ({int((hdf_false & edge).sum())} at ΔT = 8.6 K).",
        "",
        "### Inconsistent rows",
        "",
        f"- {n_unexplained} rows have Machine failure = 1 and no mode flag; {n_flag_only} rows carry a mode "
        f"flag ({flag_only_modes}) with Machine failure = 0.",
        "- **Handling:** kept as labelled in every test fold (the figures above count them); dropped from "
        "the binary model's training rows (their label has no cause in the readings); kept for the mode "
        "models, whose labels are the flags themselves (dropping them would leave RNF with one positive).",
        "- Measured effect (mean over the same folds):",
        "",
        "| variant | binary F1 | PR-AUC |",
        "|---|---|---|",
        f"| dropped from training (reported) | {_fmt(m['ai4i_binary_f1'], binary_std['f1'])} | "
        f"{_fmt(m['ai4i_pr_auc'], binary_std['pr_auc'])} |",
        f"| kept in training | {_fmt(m['ai4i_binary_f1_train_with_inconsistent'], kept_std['f1'])} | "
        f"{_fmt(m['ai4i_pr_auc_train_with_inconsistent'], kept_std['pr_auc'])} |",
        f"| dropped from training and from the test folds | "
        f"{_fmt(m['ai4i_binary_f1_test_without_inconsistent'])} | "
        f"{_fmt(m['ai4i_pr_auc_test_without_inconsistent'])} |",
        "",
        f"Paired over the same {len(drop_gain)} folds, dropping changes binary F1 by {drop_gain.mean():+.4f} "
        f"± {drop_gain.std(ddof=1) if len(drop_gain) > 1 else 0.0:.4f} (better in {int((drop_gain > 0).sum())} "
        f"folds, worse in {int((drop_gain < 0).sum())}): the training-side choice is within noise, as "
        "expected for 27 rows without signal. Removing them from the test folds as well raises F1 by "
        f"{m['ai4i_binary_f1_test_without_inconsistent'] - m['ai4i_binary_f1']:+.4f}: the 9 unexplained "
        "failures are misses no model can avoid.",
        "",
        "### ONNX and explanations",
        "",
        f"- Every fold's six models were exported with onnxmltools and scored with onnxruntime on the "
        f"held-out fold: max |ONNX − XGBoost| = {m['ai4i_onnx_max_abs_diff']:.2e} over all folds and outputs. "
        f"Fold 1's artifact, saved, reloaded and fed raw readings through `FailureScorer.score`: "
        f"{m['ai4i_onnx_served_max_abs_diff']:.2e} (the scorer rounds to 1e-6).",
        "- The served explanation ranks features by signed deviation from the training rows without any "
        "failure, in standard deviations. On predicted failures its top feature matches native TreeSHAP's "
        f"largest |contribution| in {m['ai4i_explain_top1_shap_agreement']:.1%} of rows (correlated features, "
        "e.g. power vs torque and speed, share the credit differently).",
        "- Mean |TreeSHAP| of the binary model over the test folds: "
        + ", ".join(f"`{FEATURE_NAMES[i]}` {shap[i]:.2f}" for i in np.argsort(-shap)),
        "",
        "### Target",
        "",
        f"The issue asks for binary F1 ≥ 0.90. Measured: {m['ai4i_binary_f1']:.4f} ± "
        f"{binary_std['f1']:.4f}; the documented rules themselves, applied to the recorded readings, reach "
        f"{m['ai4i_binary_f1_rule_oracle']:.4f} on the same folds, and {m['ai4i_binary_f1_ceiling']:.4f} when "
        "they also call the ΔT = 8.6 K edge rows failures (the better bet, since about half of those fail)"
        + (
            "; the target is met."
            if m["ai4i_binary_f1"] >= 0.90
            else ". The target is not met, and cannot be met honestly when even that ceiling stays below "
            f"0.90: TWF (it strikes at a random wear time between 200 and 240 min: {twf_rate_worn:.1%} of the "
            "rows worn 200 min or more carry it, far below the 45 % a row needs to be worth calling), "
            "the unexplained failures and the ΔT = 8.6 K rounding artefact are out of reach of any leak-free "
            "model of the 0.1 K readings. What separates this model from the oracle is a few boundary errors "
            "and the inner-CV threshold (see F1 at 0.5)."
            if m["ai4i_binary_f1_ceiling"] < 0.90
            else ". The target is not met."
        ),
    ]
    return "\n".join(lines)

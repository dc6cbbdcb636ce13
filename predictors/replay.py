"""Score a recorded or simulated stream with the ONNX scorer and the alert policy (batch replay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from copilot.schemas import AlertEvidence, AlertIn
from predictors.alert_policy import AlertPolicy
from predictors.features import sliding_windows, window_features
from predictors.scorer import OnnxScorer

MODE_CONFIDENCE = 0.5  # an alert names a failure mode only when it holds this share of the anomaly mass
UNCLASSIFIED = "unclassified"


def confident_mode(proba: np.ndarray, classes: list[str]) -> str | None:
    """The most likely failure mode if it dominates the non-normal probability, else None."""
    anomaly_mass = max(1.0 - float(proba[0]), 1e-9)
    top = int(proba[1:].argmax()) + 1
    return classes[top] if float(proba[top]) / anomaly_mass >= MODE_CONFIDENCE else None


@dataclass(frozen=True)
class ReplayResult:
    asset_id: str
    windows: int
    alerts: list[AlertIn]
    max_score: float


def _to_datetime(ts: np.datetime64) -> datetime:
    return ts.astype("datetime64[ms]").astype(datetime).replace(tzinfo=UTC)


def build_evidence(
    scorer: OnnxScorer,
    *,
    features: np.ndarray,
    proba: np.ndarray,
    window: np.ndarray,
    window_ts: tuple[datetime, datetime],
    score: float,
    normal_means: dict[str, float],
) -> AlertEvidence:
    """Assemble what the model saw and why it fired."""
    top_sensors, top_features = scorer.explain(features)
    stats = {}
    for j, sensor in enumerate(scorer.meta.sensors):
        column = window[:, j]
        stats[sensor] = {
            "mean": round(float(column.mean()), 4),
            "min": round(float(column.min()), 4),
            "max": round(float(column.max()), 4),
            "last": round(float(column[-1]), 4),
            "normal": round(float(normal_means.get(sensor, np.nan)), 4),
        }
    return AlertEvidence(
        score=round(score, 4),
        threshold=round(scorer.threshold, 4),
        model_version=f"{scorer.meta.name}@{scorer.meta.version}",
        window_start=window_ts[0],
        window_end=window_ts[1],
        mode_probabilities={c: round(float(p), 4) for c, p in zip(scorer.meta.classes, proba, strict=True)},
        top_sensors=top_sensors,
        top_features=top_features,
        window_stats=stats,
    )


def replay(
    *,
    asset_id: str,
    timestamps: np.ndarray,
    values: np.ndarray,
    scorer: OnnxScorer,
    policy: AlertPolicy,
    normal_means: dict[str, float],
) -> ReplayResult:
    """Score every window of one asset's (T, S) stream in one batch, then apply the policy in time order."""
    meta = scorer.meta
    windows, ends = sliding_windows(values, meta.window, meta.step)
    if len(ends) == 0:
        return ReplayResult(asset_id, 0, [], 0.0)
    features = window_features(windows)
    scores = scorer.score(features)
    alerts: list[AlertIn] = []
    for i, end in enumerate(ends):
        ts = _to_datetime(timestamps[end])
        mode = confident_mode(scores.proba[i], meta.classes)
        verdict = policy.observe(
            asset_id=asset_id,
            failure_mode=mode or UNCLASSIFIED,
            ts=ts,
            score=float(scores.anomaly[i]),
            threshold=scorer.threshold,
        )
        if not verdict.raise_alert or verdict.severity is None:
            continue
        evidence = build_evidence(
            scorer,
            features=features[i],
            proba=scores.proba[i],
            window=windows[i],
            window_ts=(_to_datetime(timestamps[end - meta.window + 1]), ts),
            score=float(scores.anomaly[i]),
            normal_means=normal_means,
        )
        named = (
            f"most likely {mode} (p={evidence.mode_probabilities.get(mode, 0):.2f})"
            if mode
            else f"failure mode unclear (leading {scores.top_fault[i]})"
        )
        alerts.append(
            AlertIn(
                asset_id=asset_id,
                failure_mode=mode,
                severity=verdict.severity,
                ts=ts,
                source=meta.name,
                summary=(
                    f"{asset_id}: anomaly score {scores.anomaly[i]:.2f} over threshold {scorer.threshold:.2f}; "
                    f"{named}; "
                    f"top sensors {', '.join(c.name for c in evidence.top_sensors[:3])}"
                ),
                evidence=evidence,
            )
        )
    return ReplayResult(asset_id, len(ends), alerts, float(scores.anomaly.max()))

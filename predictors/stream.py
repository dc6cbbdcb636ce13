"""Score sensor streams: batch replay over arrays, and the online path one reading at a time.

Both paths cut the same windows, compute the same features (predictors.features) and call the same
ONNX model; the alert policy then decides which windows raise alerts, with the evidence attached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from copilot.schemas import AlertEvidence, AlertIn
from predictors.alert_policy import AlertPolicy
from predictors.features import sliding_windows, window_features
from predictors.scorer import OnnxScorer
from predictors.validation import (
    AssetStreamSpec,
    ReadingValidator,
    Rejection,
    RejectReason,
    ValidationStats,
    validate_frames,
)

MODE_CONFIDENCE = 0.5  # an alert names a failure mode only when it holds this share of the anomaly mass
UNCLASSIFIED = "unclassified"


def confident_mode(proba: np.ndarray, classes: list[str]) -> str | None:
    """The most likely failure mode if it dominates the non-normal probability, else None."""
    anomaly_mass = max(1.0 - float(proba[0]), 1e-9)
    top = int(proba[1:].argmax()) + 1
    return classes[top] if float(proba[top]) / anomaly_mass >= MODE_CONFIDENCE else None


def epoch_to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def build_evidence(
    scorer: OnnxScorer,
    *,
    features: np.ndarray,
    proba: np.ndarray,
    window: np.ndarray,
    window_ts: np.ndarray,
    score: float,
    normal_means: Mapping[str, float],
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
        window_start=epoch_to_datetime(float(window_ts[0])),
        window_end=epoch_to_datetime(float(window_ts[-1])),
        mode_probabilities={c: round(float(p), 4) for c, p in zip(scorer.meta.classes, proba, strict=True)},
        top_sensors=top_sensors,
        top_features=top_features,
        window_stats=stats,
        window_ts=[round(float(t), 3) for t in window_ts],
        window_values={s: np.round(window[:, j], 4).tolist() for j, s in enumerate(scorer.meta.sensors)},
    )


@dataclass
class AssetModel:
    """The scorer of one asset and the normal operating point its evidence compares against."""

    scorer: OnnxScorer
    normal_means: dict[str, float]


def _alert(
    asset_id: str,
    model: AssetModel,
    policy: AlertPolicy,
    *,
    features: np.ndarray,
    proba: np.ndarray,
    score: float,
    window: np.ndarray,
    window_ts: np.ndarray,
) -> AlertIn | None:
    """Apply the policy to one scored window; build the alert if it fires."""
    meta = model.scorer.meta
    end = epoch_to_datetime(float(window_ts[-1]))
    mode = confident_mode(proba, meta.classes)
    verdict = policy.observe(
        asset_id=asset_id,
        failure_mode=mode or UNCLASSIFIED,
        ts=end,
        score=score,
        threshold=model.scorer.threshold,
    )
    if not verdict.raise_alert or verdict.severity is None:
        return None
    evidence = build_evidence(
        model.scorer,
        features=features,
        proba=proba,
        window=window,
        window_ts=window_ts,
        score=score,
        normal_means=model.normal_means,
    )
    leading = meta.classes[int(proba[1:].argmax()) + 1]
    named = (
        f"most likely {mode} (p={evidence.mode_probabilities.get(mode, 0):.2f})"
        if mode
        else f"failure mode unclear (leading {leading})"
    )
    return AlertIn(
        asset_id=asset_id,
        failure_mode=mode,
        severity=verdict.severity,
        ts=end,
        source=meta.name,
        summary=(
            f"{asset_id}: anomaly score {score:.2f} over threshold {model.scorer.threshold:.2f}; {named}; "
            f"top sensors {', '.join(c.name for c in evidence.top_sensors[:3])}"
        ),
        evidence=evidence,
    )


@dataclass(frozen=True)
class ReplayResult:
    asset_id: str
    windows: int
    alerts: list[AlertIn]
    max_score: float


@dataclass(frozen=True)
class ScoredStream:
    """One asset's stream, windowed and scored in one batch (before any alert policy)."""

    asset_id: str
    model: AssetModel
    ts: np.ndarray  # epoch seconds of the rows
    windows: np.ndarray  # (n, W, S) view
    ends: np.ndarray  # (n,) row index of each window's last row
    features: np.ndarray  # (n, F)
    proba: np.ndarray  # (n, C)
    anomaly: np.ndarray  # (n,)

    def policy_candidates(self) -> np.ndarray:
        """Windows the policy must see: those over the threshold and the first below after a run (a reset)."""
        over = self.anomaly >= self.model.scorer.threshold
        resets = ~over & np.concatenate(([False], over[:-1]))
        return np.flatnonzero(over | resets)


def score_stream(
    *, asset_id: str, timestamps: np.ndarray, values: np.ndarray, model: AssetModel, step: int | None = None
) -> ScoredStream:
    """Cut every window of one asset's (T, S) stream, compute its features and score them in one ONNX call.

    `timestamps` are epoch seconds (float) or numpy datetime64; `step` overrides the model's window step
    (1 scores a window ending at every row).
    """
    meta = model.scorer.meta
    windows, ends = sliding_windows(values, meta.window, step or meta.step)
    features = window_features(windows)
    if len(ends):
        scores = model.scorer.score(features)
        proba, anomaly = scores.proba, scores.anomaly
    else:
        proba, anomaly = np.empty((0, len(meta.classes))), np.empty(0)
    return ScoredStream(asset_id, model, _epoch_seconds(timestamps), windows, ends, features, proba, anomaly)


def apply_policy(streams: list[ScoredStream], policy: AlertPolicy) -> dict[str, list[AlertIn]]:
    """Feed the policy every candidate window of every asset in global time order; return alerts per asset."""
    candidates = [
        (float(s.ts[s.ends[i]]), n, int(i)) for n, s in enumerate(streams) for i in s.policy_candidates()
    ]
    candidates.sort()
    alerts: dict[str, list[AlertIn]] = {s.asset_id: [] for s in streams}
    for _, n, i in candidates:
        stream = streams[n]
        end = stream.ends[i]
        window_length = stream.model.scorer.meta.window
        alert = _alert(
            stream.asset_id,
            stream.model,
            policy,
            features=stream.features[i],
            proba=stream.proba[i],
            score=float(stream.anomaly[i]),
            window=stream.windows[i],
            window_ts=stream.ts[end - window_length + 1 : end + 1],
        )
        if alert is not None:
            alerts[stream.asset_id].append(alert)
    return alerts


def replay(
    *,
    asset_id: str,
    timestamps: np.ndarray,
    values: np.ndarray,
    model: AssetModel,
    policy: AlertPolicy,
    step: int | None = None,
) -> ReplayResult:
    """Score one asset's stream in one batch, then apply the policy in time order."""
    scored = score_stream(asset_id=asset_id, timestamps=timestamps, values=values, model=model, step=step)
    alerts = apply_policy([scored], policy)[asset_id]
    return ReplayResult(asset_id, len(scored.ends), alerts, float(scored.anomaly.max(initial=0.0)))


@dataclass(frozen=True)
class SiteBatch:
    """One asset's recorded stream, before validation."""

    spec: AssetStreamSpec
    timestamps: np.ndarray
    values: np.ndarray


def replay_site(
    batches: list[SiteBatch],
    models: Mapping[str, AssetModel],
    policy: AlertPolicy,
    stats: ValidationStats,
    *,
    step: int | None = None,
    workers: int = 2,
) -> list[ReplayResult]:
    """Validate and score every asset (in parallel threads: numpy and onnxruntime release the GIL), then
    apply the alert policy across the site in time order, so debounce, cooldown and storm suppression see
    the windows as they would have arrived."""
    from concurrent.futures import ThreadPoolExecutor

    def prepare(batch: SiteBatch) -> tuple[ScoredStream, ValidationStats]:
        local = ValidationStats()
        ts, clean = validate_frames(batch.spec, _epoch_seconds(batch.timestamps), batch.values, local)
        model = models[batch.spec.model_key]
        return score_stream(
            asset_id=batch.spec.asset_id, timestamps=ts, values=clean, model=model, step=step
        ), local

    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        prepared = list(pool.map(prepare, batches))
    for _, local in prepared:
        stats.merge(local)
    streams = [scored for scored, _ in prepared]
    alerts = apply_policy(streams, policy)
    return [
        ReplayResult(s.asset_id, len(s.ends), alerts[s.asset_id], float(s.anomaly.max(initial=0.0)))
        for s in streams
    ]


def _epoch_seconds(timestamps: np.ndarray) -> np.ndarray:
    if np.issubdtype(timestamps.dtype, np.datetime64):
        return timestamps.astype("datetime64[ms]").astype(np.int64) / 1000.0
    return np.asarray(timestamps, dtype=np.float64)


# --- the online path ---------------------------------------------------------------------------------------


@dataclass
class _AssetState:
    """Per asset: the frame being assembled and the ring buffer of complete frames."""

    spec: AssetStreamSpec
    model: AssetModel
    frame_ts: float | None = None
    frame: np.ndarray = field(init=False)
    filled: np.ndarray = field(init=False)
    last_values: np.ndarray | None = None
    last_ts: float = -np.inf
    buffer: np.ndarray = field(init=False)
    buffer_ts: np.ndarray = field(init=False)
    frames: int = 0

    def __post_init__(self) -> None:
        n = len(self.spec.sensors)
        window = self.model.scorer.meta.window
        self.frame = np.zeros(n)
        self.filled = np.zeros(n, dtype=bool)
        self.buffer = np.zeros((window, n))
        self.buffer_ts = np.zeros(window)


@dataclass
class StreamCounters:
    frames: int = 0
    incomplete_frames: int = 0
    windows_scored: int = 0
    alerts: int = 0


class StreamProcessor:
    """Validates readings one at a time, assembles frames per asset, scores each window as it completes.

    A frame (one timestamp of one asset) is complete when every sensor has reported, or when a later
    timestamp arrives (missing sensors then carry their last value, counted as an incomplete frame).
    """

    def __init__(
        self,
        assets: Mapping[str, AssetStreamSpec],
        models: Mapping[str, AssetModel],
        policy: AlertPolicy,
        on_alert: Callable[[AlertIn], None] | None = None,
    ) -> None:
        self.validator = ReadingValidator(assets)
        self.policy = policy
        self.on_alert = on_alert
        self.counters = StreamCounters()
        self._states = {a: _AssetState(spec, models[spec.model_key]) for a, spec in assets.items()}

    @property
    def stats(self) -> ValidationStats:
        return self.validator.stats

    def push(self, raw: object) -> AlertIn | Rejection | None:
        """Process one decoded reading; return an alert if this reading completed a window that fired."""
        checked = self.validator.check(raw)
        if isinstance(checked, Rejection):
            return checked
        state = self._states[checked.asset_id]
        if checked.ts <= state.last_ts or (state.frame_ts is not None and checked.ts < state.frame_ts):
            reason = RejectReason.duplicate if checked.ts == state.last_ts else RejectReason.out_of_order
            return self.stats.reject(
                reason, f"{checked.asset_id} reading at {checked.ts} after {state.last_ts}"
            )
        alert = None
        if state.frame_ts is not None and checked.ts > state.frame_ts:
            alert = self._complete(state)
        if state.frame_ts is None:
            state.frame_ts = checked.ts
        if state.filled[checked.sensor_index]:
            return self.stats.reject(
                RejectReason.duplicate,
                f"{checked.asset_id} {state.spec.sensors[checked.sensor_index]} twice at {checked.ts}",
            )
        state.frame[checked.sensor_index] = checked.value
        state.filled[checked.sensor_index] = True
        self.stats.accepted += 1
        if state.filled.all():
            alert = self._complete(state) or alert
        return alert

    def flush(self) -> list[AlertIn]:
        """Complete every partly assembled frame (end of a replay)."""
        alerts = [self._complete(s) for s in self._states.values() if s.frame_ts is not None]
        return [a for a in alerts if a is not None]

    def _complete(self, state: _AssetState) -> AlertIn | None:
        assert state.frame_ts is not None
        if not state.filled.all():
            self.counters.incomplete_frames += 1
            fallback = (
                state.last_values if state.last_values is not None else (state.spec.lo + state.spec.hi) / 2
            )
            state.frame[~state.filled] = fallback[~state.filled]
        meta = state.model.scorer.meta
        position = state.frames % meta.window
        state.buffer[position] = state.frame
        state.buffer_ts[position] = state.frame_ts
        state.last_values = state.frame.copy()
        state.last_ts = state.frame_ts
        state.frames += 1
        state.frame_ts = None
        state.filled[:] = False
        self.counters.frames += 1
        if state.frames < meta.window or (state.frames - meta.window) % meta.step:
            return None
        order = (np.arange(meta.window) + state.frames) % meta.window
        window = state.buffer[order]
        features = window_features(window[None])[0]
        scores = state.model.scorer.score(features[None])
        self.counters.windows_scored += 1
        alert = _alert(
            state.spec.asset_id,
            state.model,
            self.policy,
            features=features,
            proba=scores.proba[0],
            score=float(scores.anomaly[0]),
            window=window,
            window_ts=state.buffer_ts[order],
        )
        if alert is not None:
            self.counters.alerts += 1
            if self.on_alert is not None:
                self.on_alert(alert)
        return alert

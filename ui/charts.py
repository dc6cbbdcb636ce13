"""Altair charts (rendered offline by Streamlit): sensor traces with their normal level, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd

NORMAL_COLOUR = "#2e7d32"
ALERT_COLOUR = "#ef6c00"
LINE_COLOUR = "#1565c0"

LEGEND = (
    "Blue: the sensor. Dashed green line: its normal level; green band: normal ± 2σ "
    "(when the normal spread is known). Orange: the window the predictor scored."
)


@dataclass
class Trace:
    """One sensor's readings with what normal looks like for it."""

    sensor: str
    unit: str
    ts: list[datetime]
    values: list[float]
    normal: float | None = None
    normal_sd: float | None = None
    deviation: float | None = None  # how far the predictor found it from normal, in σ

    @property
    def title(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        deviation = f" · {self.deviation:.1f}σ from normal" if self.deviation is not None else ""
        return f"{self.sensor}{unit}{deviation}"


def to_datetime(value: Any) -> datetime:
    """Epoch seconds or an ISO string, as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def sensor_chart(
    trace: Trace, *, window: tuple[datetime, datetime] | None = None, height: int = 170
) -> alt.LayerChart | alt.FacetChart:
    """A line of the readings, with the normal level (and band) and the scored window marked."""
    frame = pd.DataFrame(
        {"time": [t.replace(tzinfo=None) for t in trace.ts], "value": trace.values}
    )  # naive UTC: Vega-Lite shows it as is rather than in the browser's zone
    layers: list[alt.Chart] = []
    if window is not None:
        span = pd.DataFrame(
            {"start": [window[0].replace(tzinfo=None)], "end": [window[1].replace(tzinfo=None)]}
        )
        layers.append(
            alt.Chart(span)
            .mark_rect(color=ALERT_COLOUR, opacity=0.15)
            .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("start:T", title="scored window from")])
        )
    if trace.normal is not None and trace.normal_sd:
        band = pd.DataFrame(
            {"low": [trace.normal - 2 * trace.normal_sd], "high": [trace.normal + 2 * trace.normal_sd]}
        )
        layers.append(
            alt.Chart(band).mark_rect(color=NORMAL_COLOUR, opacity=0.10).encode(y="low:Q", y2="high:Q")
        )
    line = (
        alt.Chart(frame)
        .mark_line(color=LINE_COLOUR, strokeWidth=1.6)
        .encode(
            x=alt.X("time:T", title=None, axis=alt.Axis(format="%H:%M:%S", labelOverlap=True)),
            y=alt.Y("value:Q", title=trace.unit or None, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("time:T", title="time (UTC)", format="%Y-%m-%d %H:%M:%S"),
                alt.Tooltip("value:Q", title=trace.sensor, format=".3f"),
            ],
        )
    )
    layers.append(line)
    if trace.normal is not None:
        normal = pd.DataFrame({"normal": [trace.normal]})
        layers.append(
            alt.Chart(normal)
            .mark_rule(color=NORMAL_COLOUR, strokeDash=[5, 4], strokeWidth=1.6)
            .encode(y="normal:Q", tooltip=[alt.Tooltip("normal:Q", title="normal level")])
        )
    return alt.layer(*layers).properties(title=trace.title, height=height)


def daily_chart(per_day: dict[str, int], *, days: int, value: str) -> alt.Chart:
    """Bars per day over the last `days` days (days without any count show as zero)."""
    today = datetime.now(UTC).date()
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    frame = pd.DataFrame(
        {
            "day": [d.strftime("%b %d") for d in span],
            "count": [int(per_day.get(d.isoformat(), 0)) for d in span],
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar(color=LINE_COLOUR)
        .encode(
            x=alt.X("day:O", title=None, sort=None, axis=alt.Axis(labelAngle=-45 if days > 14 else 0)),
            y=alt.Y("count:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("day:O"), alt.Tooltip("count:Q", title=value)],
        )
        .properties(height=220)
    )


def counts_chart(counts: dict[str, int], *, value: str) -> alt.Chart:
    """Horizontal bars of named counts, largest first."""
    frame = pd.DataFrame({"key": list(counts), "count": list(counts.values())})
    return (
        alt.Chart(frame)
        .mark_bar(color=LINE_COLOUR)
        .encode(
            y=alt.Y("key:N", title=None, sort="-x"),
            x=alt.X("count:Q", title=value, axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("key:N", title="status"), alt.Tooltip("count:Q", title=value)],
        )
        .properties(height=34 * len(frame) + 40)
    )


def traces_from_window(
    predictor: dict[str, Any], sensors: Sequence[str], units: dict[str, str], sds: dict[str, float]
) -> list[Trace]:
    """The predictor's own scored window (`window_ts` / `window_values`) as traces."""
    ts = [to_datetime(t) for t in predictor.get("window_ts") or []]
    values = predictor.get("window_values") or {}
    stats = predictor.get("window_stats") or {}
    weights = {s["name"]: s.get("weight") for s in predictor.get("top_sensors", [])}
    traces = []
    for sensor in sensors:
        series = values.get(sensor)
        if not series or len(series) != len(ts):
            continue
        traces.append(
            Trace(
                sensor=sensor,
                unit=units.get(sensor, ""),
                ts=ts,
                values=[float(v) for v in series],
                normal=(stats.get(sensor) or {}).get("normal"),
                normal_sd=sds.get(sensor),
                deviation=weights.get(sensor),
            )
        )
    return traces


def traces_from_telemetry(
    series: list[dict[str, Any]],
    sensors: Sequence[str] | None,
    normals: dict[str, float],
    sds: dict[str, float],
    deviations: dict[str, float] | None = None,
) -> list[Trace]:
    """Series of GET /assets/{id}/telemetry as traces, in the order of `sensors` when given."""
    by_name = {s["sensor"]: s for s in series}
    order = list(sensors) if sensors else list(by_name)
    traces = []
    for name in order:
        item = by_name.get(name)
        if not item or not item.get("points"):
            continue
        traces.append(
            Trace(
                sensor=name,
                unit=item.get("unit", ""),
                ts=[to_datetime(p["ts"]) for p in item["points"]],
                values=[float(p["value"]) for p in item["points"]],
                normal=normals.get(name),
                normal_sd=sds.get(name),
                deviation=(deviations or {}).get(name),
            )
        )
    return traces

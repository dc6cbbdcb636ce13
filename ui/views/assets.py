"""Assets: one asset's details, open investigations, recent alerts and sensor plots with normal levels."""

from __future__ import annotations

import streamlit as st
from charts import LEGEND, sensor_chart, traces_from_telemetry
from client import ApiError
from components import ago, approval_link, assets_by_id, fmt_ts, severity_badge, status_badge
from session import error_box, require_user

WINDOWS = {"15 min": 0.25, "1 h": 1.0, "6 h": 6.0, "24 h": 24.0, "7 days": 168.0}


def page() -> None:
    st.title("Assets")
    api, _me = require_user()
    assets = assets_by_id(api)
    if not assets:
        st.info("The registry holds no assets.")
        return
    ids = list(assets)
    left, middle = st.columns([3, 2])
    asset_id = left.selectbox(
        "Asset",
        ids,
        format_func=lambda a: f"{a} · {assets[a]['name']} ({assets[a]['location']})",
        key="asset-pick",
    )
    span = middle.segmented_control(
        "Window (ending at the latest reading)",
        list(WINDOWS),
        default="1 h",
        key="asset-window",
        required=True,
    )
    hours = WINDOWS[span or "1 h"]
    try:
        detail = api.asset(asset_id, hours=hours)
        approvals = {a["investigation_id"]: a["id"] for a in api.approvals("pending")}
    except ApiError as exc:
        error_box(exc, f"asset {asset_id} could not be loaded")
        return
    asset = detail["asset"]
    columns = st.columns(4)
    columns[0].metric("Class", asset["asset_class"].replace("_", " "))
    columns[1].metric("Criticality", asset["criticality"])
    columns[2].metric("Open investigations", len(detail["open_investigations"]))
    columns[3].metric("Recent alerts", len(detail["recent_alerts"]))

    stats = (detail.get("statistics") or {}).get("sensors") or []
    by_sensor = {s["sensor"]: s for s in stats}
    sensors = [s["name"] for s in asset["sensors"]]
    ranked = sorted(sensors, key=lambda s: -abs((by_sensor.get(s) or {}).get("deviation_sd") or 0.0))
    chosen = st.multiselect(
        "Sensors (furthest from normal first)", ranked, default=ranked[:4], key=f"asset-sensors-{asset_id}"
    )
    normals = {s["name"]: s["normal_mean"] for s in asset["sensors"] if s.get("normal_mean") is not None}
    sds = {name: s["normal_sd"] for name, s in by_sensor.items() if s.get("normal_sd")}
    deviations = {
        name: s["deviation_sd"] for name, s in by_sensor.items() if s.get("deviation_sd") is not None
    }
    traces = []
    if chosen:
        try:
            series = api.telemetry(asset_id, hours=hours, max_points=300)
        except ApiError as exc:
            error_box(exc, "the telemetry could not be loaded")
            series = []
        traces = traces_from_telemetry(series, chosen, normals, sds, deviations)
    if traces:
        st.caption(
            f"{fmt_ts(traces[0].ts[0])} → {fmt_ts(traces[0].ts[-1])} · "
            "σ: the window's mean against normal, in normal standard deviations"
        )
        for start in range(0, len(traces), 2):
            for column, trace in zip(st.columns(2), traces[start : start + 2], strict=False):
                with column:
                    st.altair_chart(sensor_chart(trace), width="stretch")
        st.caption(LEGEND.split(" Orange")[0])
    elif chosen:
        st.info("No readings are recorded for this asset in this window.")
    if stats:
        with st.expander("Sensor statistics over the window"):
            st.dataframe(
                [
                    {
                        "sensor": s["sensor"],
                        "unit": s["unit"],
                        "mean": s.get("mean"),
                        "normal": s.get("normal_mean"),
                        "deviation (σ)": s.get("deviation_sd"),
                        "trend per hour": s.get("trend_per_hour"),
                        "last": s.get("last"),
                        "last reading": fmt_ts(s.get("last_ts"), seconds=True),
                        "readings": s.get("count"),
                    }
                    for s in stats
                ],
                hide_index=True,
                width="stretch",
            )

    left, right = st.columns(2)
    with left:
        st.subheader("Open investigations")
        if not detail["open_investigations"]:
            st.caption("None.")
        for investigation in detail["open_investigations"]:
            with st.container(border=True):
                st.markdown(
                    f"**Investigation #{investigation['id']}** · {investigation.get('failure_mode') or '—'}"
                )
                status_badge(investigation["status"])
                st.caption(investigation.get("diagnosis_summary") or "")
                if investigation["id"] in approvals:
                    approval_id = approvals[investigation["id"]]
                    approval_link(approval_id)
    with right:
        st.subheader("Recent alerts")
        if not detail["recent_alerts"]:
            st.caption("None.")
        for alert in detail["recent_alerts"]:
            with st.container(border=True):
                severity_badge(alert["severity"])
                st.markdown(
                    f"**#{alert['id']}** · {fmt_ts(alert['ts'])} ({ago(alert['ts'])})  \n{alert['summary']}"
                )
    with st.expander("Sensors of this asset"):
        st.dataframe(asset["sensors"], hide_index=True, width="stretch")


page()

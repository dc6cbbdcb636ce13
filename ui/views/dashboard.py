"""Dashboard: alerts per day, approval latency, alert precision and diagnosis accuracy from feedback."""

from __future__ import annotations

import streamlit as st
from charts import counts_chart, daily_chart
from client import ApiError
from components import status_label
from session import error_box, require_user

PERIODS = {"7 days": 7, "14 days": 14, "30 days": 30, "90 days": 90}


def _share(value: float | None, n: int, what: str) -> tuple[str, str]:
    if value is None:
        return "—", f"no {what} yet"
    return f"{value:.0%}", f"from {n} {what}"


def page() -> None:
    st.title("Dashboard")
    api, _me = require_user()
    period = st.segmented_control(
        "Period", list(PERIODS), default="14 days", key="dash-period", required=True
    )
    days = PERIODS[period or "14 days"]
    try:
        stats = api.stats(days=days)
        pending = len(api.approvals("pending"))
    except ApiError as exc:
        error_box(exc, "the figures could not be loaded")
        return

    alerts_total = sum(stats["alerts_per_day"].values())
    precision, precision_note = _share(stats["alert_precision"], stats["alert_feedback"], "rated alerts")
    accuracy, accuracy_note = _share(
        stats["diagnosis_accuracy"], stats["diagnosis_feedback"], "rated diagnoses"
    )
    p50, p90 = stats["approval_latency_p50_min"], stats["approval_latency_p90_min"]
    columns = st.columns(5)
    columns[0].metric("Alerts", alerts_total, help=f"Over the last {days} days.", border=True)
    columns[1].metric("Pending approvals", pending, border=True)
    columns[2].metric(
        "Approval latency",
        f"{p50:.1f} min" if p50 is not None else "—",
        delta=f"median · p90 {p90:.1f} min" if p90 is not None else None,
        delta_color="off",
        help=f"From request to decision, over {stats['approvals_decided']} decided approvals.",
        border=True,
    )
    columns[3].metric(
        "Alert precision",
        precision,
        help="Share of rated alerts that people found useful (Alert inbox feedback). " + precision_note,
        border=True,
    )
    columns[4].metric(
        "Diagnosis accuracy",
        accuracy,
        help="Share of rated diagnoses that were right. " + accuracy_note,
        border=True,
    )
    st.caption(f"Alert precision {precision_note}; diagnosis accuracy {accuracy_note}.")

    st.subheader("Alerts per day")
    st.altair_chart(daily_chart(stats["alerts_per_day"], days=days, value="alerts"), width="stretch")
    left, right = st.columns(2)
    with left:
        st.subheader("Investigations by status")
        by_status = {status_label(k): v for k, v in stats["investigations_by_status"].items()}
        if by_status:
            st.altair_chart(counts_chart(by_status, value="investigations"), width="stretch")
        else:
            st.caption("No investigations yet.")
    with right:
        st.subheader("Work orders by status")
        by_status = {status_label(k): v for k, v in stats["work_orders_by_status"].items()}
        if by_status:
            st.altair_chart(counts_chart(by_status, value="work orders"), width="stretch")
        else:
            st.caption("No work orders yet.")


page()

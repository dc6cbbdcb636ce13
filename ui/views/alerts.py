"""Alert inbox: recent alerts with their investigation's status, filters, and feedback on each."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st
from client import ApiError, CopilotApi
from components import (
    ago,
    approval_link,
    asset_label,
    assets_by_id,
    fmt_ts,
    severity_badge,
    status_badge,
)
from session import error_box, require_user

PAGE_SIZE = 20
PERIODS = {"Last 24 h": 1, "Last 7 days": 7, "Last 30 days": 30, "All": None}
SEVERITIES = ["critical", "high", "medium", "low"]
RATED = "alert_feedback_given"


def _send_feedback(api: CopilotApi, alert: dict[str, Any], **body: Any) -> bool:
    try:
        api.feedback(alert_id=alert["id"], investigation_id=alert.get("investigation_id"), **body)
    except ApiError as exc:
        error_box(exc, f"feedback on alert #{alert['id']} was not recorded")
        return False
    st.session_state.setdefault(RATED, {})[alert["id"]] = body
    st.toast(f"Thanks: feedback on alert #{alert['id']} recorded.", icon=":material/check_circle:")
    return True


def _feedback(api: CopilotApi, alert: dict[str, Any]) -> None:
    given = st.session_state.get(RATED, {}).get(alert["id"])
    if given and given.get("alert_useful") is not None:
        st.caption(
            "You rated it "
            + (":material/thumb_up: useful" if given["alert_useful"] else ":material/thumb_down: not useful")
        )
    useful, useless = st.columns(2)
    if useful.button(
        "Useful", key=f"useful-{alert['id']}", icon=":material/thumb_up:", width="stretch"
    ) and _send_feedback(api, alert, alert_useful=True):
        st.rerun()
    if useless.button(
        "Not useful", key=f"useless-{alert['id']}", icon=":material/thumb_down:", width="stretch"
    ) and _send_feedback(api, alert, alert_useful=False):
        st.rerun()
    if alert.get("investigation_id"):
        with (
            st.popover("Diagnosis feedback", icon=":material/rate_review:", width="stretch"),
            st.form(key=f"diagnosis-{alert['id']}", border=False),
        ):
            verdict = st.radio(
                "Was the diagnosis right?",
                ["Yes", "No", "Not sure"],
                index=2,
                horizontal=True,
            )
            code = st.text_input("What it really was (failure code)", placeholder="e.g. PMP-BRG")
            comment = st.text_area("Comment", height=68)
            if st.form_submit_button("Send"):
                correct = {"Yes": True, "No": False}.get(verdict)
                if correct is None and not comment.strip() and not code.strip():
                    st.warning("Say whether it was right, or leave a comment.")
                else:
                    _send_feedback(
                        api,
                        alert,
                        diagnosis_correct=correct,
                        actual_failure_code=code.strip() or None,
                        comment=comment.strip(),
                    )


def page() -> None:
    st.title("Alert inbox")
    api, _me = require_user()
    assets = assets_by_id(api)

    columns = st.columns([2, 2, 2, 2])
    severity = columns[0].selectbox("Severity", ["All", *SEVERITIES], key="alerts-severity")
    asset = columns[1].selectbox(
        "Asset",
        ["All", *assets],
        format_func=lambda a: a if a == "All" else asset_label(assets, a),
        key="alerts-asset",
    )
    period = columns[2].selectbox("Period", list(PERIODS), index=1, key="alerts-period")
    only_open = columns[3].toggle(
        "Only open investigations", key="alerts-open", help="Applies to the alerts on this page."
    )

    days = PERIODS[period]
    since = (datetime.now(UTC) - timedelta(days=days)).isoformat() if days else None
    page_number = int(st.session_state.get("alerts-page", 1))
    try:
        result = api.alerts(
            severity=None if severity == "All" else severity,
            asset_id=None if asset == "All" else asset,
            since=since,
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
        investigations = {i["id"]: i for i in api.investigations(limit=500)["items"]}
        approvals = {a["investigation_id"]: a["id"] for a in api.approvals("pending")}
    except ApiError as exc:
        error_box(exc, "the alerts could not be loaded")
        return

    alerts = result["items"]
    if only_open:
        alerts = [
            a
            for a in alerts
            if investigations.get(a.get("investigation_id"), {}).get("status")
            in ("running", "pending_approval")
        ]
    st.caption(f"{result['total']} alert(s) match · newest first · {PAGE_SIZE} per page")
    if not alerts:
        st.info("No alerts match these filters.")
    for alert in alerts:
        investigation = investigations.get(alert.get("investigation_id"))
        with st.container(border=True, key=f"alert-{alert['id']}"):
            badge, body, state, feedback = st.columns([1, 5, 2, 3], vertical_alignment="center")
            with badge:
                severity_badge(alert["severity"])
                st.caption(ago(alert["ts"]))
            body.markdown(
                f"**#{alert['id']} · {asset_label(assets, alert['asset_id'])}** · "
                f"{alert.get('failure_mode') or 'anomaly'}  \n{alert['summary']}  \n"
                f":gray[{fmt_ts(alert['ts'], seconds=True)} · {alert['source']}]"
            )
            with state:
                if investigation:
                    st.markdown(f"Investigation #{investigation['id']}")
                    status_badge(investigation["status"])
                    if investigation["id"] in approvals:
                        approval_id = approvals[investigation["id"]]
                        approval_link(approval_id)
                else:
                    st.caption("No investigation")
            with feedback:
                _feedback(api, alert)

    pages = max(1, math.ceil(result["total"] / PAGE_SIZE))
    if pages > 1:
        st.pagination(pages, key="alerts-page")


page()

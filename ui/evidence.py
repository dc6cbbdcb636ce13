"""The evidence card of one approval: what the predictor saw, why the copilot thinks so, what it proposes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import streamlit as st
from charts import (
    LEGEND,
    Trace,
    sensor_chart,
    to_datetime,
    traces_from_telemetry,
    traces_from_window,
)
from client import ApiError, CopilotApi
from components import (
    PRIORITY_LABELS,
    ago,
    asset_label,
    citation_expander,
    citation_short,
    fmt_ts,
    severity_badge,
    status_badge,
    status_label,
)
from session import error_box, flash

SPANS = {
    "Scored window": None,
    "30 min before": 0.5,
    "2 h before": 2.0,
}
Lookups = tuple[dict[str, str], dict[str, float], dict[str, float]]  # units, normal levels, normal SDs
DECISION_WORDS = {
    "approve": "approved",
    "edit": "edited and approved",
    "reject": "rejected",
    "more_evidence": "sent back for more evidence",
}


def _is_incident(citation: dict[str, Any]) -> bool:
    return citation.get("section") == "incident" or str(citation.get("doc_id", "")).startswith("INC-")


def _sensor_lookups(
    asset: dict[str, Any] | None, predictor: dict[str, Any], stats: list[dict[str, Any]]
) -> Lookups:
    """Units, normal levels and normal spreads per sensor, from whichever source has them."""
    units: dict[str, str] = {}
    normals: dict[str, float] = {}
    sds: dict[str, float] = {}
    for sensor in (asset or {}).get("sensors", []):
        units[sensor["name"]] = sensor.get("unit", "")
        if sensor.get("normal_mean") is not None:
            normals[sensor["name"]] = float(sensor["normal_mean"])
    for name, values in (predictor.get("window_stats") or {}).items():
        if values.get("normal") is not None:
            normals.setdefault(name, float(values["normal"]))
    for row in stats:
        units.setdefault(row["sensor"], row.get("unit", ""))
        if row.get("normal_mean") is not None:
            normals.setdefault(row["sensor"], float(row["normal_mean"]))
        if row.get("normal_sd"):
            sds[row["sensor"]] = float(row["normal_sd"])
    return units, normals, sds


def _chart_grid(traces: list[Trace], window: tuple[Any, Any] | None) -> None:
    for start in range(0, len(traces), 2):
        columns = st.columns(2)
        for column, trace in zip(columns, traces[start : start + 2], strict=False):
            with column:
                st.altair_chart(sensor_chart(trace, window=window), width="stretch")


def _sensors_section(
    api: CopilotApi, approval_id: int, alert: dict[str, Any], predictor: dict[str, Any], lookups: Lookups
) -> None:
    units, normals, sds = lookups
    st.markdown("#### Sensors around the alert")
    ranked = [s["name"] for s in predictor.get("top_sensors", [])]
    every = list(dict.fromkeys([*ranked, *(predictor.get("window_values") or {}), *normals]))
    left, right = st.columns([2, 3])
    span = left.segmented_control(
        "Time span",
        list(SPANS),
        default="Scored window",
        key=f"span-{approval_id}",
        required=True,
        help="The predictor's own 60-second window, or recorded telemetry up to 2 minutes after it.",
    )
    chosen = right.multiselect(
        "Sensors (the predictor's top contributors first)",
        every,
        default=ranked[:4] or every[:4],
        key=f"sensors-{approval_id}",
    )
    window = None
    if predictor.get("window_start") and predictor.get("window_end"):
        window = (to_datetime(predictor["window_start"]), to_datetime(predictor["window_end"]))
    weights = {s["name"]: s.get("weight") for s in predictor.get("top_sensors", [])}
    hours = SPANS.get(span or "Scored window")
    traces: list[Trace] = []
    if hours is not None and chosen:
        end = window[1] if window else to_datetime(alert.get("ts"))
        try:
            series = api.telemetry(
                alert["asset_id"], hours=hours, end=(end + timedelta(minutes=2)).isoformat(), max_points=240
            )
            traces = traces_from_telemetry(series, chosen, normals, sds, weights)
        except ApiError as exc:
            st.warning(f"Telemetry is not available: {exc.reason}")
        if not traces:
            st.info("No recorded telemetry for this span; showing the predictor's scored window instead.")
    from_telemetry = bool(traces)
    if not traces:
        traces = traces_from_window(predictor, chosen, units, sds)
    if traces:
        _chart_grid(traces, window if from_telemetry else None)  # the scored window spans a window plot
        st.caption(LEGEND)
    elif chosen:
        st.info("This alert carries no sensor window to plot.")

    contributors = [
        {
            "sensor": s["name"],
            "unit": units.get(s["name"], ""),
            "deviation (σ)": s.get("weight"),
            "window mean": (predictor.get("window_stats", {}).get(s["name"]) or {}).get("mean"),
            "normal": (predictor.get("window_stats", {}).get(s["name"]) or {}).get("normal"),
            "min": (predictor.get("window_stats", {}).get(s["name"]) or {}).get("min"),
            "max": (predictor.get("window_stats", {}).get(s["name"]) or {}).get("max"),
        }
        for s in predictor.get("top_sensors", [])
    ]
    features = [
        {"feature": f["name"], "value": f.get("value"), "deviation (σ)": f.get("weight")}
        for f in predictor.get("top_features", [])
    ]
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Contributing sensors** (furthest from normal first)")
        st.dataframe(
            contributors,
            hide_index=True,
            width="stretch",
            column_config={"deviation (σ)": st.column_config.NumberColumn(format="%.1f")},
        )
    with right:
        st.markdown("**Classifier probabilities**")
        probabilities = predictor.get("mode_probabilities") or {}
        st.dataframe(
            [
                {"failure mode": mode, "probability": float(p)}
                for mode, p in sorted(probabilities.items(), key=lambda kv: -kv[1])
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "probability": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.3f")
            },
        )
    if features:
        with st.expander("Features the classifier weighed most"):
            st.dataframe(features, hide_index=True, width="stretch")


def _predictor_block(
    api: CopilotApi,
    approval: dict[str, Any],
    detail: dict[str, Any],
    asset: dict[str, Any] | None,
) -> None:
    alert = approval.get("evidence") or {}
    predictor = alert.get("evidence") or {}
    st.markdown("#### The alert and the predictor")
    score, threshold = predictor.get("score"), predictor.get("threshold")
    columns = st.columns(4)
    if score is not None and threshold is not None:
        columns[0].metric(
            "Predictor score",
            f"{score:.2f}",
            delta=f"{score - threshold:+.2f} vs threshold {threshold:.2f}",
            delta_color="inverse",
            help="The classifier's anomaly score; an alert needs it above the threshold.",
        )
    columns[1].metric("Alert severity", str(alert.get("severity", "—")).upper())
    alert_ts = to_datetime(alert["ts"]) if alert.get("ts") else None
    columns[2].metric(
        "Alert time (UTC)",
        alert_ts.strftime("%H:%M:%S") if alert_ts else "—",
        help=f"{fmt_ts(alert.get('ts'), seconds=True)} ({ago(alert.get('ts'))})",
    )
    alerts = detail.get("alerts") or []
    columns[3].metric(
        "Alerts in this investigation",
        len(alerts) or 1,
        help="Later alerts of the same asset and failure mode join the open investigation.",
    )
    if alert.get("summary"):
        st.markdown(f"**Alert:** {alert['summary']}")
    if predictor:
        st.caption(
            f"Model `{predictor.get('model_version', '?')}` · source `{alert.get('source', '?')}` · "
            f"scored window {fmt_ts(predictor.get('window_start'), seconds=True)} → "
            f"{fmt_ts(predictor.get('window_end'), seconds=True)}"
        )
        lookups = _sensor_lookups(asset, predictor, detail.get("sensor_stats") or [])
        _sensors_section(api, approval["id"], alert, predictor, lookups)
    else:
        st.caption("No predictor evidence is attached to this alert.")
    stats = detail.get("sensor_stats") or []
    if stats:
        with st.expander("Sensor statistics before the alert (the investigation's window)"):
            st.dataframe(
                [
                    {
                        "sensor": s["sensor"],
                        "unit": s.get("unit"),
                        "mean": s.get("mean"),
                        "normal": s.get("normal_mean"),
                        "deviation (σ)": s.get("deviation_sd"),
                        "trend per hour": s.get("trend_per_hour"),
                        "min": s.get("min"),
                        "max": s.get("max"),
                        "readings": s.get("count"),
                    }
                    for s in stats
                ],
                hide_index=True,
                width="stretch",
            )


def _request_block(approval: dict[str, Any]) -> None:
    request = (approval.get("evidence") or {}).get("request") or {}
    st.markdown("#### The request")
    st.markdown(
        f"Requested in the chat by **{request.get('requested_by', '?')}**: “{request.get('text', '')}”"
    )
    st.caption("A person asked for this; no predictor evidence or diagnosis comes with it.")


def _diagnosis_block(diagnosis: dict[str, Any], citations: dict[str, dict[str, Any]]) -> None:
    st.markdown("#### Diagnosis")
    st.badge(f"{diagnosis.get('confidence', '?')} confidence", color="blue")
    if diagnosis.get("summary"):
        st.markdown(diagnosis["summary"])
    for rank, hypo in enumerate(diagnosis.get("hypotheses", []), start=1):
        with st.container(border=True):
            name, bar = st.columns([3, 2], vertical_alignment="center")
            name.markdown(f"**{rank}. {hypo['name']}** (`{hypo['failure_code']}`)")
            probability = float(hypo.get("probability", 0.0))
            bar.progress(min(max(probability, 0.0), 1.0), text=f"p = {probability:.2f}")
            if hypo.get("rationale"):
                st.caption(hypo["rationale"])
            refs = []
            for ref in hypo.get("citations", []):
                if ref.startswith("model:"):
                    refs.append(f"the predictor `{ref.removeprefix('model:')}`")
                elif ref in citations:
                    refs.append(f"`{citation_short(citations[ref])}`")
                else:
                    refs.append(f"`{ref}`")
            st.markdown("Sources: " + ("; ".join(refs) if refs else "—"))


def _sources_block(
    detail: dict[str, Any], diagnosis: dict[str, Any], citations: list[dict[str, Any]]
) -> None:
    """Similar incidents and manual sections, the ones the diagnosis cites first (and marked)."""
    cited_by: dict[str, list[int]] = {}
    for rank, hypo in enumerate(diagnosis.get("hypotheses", []), start=1):
        for ref in hypo.get("citations", []):
            cited_by.setdefault(ref, []).append(rank)
    order = {ref: (ranks[0], i) for i, (ref, ranks) in enumerate(cited_by.items())}

    def ranked(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda c: order.get(c["ref"], (99, 0)))

    def label(citation: dict[str, Any]) -> str:
        ranks = cited_by.get(citation["ref"])
        return f" · cited for hypothesis {', '.join(f'#{r}' for r in ranks)}" if ranks else ""

    incidents = [c for c in citations if _is_incident(c)]
    documents = [c for c in citations if not _is_incident(c)]
    left, right = st.columns(2)
    with left:
        st.markdown("#### Similar past incidents")
        if detail.get("incident_summary"):
            st.markdown(detail["incident_summary"])
        if not incidents:
            st.caption("No similar incidents were retrieved.")
        for citation in ranked(incidents):
            citation_expander(citation, suffix=label(citation))
    with right:
        st.markdown("#### Cited manual sections")
        if not documents:
            st.caption("No manual sections were retrieved.")
        for citation in ranked(documents):
            citation_expander(citation, suffix=label(citation))


def _work_order_fields(approval_id: int, action: dict[str, Any], editable: bool) -> dict[str, Any]:
    """Show a proposed work order with its editable fields; return the fields the operator changed."""
    payload = action["payload"]
    st.markdown(f"**Work order:** {payload.get('title', '')}")
    st.caption(
        f"Asset {payload.get('asset_id')} · craft {payload.get('craft', '—')} · failure code "
        f"{payload.get('failure_code') or '—'} · permits {', '.join(payload.get('permits') or []) or '—'}"
    )
    priorities = [1, 2, 3, 4]
    current = int(payload.get("priority", 3))
    left, right = st.columns(2)
    priority = left.selectbox(
        "Priority",
        priorities,
        index=priorities.index(current) if current in priorities else 2,
        format_func=lambda p: PRIORITY_LABELS.get(p, f"P{p}"),
        key=f"wo-priority-{approval_id}-{action['key']}",
        disabled=not editable,
    )
    hours = right.number_input(
        "Estimated hours",
        min_value=0.5,
        max_value=200.0,
        step=0.5,
        value=float(payload.get("estimated_hours", 1.0)),
        key=f"wo-hours-{approval_id}-{action['key']}",
        disabled=not editable,
    )
    description = st.text_area(
        "Description",
        value=payload.get("description", ""),
        height=140,
        key=f"wo-description-{approval_id}-{action['key']}",
        disabled=not editable,
    )
    steps = payload.get("safety_steps") or []
    if steps:
        with st.container(border=True):
            source = payload.get("safety_source") or ""
            st.markdown(f":material/lock: **Lockout-tagout steps** ({len(steps)}) {source}")
            st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1)))
    changes: dict[str, Any] = {}
    if priority != current:
        changes["priority"] = priority
    if abs(float(hours) - float(payload.get("estimated_hours", 1.0))) > 1e-9:
        changes["estimated_hours"] = float(hours)
    if description != payload.get("description", ""):
        changes["description"] = description
    return changes


def _booking_fields(
    approval_id: int,
    action: dict[str, Any],
    techs: list[dict[str, Any]],
    craft: str | None,
    editable: bool,
) -> dict[str, Any]:
    payload = action["payload"]
    st.markdown("**Technician booking**")
    current = payload.get("technician_id")
    ordered = sorted(techs, key=lambda t: (craft not in t.get("skills", []), t["id"]))
    ids = [t["id"] for t in ordered] or [current]
    if current not in ids:
        ids.insert(0, current)
    by_id = {t["id"]: t for t in ordered}

    def label(tech_id: str) -> str:
        tech = by_id.get(tech_id)
        if tech is None:
            return f"{payload.get('technician_name', tech_id)} ({tech_id})"
        fit = "" if craft is None or craft in tech["skills"] else " · lacks " + craft
        return (
            f"{tech['name']} ({tech_id}) · {', '.join(tech['skills'])} · {tech['shift']} shift · "
            f"{tech['booked_hours_next_7_days']} h booked{fit}"
        )

    chosen = st.selectbox(
        "Technician",
        ids,
        index=ids.index(current),
        format_func=label,
        key=f"booking-tech-{approval_id}-{action['key']}",
        disabled=not editable,
    )
    st.caption(f"{fmt_ts(payload.get('start'))} → {fmt_ts(payload.get('end'))} · {payload.get('reason', '')}")
    if chosen != current:
        tech = by_id.get(chosen, {})
        if tech and craft and craft not in tech.get("skills", []):
            st.warning(f"{tech['name']} does not list the {craft} craft.")
        st.caption("The booking keeps the proposed start and end.")
        return {"technician_id": chosen, "technician_name": tech.get("name", chosen)}
    return {}


def _actions_block(
    approval: dict[str, Any], techs: list[dict[str, Any]], editable: bool
) -> dict[str, dict[str, Any]]:
    """The proposed actions, editable where it makes sense; returns the edits per action key."""
    st.markdown("#### Proposed actions")
    edits: dict[str, dict[str, Any]] = {}
    craft = next(
        (a["payload"].get("craft") for a in approval["actions"] if a["kind"] == "create_work_order"), None
    )
    for action in approval["actions"]:
        with st.container(border=True):
            head, badge = st.columns([4, 1])
            head.markdown(f"**{action['key']}** · `{action['kind']}`")
            with badge:
                if action.get("requires_approval"):
                    st.badge("needs approval", icon=":material/lock:", color="orange")
                else:
                    st.badge("runs after approval", color="gray")
            if action.get("requires_approval") and action.get("reasons"):
                st.markdown("Why it needs approval: " + "; ".join(action["reasons"]) + ".")
            payload = action["payload"]
            if action["kind"] == "create_work_order":
                changes = _work_order_fields(approval["id"], action, editable)
            elif action["kind"] == "book_technician":
                changes = _booking_fields(approval["id"], action, techs, craft, editable)
            elif action["kind"] == "notify":
                changes = {}
                st.markdown(
                    f"**Notify {payload.get('recipient', '?')}** ({payload.get('priority', '')}): "
                    f"{payload.get('subject', '')}"
                )
                st.caption(payload.get("body", ""))
            else:
                changes = {}
                st.json(payload, expanded=False)
            if changes:
                edits[action["key"]] = changes
    return edits


def _decision_block(
    api: CopilotApi, approval: dict[str, Any], me: dict[str, Any], edits: dict[str, dict[str, Any]]
) -> None:
    approval_id = approval["id"]
    st.markdown("#### Your decision")
    if me.get("role") != "operator":
        st.info(
            f"You are signed in as a {me.get('role')}: only operators decide approvals, so the API will "
            "refuse a decision from you."
        )
    if edits:
        changed = "; ".join(
            f"{key}: " + ", ".join(f"{field} → {value!r}" for field, value in fields.items())
            for key, fields in edits.items()
        )
        st.warning(f"You changed: {changed}. Use **Edit & approve** to send them.")
    comment = st.text_area(
        "Comment (recorded in the audit log; needed to reject or ask for more evidence)",
        key=f"comment-{approval_id}",
        height=80,
    )
    columns = st.columns(4)
    decision = None
    if columns[0].button(
        "Approve",
        key=f"approve-{approval_id}",
        type="primary",
        icon=":material/check_circle:",
        disabled=bool(edits),
        help="You changed fields: use Edit & approve." if edits else "Run the proposed actions as shown.",
        width="stretch",
    ):
        decision = "approve"
    if columns[1].button(
        "Edit & approve",
        key=f"edit-{approval_id}",
        icon=":material/edit:",
        disabled=not edits,
        help="Change a field above first." if not edits else "Run the actions with your changes.",
        width="stretch",
    ):
        decision = "edit"
    if columns[2].button("Reject", key=f"reject-{approval_id}", icon=":material/block:", width="stretch"):
        decision = "reject"
    if columns[3].button(
        "Ask for more evidence",
        key=f"more-{approval_id}",
        icon=":material/search:",
        help="The copilot gathers evidence over a longer span and asks again.",
        width="stretch",
    ):
        decision = "more_evidence"
    if decision is None:
        return
    if decision in ("reject", "more_evidence") and not comment.strip():
        st.warning("Say why in the comment first: it tells the requester what to do next.")
        return
    try:
        with st.spinner("Recording the decision and running the approved actions…"):
            outcome = api.decide(
                approval_id,
                decision=decision,
                comment=comment.strip(),
                edits=edits if decision == "edit" else None,
            )
    except ApiError as exc:
        error_box(exc, f"your decision on approval #{approval_id} was not recorded")
        return
    done = (
        f"Approval #{approval_id} {DECISION_WORDS[decision]}. Investigation #{outcome['investigation_id']} "
        f"is now {status_label(outcome['investigation_status'])}"
    )
    if decision in ("approve", "edit"):
        orders = ", ".join(outcome.get("work_orders") or []) or "none"
        flash(f"{done}; work orders: {orders}.")
    elif decision == "more_evidence":
        flash(f"{done}: the copilot gathered evidence over a longer span; its new request is in the queue.")
    else:
        flash(f"{done}; nothing was carried out.", kind="info")
    st.session_state["last_decision"] = outcome
    st.session_state.pop("approval_selected", None)
    st.rerun()


def decisions(detail: dict[str, Any]) -> list[str]:
    """The decisions in an investigation's timeline, in words (`rejected by omar at ...: “comment”`)."""
    out = []
    for event in detail.get("timeline", []):
        action = str(event.get("action", ""))
        if not action.startswith("approval_") or action == "approval_requested":
            continue
        word = action.removeprefix("approval_")
        comment = (event.get("detail") or {}).get("comment")
        out.append(
            f"**{DECISION_WORDS.get(word, word)}** by **{event['actor']}** at {fmt_ts(event['ts'])}"
            + (f": “{comment}”" if comment else "")
        )
    return out


def _decided_block(approval: dict[str, Any], detail: dict[str, Any]) -> None:
    st.markdown("#### Decision")
    made = decisions(detail)
    if not made:
        st.caption(f"Status: {status_label(approval['status'])}.")
    for line in made:
        st.markdown(line)


def approval_card(
    api: CopilotApi,
    approval: dict[str, Any],
    me: dict[str, Any],
    *,
    assets: dict[str, dict[str, Any]],
    techs: list[dict[str, Any]],
) -> None:
    """Everything an operator needs to decide one approval, and the decision buttons."""
    try:
        detail = api.investigation(approval["investigation_id"])
    except ApiError as exc:
        error_box(exc, f"investigation #{approval['investigation_id']} could not be loaded")
        detail = {}
    alert = approval.get("evidence") or {}
    pending = approval["status"] == "pending"
    with st.container(border=True, key=f"card-{approval['id']}"):
        title, badges = st.columns([3, 2], vertical_alignment="center")
        title.subheader(f"Approval #{approval['id']} · {asset_label(assets, approval['asset_id'])}")
        with badges, st.container(horizontal=True):
            if alert.get("severity"):
                severity_badge(alert["severity"])
            status_badge(approval["status"])
            if detail.get("mode"):
                st.badge(f"{detail['mode']} mode", color="gray")
        st.markdown(f"**Why this waits for an operator:** {approval['summary']}")
        sections = (
            ["[Request](#the-request)"]
            if "request" in alert
            else [
                "[Sensors](#sensors-around-the-alert)",
                "[Diagnosis](#diagnosis)",
                "[Sources](#similar-past-incidents)",
            ]
        )
        sections += [
            "[Proposed actions](#proposed-actions)",
            "[Decision](#your-decision)" if pending else "[Decision](#decision)",
        ]
        st.markdown("Jump to: " + " · ".join(sections))
        st.caption(
            f"Requested {ago(approval['created_at'])} ({fmt_ts(approval['created_at'])}) · "
            f"investigation #{approval['investigation_id']} "
            f"({status_label(detail.get('status', '')) if detail else '?'})"
        )
        for note in detail.get("fallbacks") or []:
            st.warning(f"Evidence gap: {note}", icon=":material/warning:")
        if detail.get("error"):
            st.error(f"The investigation reported an error: {detail['error']}")

        if "request" in alert:
            _request_block(approval)
        else:
            _predictor_block(api, approval, detail, assets.get(approval["asset_id"]))

        diagnosis = approval.get("diagnosis") or {}
        citations = detail.get("citations") or []
        if diagnosis.get("hypotheses"):
            _diagnosis_block(diagnosis, {c["ref"]: c for c in citations})
        if citations or detail.get("incident_summary"):
            _sources_block(detail, diagnosis, citations)

        edits = _actions_block(approval, techs, editable=pending)
        if pending:
            _decision_block(api, approval, me, edits)
        else:
            _decided_block(approval, detail)
        if detail.get("timeline"):
            with st.expander("Timeline (audit log)"):
                for event in detail["timeline"]:
                    st.markdown(
                        f"- {fmt_ts(event['ts'], seconds=True)} · **{event['actor']}** · {event['action']}"
                    )
        if detail.get("report"):
            with st.expander("Investigation report"):
                st.markdown(detail["report"])

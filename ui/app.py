"""Streamlit app: the approval queue with its evidence, decided through the API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from client import ApiError, CopilotApi, api_url  # noqa: E402


def _hypotheses(diagnosis: dict[str, Any]) -> None:
    for rank, hypo in enumerate(diagnosis.get("hypotheses", []), start=1):
        st.markdown(
            f"**{rank}. {hypo['name']}** (`{hypo['failure_code']}`), p = {hypo['probability']:.2f}  \n"
            f"{hypo['rationale']}  \nSources: {', '.join(f'`{c}`' for c in hypo['citations']) or '—'}"
        )


def _evidence(evidence: dict[str, Any]) -> None:
    predictor = evidence.get("evidence") or {}
    if not predictor:
        st.caption("No predictor evidence attached to this alert.")
        return
    st.markdown(
        f"Score **{predictor['score']:.2f}** over threshold {predictor['threshold']:.2f} "
        f"· model `{predictor['model_version']}` · window {predictor['window_start']} → {predictor['window_end']}"
    )
    rows = [
        {"sensor": s["name"], "deviation (σ)": s["weight"], **predictor["window_stats"].get(s["name"], {})}
        for s in predictor.get("top_sensors", [])
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _actions(actions: list[dict[str, Any]]) -> None:
    for action in actions:
        badge = "🔒 needs approval" if action["requires_approval"] else "auto"
        st.markdown(f"- **{action['key']}** ({action['kind']}) — {badge}")
        if action["requires_approval"]:
            st.caption("Why: " + "; ".join(action["reasons"]))
        payload = action["payload"]
        if action["kind"] == "create_work_order":
            st.markdown(
                f"  **{payload['title']}** · P{payload['priority']} · {payload['craft']} · "
                f"{payload['estimated_hours']} h · permits {', '.join(payload['permits']) or '—'}"
            )
            if payload.get("safety_steps"):
                with st.expander(f"Lockout-tagout steps ({len(payload['safety_steps'])})"):
                    st.markdown(
                        "\n".join(f"{i}. {step}" for i, step in enumerate(payload["safety_steps"], 1))
                    )
        elif action["kind"] == "book_technician":
            st.markdown(f"  {payload['technician_name']}: {payload['start']} → {payload['end']}")


def approval_card(api: CopilotApi, approval: dict[str, Any], user_id: str) -> None:
    with st.container(border=True):
        st.subheader(f"Approval {approval['id']} · {approval['asset_id']}")
        st.write(approval["summary"])
        diagnosis = approval.get("diagnosis") or {}
        st.markdown(
            f"**Diagnosis** ({diagnosis.get('confidence', '?')} confidence): {diagnosis.get('summary', '')}"
        )
        _hypotheses(diagnosis)
        st.markdown("**Predictor evidence**")
        _evidence(approval.get("evidence") or {})
        st.markdown("**Proposed actions**")
        _actions(approval["actions"])
        comment = st.text_input("Comment", key=f"comment-{approval['id']}")
        approve, reject = st.columns(2)
        decision = None
        if approve.button("Approve", key=f"approve-{approval['id']}", type="primary", disabled=not user_id):
            decision = "approve"
        if reject.button("Reject", key=f"reject-{approval['id']}", disabled=not user_id):
            decision = "reject"
        if decision:
            try:
                outcome = api.decide(approval["id"], decision=decision, comment=comment)
                st.session_state["flash"] = (
                    f"Approval {approval['id']}: {decision}d. Investigation "
                    f"{outcome['investigation_id']} is {outcome['investigation_status']}; "
                    f"work orders: {', '.join(outcome['work_orders']) or 'none'}"
                )
                st.rerun()
            except ApiError as exc:
                st.error(str(exc))


def main() -> None:
    st.set_page_config(page_title="Maintenance copilot", layout="wide")
    st.sidebar.title("Maintenance copilot")
    key = st.sidebar.text_input("API key", type="password", value=st.session_state.get("api_key", ""))
    st.session_state["api_key"] = key
    api = CopilotApi(api_key=key or None)
    user_id = ""
    if key:
        try:
            me = api.me()
            user_id = me["id"]
            st.sidebar.write(f"Signed in as **{me['name']}** ({me['role']})")
        except ApiError as exc:
            st.sidebar.error(str(exc))
    try:
        health = api.health()
        st.sidebar.caption(f"{health['site']} · answers in **{health['llm_mode']}** mode · API {api_url()}")
    except ApiError as exc:
        st.error(str(exc))
        return
    st.title("Pending approvals")
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    if not user_id:
        st.info("Enter your API key in the sidebar (`copilot keys create USER`); only operators may approve.")
        return
    approvals = api.approvals()
    if not approvals:
        st.write("Nothing waits for a decision.")
    for approval in approvals:
        approval_card(api, approval, user_id)
    st.header("Work orders")
    orders = api.work_orders()
    st.dataframe(
        [
            {
                "number": o["number"],
                "asset": o["asset_id"],
                "title": o["title"],
                "priority": o["priority"],
                "status": o["status"],
                "approver": o["approver"],
            }
            for o in orders
        ],
        hide_index=True,
        width="stretch",
    )


main()

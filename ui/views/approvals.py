"""Approvals: the queue of actions waiting for an operator, and the evidence card of the one opened."""

from __future__ import annotations

from typing import Any

import streamlit as st
from client import ApiError, CopilotApi
from components import SEVERITY_ORDER, ago, asset_label, assets_by_id, severity_badge, technicians
from evidence import approval_card, decisions
from session import error_box, require_user, show_flashes

SELECTED = "approval_selected"
LINKED = "_approval_linked"
VIEWED = "_approval_viewed_pending"


def _top_hypothesis(approval: dict[str, Any]) -> str:
    hypotheses = (approval.get("diagnosis") or {}).get("hypotheses") or []
    if hypotheses:
        top = hypotheses[0]
        return f"{top['name']} ({top['failure_code']}, p = {top['probability']:.2f})"
    request = (approval.get("evidence") or {}).get("request")
    if request:
        return f"Chat request by {request.get('requested_by', '?')}"
    return "no diagnosis"


def _reasons(approval: dict[str, Any]) -> str:
    reasons = [
        r for a in approval.get("actions", []) if a.get("requires_approval") for r in a.get("reasons", [])
    ]
    return "; ".join(dict.fromkeys(reasons)) or approval["summary"]


def _severity(approval: dict[str, Any]) -> str:
    return str((approval.get("evidence") or {}).get("severity") or "")


def _queue(approvals: list[dict[str, Any]], assets: dict[str, dict[str, Any]], selected: int | None) -> None:
    for approval in approvals:
        is_open = approval["id"] == selected
        with st.container(border=True, key=f"queue-{approval['id']}"):
            badge, text, action = st.columns([1, 6, 1.3], vertical_alignment="center")
            with badge:
                severity_badge(_severity(approval) or "request")
            text.markdown(
                f"**#{approval['id']} · {asset_label(assets, approval['asset_id'])}** — "
                f"{_top_hypothesis(approval)}  \n"
                f":gray[Needs approval: {_reasons(approval)} · requested {ago(approval['created_at'])}]"
            )
            if action.button(
                "Viewing" if is_open else "Open",
                key=f"open-{approval['id']}",
                type="primary" if is_open else "secondary",
                icon=":material/visibility:" if is_open else ":material/open_in_new:",
                width="stretch",
            ):
                st.session_state[SELECTED] = approval["id"]
                st.session_state[LINKED] = st.query_params["approval"] = str(approval["id"])
                st.rerun()


def _decided_elsewhere(api: CopilotApi, approval_id: int) -> None:
    """The approval on screen left the queue: someone else decided it (or it was withdrawn)."""
    try:
        gone = api.approval(approval_id)
        made = decisions(api.investigation(gone["investigation_id"]))
    except ApiError:
        return
    if gone["status"] != "pending":
        st.warning(
            f"Approval #{approval_id} was decided by someone else while you had it open: "
            f"{made[-1] if made else gone['status']}. Nothing was sent from you.",
            icon=":material/group:",
        )


def page() -> None:
    st.title("Approvals")
    api, me = require_user()
    show_flashes()
    decided_here = (st.session_state.pop("last_decision", None) or {}).get("approval_id")
    if decided_here:
        st.page_link("views/work_orders.py", label="See the work orders board", icon=":material/assignment:")

    try:
        pending = api.approvals("pending")
    except ApiError as exc:
        error_box(exc, "the approval queue could not be loaded")
        return
    pending.sort(key=lambda a: (SEVERITY_ORDER.get(_severity(a), 9), a["created_at"]))
    assets = assets_by_id(api)
    critical = sum(1 for a in pending if _severity(a) == "critical")
    oldest = min((a["created_at"] for a in pending), default=None)

    columns = st.columns(3)
    columns[0].metric("Pending approvals", len(pending), border=True)
    columns[1].metric("Critical", critical, border=True)
    columns[2].metric("Oldest waiting", ago(oldest) if oldest else "—", border=True)
    if me["role"] != "operator":
        st.caption("Only operators decide; you can read every approval and its evidence.")

    viewed = st.session_state.pop(VIEWED, None)  # the pending approval on screen in the last run
    if viewed is not None and viewed != decided_here and viewed not in {a["id"] for a in pending}:
        _decided_elsewhere(api, viewed)

    view = st.segmented_control(
        "Show", ["Pending", "Decided"], default="Pending", key="approvals-view", required=True
    )
    if view == "Decided":
        try:
            shown = [a for a in api.approvals("all") if a["status"] != "pending"]
        except ApiError as exc:
            error_box(exc, "decided approvals could not be loaded")
            return
        shown.sort(key=lambda a: a["id"], reverse=True)
        shown = shown[:30]
    else:
        shown = pending
    if not shown:
        st.success("Nothing waits for a decision." if view == "Pending" else "Nothing has been decided yet.")
        return

    ids = [a["id"] for a in shown]
    linked = st.query_params.get("approval", "")
    if linked.isdigit() and linked != st.session_state.get(LINKED):  # a link from another page wins
        st.session_state[LINKED] = linked
        st.session_state[SELECTED] = int(linked)
    wanted = st.session_state.get(SELECTED)
    if wanted not in ids:
        wanted = ids[0]
    st.session_state[SELECTED] = wanted

    st.subheader("Queue" if view == "Pending" else "Recently decided")
    _queue(shown, assets, wanted)
    st.divider()
    selected = next(a for a in shown if a["id"] == wanted)
    if selected["status"] == "pending":
        st.session_state[VIEWED] = selected["id"]
    approval_card(api, selected, me, assets=assets, techs=technicians(api))


page()

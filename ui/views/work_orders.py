"""Work orders: a board by status; technicians start and complete, operators also schedule and close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st
from client import ApiError, CopilotApi
from components import ago, asset_label, assets_by_id, fmt_ts, priority_badge, technicians
from session import error_box, flash, require_user, show_flashes

COLUMNS = ["open", "scheduled", "in_progress", "completed", "closed"]
TITLES = {
    "open": "Open",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
    "closed": "Closed",
}
# (label, target status, icon) per current status, for each role
TECHNICIAN_MOVES = {
    "open": [("Start work", "in_progress", ":material/play_arrow:")],
    "scheduled": [("Start work", "in_progress", ":material/play_arrow:")],
    "in_progress": [("Mark completed", "completed", ":material/task_alt:")],
}
OPERATOR_MOVES = {
    "open": [
        ("Schedule", "scheduled", ":material/event:"),
        ("Start work", "in_progress", ":material/play_arrow:"),
        ("Cancel", "cancelled", ":material/cancel:"),
    ],
    "scheduled": [
        ("Start work", "in_progress", ":material/play_arrow:"),
        ("Cancel", "cancelled", ":material/cancel:"),
    ],
    "in_progress": [("Mark completed", "completed", ":material/task_alt:")],
    "completed": [("Reopen", "in_progress", ":material/undo:")],
}


def _move(api: CopilotApi, order: dict[str, Any], status: str) -> None:
    try:
        updated = api.set_work_order_status(order["id"], status)
    except ApiError as exc:
        error_box(exc, f"{order['number']} was not moved")
        return
    flash(f"{updated['number']} is now {updated['status'].replace('_', ' ')}.")
    st.rerun()


def _close(api: CopilotApi, order: dict[str, Any]) -> None:
    with (
        st.popover("Close…", icon=":material/lock:", width="stretch"),
        st.form(key=f"close-{order['id']}", border=False),
    ):
        code = st.text_input(
            "Failure code found",
            value=order.get("failure_code") or "",
            help="The site's failure code of what was really wrong (the proposed one is filled in).",
        )
        comment = st.text_area("Comment", height=68)
        if st.form_submit_button("Close work order", type="primary"):
            if not code.strip():
                st.warning("Enter the failure code found.")
                return
            try:
                closed = api.close_work_order(order["id"], code.strip(), comment.strip())
            except ApiError as exc:
                error_box(exc, f"{order['number']} was not closed")
                return
            flash(f"{closed['number']} closed with failure code {closed.get('failure_code')}.")
            st.rerun()


def _card(
    api: CopilotApi,
    order: dict[str, Any],
    assignee: str | None,
    role: str,
    assets: dict[str, dict[str, Any]],
) -> None:
    with st.container(border=True, key=f"wo-{order['id']}"):
        st.markdown(f"**{order['number']}** · {asset_label(assets, order['asset_id'])}")
        priority_badge(int(order["priority"]))
        st.markdown(order["title"])
        st.caption(
            f"{order['estimated_hours']} h · {order['craft']} · "
            f"{assignee or 'nobody booked'} · approved by {order.get('approver') or '—'} · "
            f"updated {ago(order['updated_at'])}"
        )
        with st.expander("Details and lockout steps"):
            st.markdown(order.get("description") or "")
            st.caption(
                f"Failure code {order.get('failure_code') or '—'} · permits "
                f"{', '.join(order.get('permits') or []) or '—'} · requested by {order['requester']} · "
                f"created {fmt_ts(order['created_at'])}"
                + (f" · investigation #{order['investigation_id']}" if order.get("investigation_id") else "")
            )
            steps = order.get("safety_steps") or []
            if steps:
                st.markdown(":material/lock: **Lockout-tagout steps**")
                st.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
        moves = (OPERATOR_MOVES if role in ("operator", "admin") else TECHNICIAN_MOVES).get(
            order["status"], []
        )
        for label, status, icon in moves:
            if st.button(label, key=f"wo-{order['id']}-{status}", icon=icon, width="stretch"):
                _move(api, order, status)
        if order["status"] == "completed" and role in ("operator", "admin"):
            _close(api, order)


def page() -> None:
    st.title("Work orders")
    api, me = require_user()
    show_flashes()
    assets = assets_by_id(api)
    try:
        orders = api.work_orders()
        start = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        bookings = api.schedule(days=60, start=start)
    except ApiError as exc:
        error_box(exc, "the work orders could not be loaded")
        return
    names = {t["id"]: t["name"] for t in technicians(api)}
    assignees: dict[int, str] = {}
    for booking in bookings:
        assignees[booking["work_order_id"]] = (
            f"{names.get(booking['technician_id'], booking['technician_id'])} ({fmt_ts(booking['start'])})"
        )

    left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    asset = left.selectbox(
        "Asset",
        ["All", *assets],
        format_func=lambda a: a if a == "All" else asset_label(assets, a),
        key="wo-asset",
    )
    mine = middle.toggle(
        "Only mine",
        key="wo-mine",
        disabled=me["role"] != "technician",
        help="Work orders you are booked on (technicians).",
    )
    show_cancelled = right.toggle("Show cancelled", key="wo-cancelled")
    if asset != "All":
        orders = [o for o in orders if o["asset_id"] == asset]
    if mine:
        orders = [o for o in orders if me["name"] in assignees.get(o["id"], "")]
    if me["role"] == "technician":
        st.caption("Technicians start and complete work; an operator closes it with the failure code found.")
    else:
        st.caption("Operators schedule, cancel and close; technicians start and complete.")

    if not orders:
        st.info("No work orders yet: they are created when an operator approves a proposed action.")
    board = st.columns(len(COLUMNS))
    for column, status in zip(board, COLUMNS, strict=True):
        in_column = sorted(
            (o for o in orders if o["status"] == status), key=lambda o: (o["priority"], o["id"])
        )
        with column:
            st.markdown(f"#### {TITLES[status]} ({len(in_column)})")
            for order in in_column:
                _card(api, order, assignees.get(order["id"]), me["role"], assets)
    cancelled = [o for o in orders if o["status"] == "cancelled"]
    if show_cancelled and cancelled:
        st.markdown(f"#### Cancelled ({len(cancelled)})")
        st.dataframe(
            [
                {
                    "number": o["number"],
                    "asset": o["asset_id"],
                    "title": o["title"],
                    "updated": o["updated_at"],
                }
                for o in cancelled
            ],
            hide_index=True,
            width="stretch",
        )


page()

"""Streamlit app of the maintenance copilot: sign-in in the sidebar, then the pages (views/*.py).

It talks to the API over HTTP only (COPILOT_API_URL); the API key lives in this session's state only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

UI_DIR = Path(__file__).resolve().parent
if str(UI_DIR) not in sys.path:
    sys.path.insert(0, str(UI_DIR))

from client import ApiError  # noqa: E402
from session import api, sign_in, sign_out, user  # noqa: E402

LANDING = {"technician": "views/chat.py"}  # operators decide, technicians ask
JUST_SIGNED_IN = "_just_signed_in"


def _sidebar(health: dict | None, health_error: str | None) -> None:
    with st.sidebar:
        st.title("Maintenance copilot")
        me = user()
        if me is None:
            key = st.text_input(
                "API key",
                type="password",
                key="api_key_input",
                placeholder="cpk_…",
                help="Your personal key (`copilot keys create YOUR_USER_ID`). It stays in this browser "
                "session only.",
            )
            if key:
                try:
                    me = sign_in(key.strip())
                except ApiError as exc:
                    st.error(f"Sign-in refused: {exc.reason}")
                else:
                    st.session_state[JUST_SIGNED_IN] = me["role"]
                    st.rerun()
            else:
                st.caption("Paste your key and press Enter.")
        else:
            st.markdown(f"Signed in as **{me['name']}**")
            st.markdown(f"Role: **{me['role']}** · user id `{me['id']}`")
            if st.button("Sign out", key="sign-out", icon=":material/logout:"):
                sign_out()
                st.rerun()
        st.divider()
        if health is not None:
            mode = health["llm_mode"]
            st.markdown(
                f"Answers come from: **{mode}** mode"
                + (" (no LLM: extractive, cited)" if mode == "offline" else " (LLM endpoint)")
            )
            queued = health.get("investigations_queued", 0)
            st.caption(
                f"{health['site']} · API {api().base_url}"
                + (f" · {queued} investigation(s) queued" if queued else "")
            )
        else:
            st.error(f"The API does not answer: {health_error}")


def main() -> None:
    st.set_page_config(page_title="Maintenance copilot", page_icon=":material/build:", layout="wide")
    try:
        health, health_error = api().health(), None
    except ApiError as exc:
        health, health_error = None, exc.reason
    _sidebar(health, health_error)

    me = user()
    pending = None
    if me is not None:
        try:
            pending = len(api().approvals("pending"))
        except ApiError as exc:
            if exc.status == 401:  # the key was revoked: sign in again
                sign_out()
                st.rerun()
    landing = LANDING.get(me["role"] if me else "", "views/approvals.py")
    approvals_title = "Approvals" + (f" ({pending} pending)" if pending else "")
    pages = [
        st.Page(
            "views/approvals.py",
            title=approvals_title,
            icon=":material/fact_check:",
            url_path="approvals",
            default=landing == "views/approvals.py",
        ),
        st.Page(
            "views/chat.py",
            title="Chat",
            icon=":material/chat:",
            url_path="chat",
            default=landing == "views/chat.py",
        ),
        st.Page("views/alerts.py", title="Alert inbox", icon=":material/notifications:", url_path="alerts"),
        st.Page(
            "views/work_orders.py", title="Work orders", icon=":material/assignment:", url_path="workorders"
        ),
        st.Page(
            "views/assets.py", title="Assets", icon=":material/precision_manufacturing:", url_path="assets"
        ),
        st.Page("views/dashboard.py", title="Dashboard", icon=":material/monitoring:", url_path="dashboard"),
    ]
    current = st.navigation(pages, position="top")
    if st.session_state.pop(JUST_SIGNED_IN, None):
        st.switch_page(pages[0] if landing == "views/approvals.py" else pages[1])
    current.run()


main()

"""The signed-in session: the API key (kept in session state only), who it belongs to, flash messages."""

from __future__ import annotations

from typing import Any, Literal

import streamlit as st
from client import ApiError, CopilotApi

API_KEY = "api_key"
ME = "me"
_API = "_api"
_FLASH = "_flash"

FlashKind = Literal["success", "info", "warning", "error"]


def api() -> CopilotApi:
    """The client for this session's key (built once per key, dropped on sign-out)."""
    key = st.session_state.get(API_KEY) or None
    cached = st.session_state.get(_API)
    if cached is None or cached[0] != key:
        cached = (key, CopilotApi(api_key=key))
        st.session_state[_API] = cached
    return cached[1]


def sign_in(key: str) -> dict[str, Any]:
    """Check the key with GET /me; keep it (and who it is) in session state. ApiError when refused."""
    me = CopilotApi(api_key=key).me()
    st.session_state[API_KEY] = key
    st.session_state[ME] = me
    st.session_state.pop(_API, None)
    return me


def sign_out() -> None:
    """Forget the key and everything this session holds (threads, selections)."""
    cached = st.session_state.get(_API)
    if cached is not None:
        cached[1].close()
    st.session_state.clear()


def user() -> dict[str, Any] | None:
    """The signed-in user ({id, name, role}) or None."""
    return st.session_state.get(ME)


def role() -> str:
    me = user()
    return str(me["role"]) if me else ""


def is_operator() -> bool:
    return role() == "operator"


def require_user() -> tuple[CopilotApi, dict[str, Any]]:
    """The client and the user, or a sign-in prompt that stops the page."""
    me = user()
    if me is None:
        st.info(
            "**Sign in** with your API key in the sidebar (ask an administrator, or run "
            "`copilot keys create YOUR_USER_ID`)."
        )
        st.stop()
    return api(), me


def flash(message: str, kind: FlashKind = "success") -> None:
    """Show a message on the next run (after st.rerun())."""
    st.session_state.setdefault(_FLASH, []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop(_FLASH, []):
        getattr(st, kind)(message)


def error_box(exc: ApiError, doing: str) -> None:
    """An API error as a clear message: what failed, and the API's reason."""
    titles = {
        401: "You are not signed in (or the key was revoked)",
        403: "Not allowed",
        404: "Not found",
        409: "Already decided or changed by someone else",
        422: "The API refused the values",
    }
    title = titles.get(exc.status or 0, "The API could not do it")
    st.error(f"**{title}** — {doing}.  \n{exc.reason}", icon=":material/error:")

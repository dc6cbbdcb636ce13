"""Small pieces shared by the pages: time and status formatting, badges, cited sources, lookups."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import streamlit as st
from charts import to_datetime
from client import CopilotApi

T = TypeVar("T")

SEVERITY_COLOURS = {"critical": "red", "high": "orange", "medium": "yellow", "low": "gray"}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
STATUS_LABELS = {
    "pending_approval": "waiting for approval",
    "running": "investigating",
    "approved": "approved",
    "rejected": "rejected",
    "done": "done",
    "failed": "failed",
    "open": "open",
    "scheduled": "scheduled",
    "in_progress": "in progress",
    "completed": "completed",
    "closed": "closed",
    "cancelled": "cancelled",
    "pending": "waiting for a decision",
    "edited": "edited and approved",
    "more_evidence": "more evidence asked",
}
STATUS_COLOURS = {
    "pending_approval": "orange",
    "pending": "orange",
    "running": "blue",
    "approved": "green",
    "edited": "green",
    "done": "green",
    "rejected": "gray",
    "failed": "red",
    "more_evidence": "violet",
}
PRIORITY_LABELS = {1: "P1 emergency", 2: "P2 urgent", 3: "P3 normal", 4: "P4 planned"}
PRIORITY_COLOURS = {1: "red", 2: "orange", 3: "blue", 4: "gray"}


def fmt_ts(value: Any, *, seconds: bool = False) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM UTC`."""
    if value in (None, ""):
        return "—"
    moment = to_datetime(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def ago(value: Any) -> str:
    """How long ago, in words (`just now`, `12 min ago`, `3 h ago`, `2 d ago`)."""
    if value in (None, ""):
        return ""
    seconds = (datetime.now(UTC) - to_datetime(value)).total_seconds()
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h ago"
    return f"{seconds / 86400:.1f} d ago"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " "))


def severity_badge(severity: str | None) -> None:
    severity = severity or "unknown"
    st.badge(severity.upper(), color=SEVERITY_COLOURS.get(severity, "gray"))  # type: ignore[arg-type]


def status_badge(status: str) -> None:
    st.badge(status_label(status), color=STATUS_COLOURS.get(status, "blue"))  # type: ignore[arg-type]


def approval_link(approval_id: int) -> None:
    """A link that opens one approval in the approval queue."""
    st.page_link(
        "views/approvals.py",
        label=f"Open approval #{approval_id}",
        icon=":material/fact_check:",
        query_params={"approval": str(approval_id)},
    )


def priority_badge(priority: int) -> None:
    st.badge(PRIORITY_LABELS.get(priority, f"P{priority}"), color=PRIORITY_COLOURS.get(priority, "gray"))  # type: ignore[arg-type]


def session_cached(name: str, loader: Callable[[], T], ttl_s: float = 120.0) -> T:
    """Keep a slow-changing lookup in this session for `ttl_s` seconds (never shared between users)."""
    slot = f"_cache:{name}"
    entry = st.session_state.get(slot)
    if entry is None or time.monotonic() - entry[0] > ttl_s:
        entry = (time.monotonic(), loader())
        st.session_state[slot] = entry
    return entry[1]  # type: ignore[no-any-return]


def assets_by_id(api: CopilotApi) -> dict[str, dict[str, Any]]:
    return session_cached("assets", lambda: {a["id"]: a for a in api.assets()}, ttl_s=600)


def technicians(api: CopilotApi) -> list[dict[str, Any]]:
    return session_cached("technicians", api.technicians, ttl_s=60)


def asset_label(assets: dict[str, dict[str, Any]], asset_id: str) -> str:
    asset = assets.get(asset_id)
    return f"{asset_id} · {asset['name']}" if asset else asset_id


def citation_title(citation: dict[str, Any]) -> str:
    """`MAN-PUMP § 5. Troubleshooting [MAN-PUMP#9]`, or an incident with the start of its text."""
    ref = citation.get("ref") or citation.get("doc_id", "")
    doc_id = citation.get("doc_id", "")
    section = citation.get("section") or ""
    if section == "incident" or doc_id.startswith("INC-"):
        text = " ".join((citation.get("text") or "").split())
        text = text.removeprefix("Symptom:").strip()
        gist = f" — {text[:70]}…" if len(text) > 70 else (f" — {text}" if text else "")
        return f"{doc_id or ref}{gist}"
    return f"{doc_id} § {section} [{ref}]" if section else f"{doc_id} [{ref}]"


def citation_short(citation: dict[str, Any]) -> str:
    """`INC-0005`, or `MAN-PUMP § 5. Troubleshooting`."""
    section = citation.get("section") or ""
    doc_id = citation.get("doc_id") or citation.get("ref", "")
    return doc_id if section in ("", "incident") else f"{doc_id} § {section}"


def citation_expander(citation: dict[str, Any], *, expanded: bool = False, suffix: str = "") -> None:
    """A cited source, with its text when the API gave it."""
    with st.expander(citation_title(citation) + suffix, expanded=expanded, icon=":material/menu_book:"):
        text = citation.get("text") or ""
        if text:
            st.markdown(text)
        else:
            st.caption("The API gives this source's reference, not its text.")
        st.caption(
            f"Reference `{citation.get('ref', '')}`"
            + (f" · knowledge source: {citation['source']}" if citation.get("source") else "")
        )

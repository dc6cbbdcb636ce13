"""Chat: ask the copilot about an asset, an alert or a procedure; answers stream in with their sources."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import streamlit as st
from client import ApiError, CopilotApi
from components import approval_link, citation_expander
from session import require_user

THREADS = "chat_threads"
CURRENT = "chat_current"
TITLES = "chat_titles"
PICK = "chat-thread"  # the selectbox's own state, which Streamlit drops on other pages
EXAMPLES = [
    "How do I lock out P-101 before changing the bearings?",
    "Why did P-101 alert?",
    "What failed last time on C-302?",
]


def _new_thread() -> None:
    """Start a thread (the API keeps its memory per thread id) and show it."""
    thread_id = f"ui-{uuid.uuid4().hex[:10]}"
    threads = st.session_state.setdefault(THREADS, {})
    threads[thread_id] = []
    st.session_state[TITLES] = {
        **st.session_state.get(TITLES, {}),
        thread_id: f"Conversation {len(threads)} · started {datetime.now(UTC):%H:%M} UTC",
    }
    st.session_state[CURRENT] = thread_id


def _picked() -> None:
    titles = st.session_state[TITLES]
    st.session_state[CURRENT] = next(t for t, title in titles.items() if title == st.session_state[PICK])


def _answer_details(answer: dict[str, Any]) -> None:
    """Mode, refusal, fallback, proposals and sources of one answer."""
    mode = answer.get("mode", "?")
    st.badge(f"answered in {mode} mode", color="gray" if mode == "offline" else "blue")
    if answer.get("refused"):
        st.warning(f"**Refused:** {answer.get('reason') or 'no reason given'}", icon=":material/block:")
    if answer.get("fallback"):
        st.info(f"The offline path answered: {answer['fallback']}")
    for action in answer.get("proposed_actions") or []:
        if action.get("forbidden"):
            st.error(f"Not allowed: {action['summary']} ({'; '.join(action.get('reasons', []))})")
        elif action.get("approval_id"):
            with st.container(border=True):
                st.markdown(
                    f":material/hourglass_top: **Waiting for approval #{action['approval_id']}**: {action['summary']}  \n"
                    f":gray[{'; '.join(action.get('reasons', []))}. Nothing has been done yet.]"
                )
                approval_link(action["approval_id"])
        else:
            st.markdown(f"Proposed: {action['summary']}")
    citations = answer.get("citations") or []
    if citations:
        st.caption(f"Sources ({len(citations)})")
        for citation in citations:
            citation_expander(citation)


def _stream(api: CopilotApi, message: str, thread_id: str, holder: dict[str, Any]) -> Iterator[str]:
    """Yield the answer's text as tokens arrive; the final `answer` event lands in holder."""
    for event in api.chat_stream(message, thread_id):
        if event.get("type") == "token":
            yield event.get("text", "")
        elif event.get("type") == "answer":
            holder["answer"] = event


def page() -> None:
    st.title("Chat")
    api, me = require_user()
    threads: dict[str, list[dict[str, Any]]] = st.session_state.setdefault(THREADS, {})
    if st.session_state.get(CURRENT) not in threads:
        _new_thread()
    current = st.session_state[CURRENT]
    titles: dict[str, str] = st.session_state[TITLES]
    st.session_state[PICK] = titles[current]  # options are titles: stable labels, one per thread

    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.selectbox(
        "Conversation (kept for this session)",
        [titles[t] for t in threads],
        key=PICK,
        on_change=_picked,
    )
    right.button("New conversation", icon=":material/add:", width="stretch", on_click=_new_thread)
    st.caption(
        "Answers cite the manuals and past incidents. Anything that changes the plant is only proposed: "
        "an operator approves it first."
    )

    messages = threads[current]
    for message in messages:
        with st.chat_message(message["role"]):
            st.markdown(message["text"])
            if message.get("answer"):
                _answer_details(message["answer"])

    prompt = st.chat_input("Ask about an asset, an alert or a procedure", key="chat-input")
    if not messages and not prompt:
        st.caption("Try one of these:")
        for number, example in enumerate(EXAMPLES):
            if st.button(example, key=f"example-{number}", icon=":material/help:", type="tertiary"):
                prompt = example
    if not prompt:
        return
    messages.append({"role": "user", "text": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        holder: dict[str, Any] = {}
        try:
            streamed = st.write_stream(_stream(api, prompt, current, holder))
        except ApiError as exc:
            st.error(f"The copilot could not answer: {exc.reason}")
            messages.append(
                {
                    "role": "assistant",
                    "text": f":material/warning: The copilot could not answer: {exc.reason}",
                }
            )
            return
        answer = holder.get("answer") or {}
        text = answer.get("answer") or (streamed if isinstance(streamed, str) else "")
        if not streamed and text:
            st.markdown(text)
        _answer_details(answer)
    messages.append({"role": "assistant", "text": text, "answer": answer})


page()

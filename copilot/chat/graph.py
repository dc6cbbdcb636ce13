"""The chat graph: one node answers a turn; the thread's messages and context are checkpointed (memory)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from copilot.chat.agent import run_agent
from copilot.chat.intents import requested_action
from copilot.chat.offline import ChatContext, OfflineChat, Turn
from copilot.chat.safe_path import SafePath, is_safety_refusal, safe_path
from copilot.chat.schemas import ChatAnswer, ChatCitation
from copilot.errors import LLMError
from copilot.guards import Guards, InputVerdict, citation_keys
from copilot.guards.intent import SAFETY_INTENT_REASON
from copilot.llm.base import ChatProvider
from copilot.schemas import Passage
from copilot.services import Services

log = logging.getLogger(__name__)

# Intents whose answers state facts from the knowledge base, so they must cite it.
KNOWLEDGE_INTENTS = frozenset({"procedure", "alarm_code", "troubleshoot", "general", "agent"})


class ChatState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation so far (the thread's memory)."""
    context: dict[str, Any]
    """What the conversation is about: asset, asset class, failure code (ChatContext)."""
    answer: dict[str, Any]
    """The last answer (ChatAnswer)."""


@dataclass(frozen=True)
class ChatRuntime:
    services: Services
    user_id: str
    thread_id: str
    role: str = "technician"
    streaming: bool = False


def to_answer(
    turn: Turn, *, mode: Literal["offline", "openai"], thread_id: str, fallback: str | None = None
) -> ChatAnswer:
    return ChatAnswer(
        answer=turn.answer,
        mode=mode,
        intent=turn.intent,
        thread_id=thread_id,
        citations=_citations(turn.passages),
        refused=turn.refused,
        reason=turn.reason,
        proposed_actions=turn.proposals,
        fallback=fallback,
    )


def respond(state: ChatState, runtime: Runtime[ChatRuntime]) -> dict[str, Any]:
    """Answer the last human message: the LLM agent when one is configured, else (or on failure) offline.

    The answer passes the output guards: a safety-defeating instruction is refused, personal data is
    redacted, and an LLM answer with uncited or unknown claims is asked again once, then answered offline.
    """
    ctx = runtime.context
    services = ctx.services
    message = state["messages"][-1]
    text = message.content if isinstance(message.content, str) else str(message.content)
    context = ChatContext(**(state.get("context") or {}))
    offline = OfflineChat(services)
    answer: ChatAnswer | None = None
    fallback = None
    if isinstance(services.provider, ChatProvider):
        feedback = None
        for _attempt in range(2):
            try:
                agent = run_agent(
                    services,
                    history=state["messages"],
                    user_id=ctx.user_id,
                    role=ctx.role,
                    streaming=ctx.streaming,
                    feedback=feedback,
                )
            except LLMError as exc:
                log.warning("chat %s: the LLM failed (%s); the offline router answers", ctx.thread_id, exc)
                fallback = f"{type(exc).__name__}: {exc}"
                break
            candidate = ChatAnswer(
                answer=agent.answer,
                mode="openai",
                intent="agent",
                thread_id=ctx.thread_id,
                citations=_citations(agent.passages),
                proposed_actions=agent.proposals,
            )
            candidate, feedback = _check_answer(services, candidate, agent.retrieved, ctx.thread_id)
            if feedback is None:
                answer = candidate
                break
        else:
            fallback = f"the LLM's answer failed the guards twice ({feedback}); answered offline"
    turn = offline.answer(text, user_id=ctx.user_id, context=context, route_only=answer is not None)
    if answer is None:
        answer, problems = _check_answer(
            services,
            to_answer(turn, mode="offline", thread_id=ctx.thread_id, fallback=fallback),
            turn.passages,
            ctx.thread_id,
        )
        if problems:
            log.info("chat %s: the offline answer has uncited statements: %s", ctx.thread_id, problems)
    return {
        "messages": [AIMessage(content=answer.answer)],
        "context": {
            "asset_id": turn.context.asset_id,
            "asset_class": turn.context.asset_class,
            "failure_code": turn.context.failure_code,
        },
        "answer": answer.model_dump(mode="json"),
    }


ChatGraph = CompiledStateGraph[ChatState, ChatRuntime, ChatState, ChatState]


def build_chat_graph(*, checkpointer: BaseCheckpointSaver | None) -> ChatGraph:
    graph = StateGraph(ChatState, context_schema=ChatRuntime)
    graph.add_node("respond", respond)
    graph.add_edge(START, "respond")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)


def chat(
    services: Services, message: str, *, thread_id: str, user_id: str, role: str = "technician"
) -> ChatAnswer:
    """Answer one message in a thread; the thread remembers the conversation across calls and restarts.

    The message passes the input guards first: an injection, a safety-defeating request, a request for
    someone's personal data or an off-topic request is refused with the reason (and never reaches the
    thread); personal data in an ordinary question is redacted before anything is stored.
    """
    verdict = check_message(
        services.guards, message, thread_id=thread_id, follow_up=in_conversation(services, thread_id)
    )
    refusal = input_refusal(verdict)
    if refusal is not None:
        return _refused(services, thread_id, refusal, verdict)
    result = services.chat_graph.invoke(
        {"messages": [HumanMessage(content=verdict.text)]},
        {"configurable": {"thread_id": f"chat-{thread_id}"}},
        context=ChatRuntime(services, user_id, thread_id, role),
    )
    return _with_claim_note(ChatAnswer.model_validate(result["answer"]), verdict)


def check_message(
    guards: Guards, message: str, *, thread_id: str | None, follow_up: bool = False
) -> InputVerdict:
    """The input guards' verdict on a message, told which write it asks for: planned work (a work order, a
    booking) that only the classifiers flag goes to the approval queue with a caution instead of being refused.
    follow_up: the thread already holds an answered exchange (`in_conversation`)."""
    return guards.check_input(
        message, thread_id=thread_id, write=requested_action(message), follow_up=follow_up
    )


def in_conversation(services: Services, thread_id: str) -> bool:
    """Whether the chat thread already holds an exchange; refused messages never enter it, so it is one the
    copilot answered."""
    state = services.chat_graph.get_state({"configurable": {"thread_id": f"chat-{thread_id}"}})
    return bool(state.values.get("messages"))


def input_refusal(verdict: InputVerdict) -> str | None:
    """Why the message is refused before routing, if it is: a guard refused it, or it claims an approval
    without asking for anything the approval queue could take."""
    if not verdict.allowed:
        return verdict.reason or "the request is not allowed"
    if verdict.approval_claim and requested_action(verdict.text) is None:  # a caution comes only with a claim
        return (
            f"I can't help with that: {SAFETY_INTENT_REASON}."
            if verdict.caution
            else f"{verdict.approval_claim}."
        )
    return None


def _claim_note(verdict: InputVerdict) -> str:
    notes = []
    if verdict.approval_claim:
        notes.append(f"Note: {verdict.approval_claim}; your request is in that queue, not done.")
    if verdict.caution:
        notes.append(
            "Note: the guards' classifiers read this request as possibly unsafe, so the operator is asked to check "
            "it before deciding; nothing is done until then."
        )
    return "\n".join(notes) + "\n\n" if notes else ""


def _with_claim_note(answer: ChatAnswer, verdict: InputVerdict) -> ChatAnswer:
    """A request that came with a claimed approval is answered with why the claim changes nothing."""
    note = _claim_note(verdict)
    return (
        answer.model_copy(update={"answer": note + answer.answer}) if note and not answer.refused else answer
    )


def _citations(passages: list[Passage]) -> list[ChatCitation]:
    citations, seen = [], set()
    for passage in passages:
        if passage.citation.ref not in seen:
            seen.add(passage.citation.ref)
            citations.append(
                ChatCitation(
                    doc_id=passage.citation.doc_id,
                    section=passage.citation.section,
                    ref=passage.citation.ref,
                    source=passage.citation.source,
                    text=passage.text[:1500],
                )
            )
    return citations


def chat_stream(
    services: Services, message: str, *, thread_id: str, user_id: str, role: str = "technician"
) -> Iterator[dict[str, Any]]:
    """Answer one message as a stream of events: {"type": "token", "text"} ..., then {"type": "answer", ...}.

    With an LLM the tokens are the model's, as it writes them; offline the answer comes line by line.
    """
    verdict = check_message(
        services.guards, message, thread_id=thread_id, follow_up=in_conversation(services, thread_id)
    )
    refusal = input_refusal(verdict)
    if refusal is not None:
        refused = _refused(services, thread_id, refusal, verdict)
        yield {"type": "token", "text": refused.answer}
        yield {"type": "answer", **refused.model_dump(mode="json")}
        return
    if verdict.approval_claim or verdict.caution:
        yield {"type": "token", "text": _claim_note(verdict)}
    message = verdict.text
    runtime = ChatRuntime(services, user_id, thread_id, role, streaming=True)
    final: dict[str, Any] | None = None
    streamed = False
    for mode, chunk in services.chat_graph.stream(
        {"messages": [HumanMessage(content=message)]},
        {"configurable": {"thread_id": f"chat-{thread_id}"}},
        context=runtime,
        stream_mode=["messages", "values"],
    ):
        if mode == "messages":
            token = chunk[0] if isinstance(chunk, tuple) else None
            if isinstance(token, AIMessageChunk) and isinstance(token.content, str) and token.content:
                streamed = True
                yield {"type": "token", "text": token.content}
        elif mode == "values" and isinstance(chunk, dict) and "answer" in chunk:
            final = chunk["answer"]
    if final is None:
        raise RuntimeError(f"chat thread {thread_id} produced no answer")
    answer = ChatAnswer.model_validate(final)
    if not streamed or answer.mode == "offline":
        for line in answer.answer.splitlines(keepends=True):
            yield {"type": "token", "text": line}
    yield {"type": "answer", **_with_claim_note(answer, verdict).model_dump(mode="json")}


def _check_answer(
    services: Services, answer: ChatAnswer, retrieved: list[Passage], thread_id: str
) -> tuple[ChatAnswer, str | None]:
    """Run the output guards; return the answer to give (fixed or refused) and the reason to re-ask, if any."""
    verdict = services.guards.check_answer(
        answer.answer,
        allowed_refs=citation_keys(retrieved),
        known_assets=services.registry.ids(),
        require_citations=answer.intent in KNOWLEDGE_INTENTS and bool(retrieved),
        thread_id=thread_id,
    )
    if verdict.reaction == "refuse":
        return answer.model_copy(
            update={"answer": verdict.text, "refused": True, "reason": verdict.reason, "proposed_actions": []}
        ), None
    if verdict.reaction == "fix":
        return answer.model_copy(update={"answer": verdict.text}), None
    if verdict.reaction == "reask":
        return answer, "; ".join(verdict.problems) or verdict.reason or "the answer failed a guard"
    return answer, None


REFUSAL_PREFIX = "I can't help with that: "


def _refused(services: Services, thread_id: str, reason: str, verdict: InputVerdict) -> ChatAnswer:
    """A refusal: the answer says so once, then why; `reason` is the why alone. A message stopped for safety
    alone also gets the named equipment's safety notes and the manual section nearest it (`safe_path`)."""
    reason = reason.removeprefix(REFUSAL_PREFIX)
    way_on = safe_path(services, verdict.text) if is_safety_refusal(verdict) else SafePath()
    return ChatAnswer(
        answer=REFUSAL_PREFIX + reason + (f"\n\n{way_on.text}" if way_on.text else ""),
        mode=services.provider.mode,  # type: ignore[arg-type]
        intent="refused",
        thread_id=thread_id,
        citations=_citations(way_on.passages),
        refused=True,
        reason=reason,
    )

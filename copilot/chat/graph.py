"""The chat graph: one node answers a turn; the thread's messages and context are checkpointed (memory)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from copilot.chat.offline import ChatContext, OfflineChat, Turn
from copilot.chat.schemas import ChatAnswer, ChatCitation
from copilot.services import Services


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


def to_answer(
    turn: Turn, *, mode: Literal["offline", "openai"], thread_id: str, fallback: str | None = None
) -> ChatAnswer:
    citations, seen = [], set()
    for passage in turn.passages:
        if passage.citation.ref not in seen:
            seen.add(passage.citation.ref)
            citations.append(
                ChatCitation(
                    doc_id=passage.citation.doc_id,
                    section=passage.citation.section,
                    ref=passage.citation.ref,
                    source=passage.citation.source,
                )
            )
    return ChatAnswer(
        answer=turn.answer,
        mode=mode,
        intent=turn.intent,
        thread_id=thread_id,
        citations=citations,
        refused=turn.refused,
        reason=turn.reason,
        proposed_actions=turn.proposals,
        fallback=fallback,
    )


def respond(state: ChatState, runtime: Runtime[ChatRuntime]) -> dict[str, Any]:
    """Answer the last human message (offline router; the LLM agent when one is configured)."""
    ctx = runtime.context
    message = state["messages"][-1]
    text = message.content if isinstance(message.content, str) else str(message.content)
    context = ChatContext(**(state.get("context") or {}))
    turn = OfflineChat(ctx.services).answer(text, user_id=ctx.user_id, context=context)
    answer = to_answer(turn, mode="offline", thread_id=ctx.thread_id)
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


def chat(services: Services, message: str, *, thread_id: str, user_id: str) -> ChatAnswer:
    """Answer one message in a thread; the thread remembers the conversation across calls and restarts."""
    result = services.chat_graph.invoke(
        {"messages": [HumanMessage(content=message)]},
        {"configurable": {"thread_id": f"chat-{thread_id}"}},
        context=ChatRuntime(services, user_id, thread_id),
    )
    return ChatAnswer.model_validate(result["answer"])

"""The provider's chat model over the wire: tool calling and streaming, as the chat agent uses them."""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from copilot.llm.openai_provider import OpenAIProvider
from tests.fakes.openai_server import FakeOpenAI, Usage


@tool
def get_asset(asset_id: str) -> str:
    """Look up an asset in the registry."""
    return f"{asset_id}: centrifugal pump, boiler house"


@tool
def search_manual(query: str, limit: int = 3) -> str:
    """Search the manuals."""
    return "MAN-PUMP#7 Replace the bearings."


def test_bind_tools_receives_a_tool_call(provider: OpenAIProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.call_tool("get_asset", {"asset_id": "P-101"}, id="call_a1")

    reply = provider.chat_model().bind_tools([get_asset, search_manual]).invoke("Where is P-101?")

    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == [
        {"name": "get_asset", "args": {"asset_id": "P-101"}, "id": "call_a1", "type": "tool_call"}
    ]
    sent = fake_openai.last_request
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_asset", "search_manual"]
    assert sent["tools"][1]["function"]["parameters"]["required"] == ["query"]


def test_a_tool_trajectory_round_trips(provider: OpenAIProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.call_tools(("get_asset", {"asset_id": "P-101"}), ("search_manual", {"query": "bearing"}))
    fake_openai.reply("P-101 is in the boiler house; see MAN-PUMP#7.", usage=Usage(50, 12))
    model = provider.chat_model().bind_tools([get_asset, search_manual])

    messages: list = [HumanMessage("Where is P-101 and how do I change its bearings?")]
    first = model.invoke(messages)
    assert isinstance(first, AIMessage)
    assert [c["name"] for c in first.tool_calls] == ["get_asset", "search_manual"]
    tools = {"get_asset": get_asset, "search_manual": search_manual}
    messages += [first] + [
        ToolMessage(tools[c["name"]].invoke(c["args"]), tool_call_id=c["id"] or "") for c in first.tool_calls
    ]
    final = model.invoke(messages)

    assert final.content == "P-101 is in the boiler house; see MAN-PUMP#7."
    sent = fake_openai.messages()
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
    assert sent[2]["content"] == "P-101: centrifugal pump, boiler house"
    assert provider.calls == 2 and provider.usage.completion_tokens >= 12


def test_unanswered_tool_calls_are_refused_like_openai(
    provider: OpenAIProvider, fake_openai: FakeOpenAI
) -> None:
    fake_openai.call_tool("get_asset", {"asset_id": "P-101"}, id="call_x")
    fake_openai.reply("never sent")
    model = provider.chat_model().bind_tools([get_asset])
    first = model.invoke("Where is P-101?")

    try:
        model.invoke([HumanMessage("Where is P-101?"), first, HumanMessage("well?")])
    except Exception as exc:  # the raw SDK error: the agent owns its own error handling
        assert "call_x" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the fake server accepted an unanswered tool call")


def test_streaming_yields_text_chunks_in_order(provider: OpenAIProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(["Bearing ", "wear ", "is ", "likely."], usage=Usage(30, 4))

    chunks = list(provider.chat_model(streaming=True).stream("What is wrong with P-101?"))

    texts = [c.content for c in chunks if c.content]
    assert texts == ["Bearing ", "wear ", "is ", "likely."]
    assert fake_openai.last_request["stream"] is True
    assert fake_openai.last_request["stream_options"] == {"include_usage": True}
    assert provider.usage.prompt_tokens == 30 and provider.usage.completion_tokens == 4


def test_streamed_tool_calls_are_assembled(provider: OpenAIProvider, fake_openai: FakeOpenAI) -> None:
    fake_openai.call_tool("search_manual", {"query": "mechanical seal replacement", "limit": 2}, id="call_s")

    model = provider.chat_model(streaming=True).bind_tools([search_manual])
    merged: AIMessageChunk | None = None
    for chunk in model.stream("How do I replace the seal?"):
        assert isinstance(chunk, AIMessageChunk)
        merged = chunk if merged is None else merged + chunk

    assert merged is not None
    assert merged.tool_calls == [
        {
            "name": "search_manual",
            "args": {"query": "mechanical seal replacement", "limit": 2},
            "id": "call_s",
            "type": "tool_call",
        }
    ]


async def _astream_text(provider: OpenAIProvider) -> list[str]:
    return [str(c.content) async for c in provider.chat_model(streaming=True).astream("hi") if c.content]


def test_async_streaming(provider: OpenAIProvider, fake_openai: FakeOpenAI) -> None:
    import asyncio

    fake_openai.reply("Three word answer")

    assert asyncio.run(_astream_text(provider)) == ["Three ", "word ", "answer"]

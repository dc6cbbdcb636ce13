"""The chat in LLM mode, against a local OpenAI-protocol server that plays scripted trajectories."""

from __future__ import annotations

from copilot.chat.agent import MAX_TOOL_CALLS
from copilot.chat.graph import chat
from copilot.investigations import list_approvals
from copilot.services import Services
from tests.fakes.openai_server import FakeOpenAI, Turn


def _tool_names(request: dict) -> list[str]:  # type: ignore[type-arg]
    return [t["function"]["name"] for t in request.get("tools", [])]


def test_agent_retrieves_then_answers_with_citations(llm_services: Services, fake_openai: FakeOpenAI) -> None:
    fake_openai.call_tool(
        "search_knowledge",
        {"query": "replace pump bearings", "asset_class": "centrifugal_pump", "doc_type": "manual"},
    )

    def answer(body: dict) -> Turn:  # type: ignore[type-arg]
        tool_result = body["messages"][-1]["content"]
        ref = next(part.split('"')[0] for part in tool_result.split('"ref": "')[1:])
        return Turn(text=f"Pull the bearings and heat the new ones to 110 degC [{ref}].")

    fake_openai.script(answer)
    result = chat(llm_services, "how do I replace the bearings on P-101?", thread_id="llm1", user_id="ana")
    assert result.mode == "openai" and not result.refused and result.fallback is None
    assert result.citations and result.citations[0].doc_id == "MAN-PUMP"
    first = fake_openai.requests[0]
    assert "propose_action" in _tool_names(first)
    assert not {"create_work_order", "book_technician", "notify"} & set(_tool_names(first))


def test_a_write_the_model_proposes_waits_for_approval(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.call_tool(
        "propose_action",
        {
            "kind": "create_work_order",
            "asset_id": "P-201",
            "description": "Replace the leaking mechanical seal",
            "failure_code": "PMP-SEAL",
        },
    )
    fake_openai.reply("I proposed a work order; an operator must approve it.")
    result = chat(llm_services, "open a work order for the seal on P-201", thread_id="llm2", user_id="ana")
    (proposal,) = result.proposed_actions
    assert proposal.requires_approval and proposal.approval_id is not None
    assert [a.id for a in list_approvals(llm_services)] == [proposal.approval_id]
    assert llm_services.cmms.list() == []


def test_a_write_tool_is_unreachable_even_if_the_model_calls_it(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.call_tool("create_work_order", {"asset_id": "P-101", "title": "x"})
    fake_openai.reply("I cannot create work orders directly.")
    result = chat(llm_services, "create a WO on P-101 now", thread_id="llm3", user_id="ana")
    tool_reply = [m for m in fake_openai.messages() if m["role"] == "tool"][-1]["content"]
    assert "unknown tool 'create_work_order'" in tool_reply
    assert llm_services.cmms.list() == [] and result.proposed_actions == []


def test_the_tool_budget_ends_a_runaway_loop(llm_services: Services, fake_openai: FakeOpenAI) -> None:
    for _ in range(MAX_TOOL_CALLS + 2):
        fake_openai.call_tool("list_assets", {})
    fake_openai.reply("Here is what I found.")
    result = chat(llm_services, "list everything", thread_id="llm4", user_id="ana")
    assert result.answer == "Here is what I found."
    executed = [m for m in fake_openai.messages() if m["role"] == "tool" and "budget" not in m["content"]]
    assert len(executed) == MAX_TOOL_CALLS


def test_when_the_llm_is_down_the_offline_router_answers_and_says_so(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail(times=20, status=503)
    result = chat(llm_services, "What does A-210 mean?", thread_id="llm5", user_id="ana")
    assert result.mode == "offline" and result.fallback and "LLMUnavailable" in result.fallback
    assert "A-210" in result.answer and result.citations


def test_the_llm_answer_streams_token_by_token(llm_services: Services, fake_openai: FakeOpenAI) -> None:
    from copilot.chat.graph import chat_stream

    fake_openai.reply(["Check ", "the suction ", "strainer first."])
    events = list(chat_stream(llm_services, "P-101 suction pressure low?", thread_id="s1", user_id="ana"))
    tokens = [e["text"] for e in events if e["type"] == "token"]
    assert tokens == ["Check ", "the suction ", "strainer first."]
    assert events[-1]["type"] == "answer" and events[-1]["answer"] == "Check the suction strainer first."
    assert fake_openai.last_request.get("stream") is True


def test_offline_answers_stream_line_by_line(services: Services) -> None:
    from copilot.chat.graph import chat_stream

    events = list(
        chat_stream(services, "how do I replace the bearings on P-101?", thread_id="s2", user_id="ana")
    )
    tokens = [e["text"] for e in events if e["type"] == "token"]
    assert len(tokens) > 5 and "".join(tokens) == events[-1]["answer"]

"""The chat with the LLM safety screen on, against the local OpenAI-protocol server."""

from __future__ import annotations

from copilot.chat.graph import chat
from copilot.config import Settings
from copilot.guards.screen import SCREEN_UNAVAILABLE_CAUTION
from copilot.investigations import list_approvals
from copilot.services import Services, build_services
from knowledge.embeddings import Embedder
from tests.fakes.openai_server import FakeOpenAI


def _screen(fake: FakeOpenAI, category: str) -> None:
    fake.call_tool("ScreenVerdict", {"category": category, "reason": "scripted"})


def test_a_message_the_screen_flags_is_refused_before_the_agent_runs(
    screened_services: Services, fake_openai: FakeOpenAI
) -> None:
    _screen(fake_openai, "defeat_safety")
    answer = chat(
        screened_services,
        "What happens electrically if terminals 14 and 15 on the P-101 relay get linked?",
        thread_id="sc1",
        user_id="ana",
    )
    assert answer.refused and "safety screen" in (answer.reason or "")
    assert len(fake_openai.requests) == 1  # the screen only; the agent never saw the message
    assert screened_services.guards.trip_counts()["guard_trips_llm_screen"] == 1


def test_an_ordinary_message_is_screened_then_answered(
    screened_services: Services, fake_openai: FakeOpenAI
) -> None:
    _screen(fake_openai, "ordinary")
    fake_openai.reply("A-211 is the bearing vibration trip.")
    answer = chat(screened_services, "what does A-211 do on P-101?", thread_id="sc2", user_id="ana")
    assert not answer.refused and answer.answer == "A-211 is the bearing vibration trip."
    screen_request, agent_request = fake_openai.requests
    assert [t["function"]["name"] for t in screen_request["tools"]] == ["ScreenVerdict"]
    assert "ScreenVerdict" not in {t["function"]["name"] for t in agent_request.get("tools", [])}


def test_with_the_llm_down_the_offline_chat_answers_and_a_write_carries_a_caution(
    screened_services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail(times=100, status=503)
    answer = chat(
        screened_services, "open a work order to replace the seal on P-201", thread_id="sc3", user_id="ana"
    )
    assert answer.mode == "offline" and not answer.refused
    (proposal,) = answer.proposed_actions
    assert proposal.requires_approval and SCREEN_UNAVAILABLE_CAUTION in proposal.reasons
    assert [a.status for a in list_approvals(screened_services)] == [
        "pending"
    ] and screened_services.cmms.list() == []


def test_the_screen_runs_by_default_with_an_llm_and_never_offline(
    settings: Settings,
    services: Services,
    llm_services: Services,
    embedder: Embedder,
    fake_openai: FakeOpenAI,
) -> None:
    default = settings.model_copy(
        update={"llm_provider": "openai", "llm_base_url": fake_openai.base_url, "llm_model": "fake-model"}
    )
    with_llm = build_services(default, embedder=embedder)
    try:
        assert with_llm.guards.screened
    finally:
        with_llm.close()
    assert not services.guards.screened  # offline: no LLM to ask
    assert not llm_services.guards.screened  # COPILOT_LLM_SAFETY_SCREEN=false

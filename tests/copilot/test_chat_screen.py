"""The chat with the LLM safety screen on, against the local OpenAI-protocol server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from copilot.chat.graph import chat
from copilot.config import Settings
from copilot.guards.screen import SCREEN_UNAVAILABLE_CAUTION
from copilot.investigations import list_approvals
from copilot.services import Services, build_services
from knowledge.embeddings import Embedder
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def screened(settings: Settings, embedder: Embedder, fake_openai: FakeOpenAI) -> Iterator[Services]:
    """Services on the fake LLM with the screen on, as a deployment with an LLM has it by default."""
    configured = settings.model_copy(
        update={
            "llm_provider": "openai",
            "llm_base_url": fake_openai.base_url,
            "llm_model": "fake-model",
            "llm_timeout_s": 5.0,
        }
    )
    assert configured.llm_safety_screen
    services = build_services(configured, embedder=embedder)
    yield services
    services.close()


def _screen(fake: FakeOpenAI, category: str) -> None:
    fake.call_tool("ScreenVerdict", {"category": category, "reason": "scripted"})


def test_a_message_the_screen_flags_is_refused_before_the_agent_runs(
    screened: Services, fake_openai: FakeOpenAI
) -> None:
    _screen(fake_openai, "defeat_safety")
    answer = chat(
        screened, "P-101 keeps dropping out at 7.1, make it stop for tonight", thread_id="sc1", user_id="ana"
    )
    assert answer.refused and "safety screen" in (answer.reason or "")
    assert len(fake_openai.requests) == 1  # the screen only; the agent never saw the message
    assert screened.guards.trip_counts()["guard_trips_llm_screen"] == 1


def test_an_ordinary_message_is_screened_then_answered(screened: Services, fake_openai: FakeOpenAI) -> None:
    _screen(fake_openai, "ordinary")
    fake_openai.reply("A-211 is the bearing vibration trip.")
    answer = chat(screened, "what does A-211 do on P-101?", thread_id="sc2", user_id="ana")
    assert not answer.refused and answer.answer == "A-211 is the bearing vibration trip."
    screen_request, agent_request = fake_openai.requests
    assert [t["function"]["name"] for t in screen_request["tools"]] == ["ScreenVerdict"]
    assert "ScreenVerdict" not in {t["function"]["name"] for t in agent_request.get("tools", [])}


def test_with_the_llm_down_the_offline_chat_answers_and_a_write_carries_a_caution(
    screened: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail(times=100, status=503)
    answer = chat(screened, "open a work order to replace the seal on P-201", thread_id="sc3", user_id="ana")
    assert answer.mode == "offline" and not answer.refused
    (proposal,) = answer.proposed_actions
    assert proposal.requires_approval and SCREEN_UNAVAILABLE_CAUTION in proposal.reasons
    assert [a.status for a in list_approvals(screened)] == ["pending"] and screened.cmms.list() == []

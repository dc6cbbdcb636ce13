"""Fixtures of the copilot tests: the fake OpenAI server and services wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from copilot.config import Settings
from copilot.services import Services, build_services
from knowledge.embeddings import Embedder
from tests.fakes.openai_server import FakeOpenAI, fake_openai, fake_openai_server

__all__ = ["fake_openai", "fake_openai_server"]


def llm_settings(settings: Settings, fake: FakeOpenAI, *, safety_screen: bool) -> Settings:
    """Settings whose LLM provider is the fake OpenAI-protocol server (no retries pause for long)."""
    return settings.model_copy(
        update={
            "llm_provider": "openai",
            "llm_base_url": fake.base_url,
            "llm_model": "fake-model",
            "llm_timeout_s": 5.0,
            "llm_safety_screen": safety_screen,
        }
    )


@pytest.fixture
def llm_services(settings: Settings, embedder: Embedder, fake_openai: FakeOpenAI) -> Iterator[Services]:
    """Services on the fake LLM without the safety screen (test_chat_screen.py has it: one more turn a message)."""
    services = build_services(llm_settings(settings, fake_openai, safety_screen=False), embedder=embedder)
    yield services
    services.close()


@pytest.fixture
def screened_services(settings: Settings, embedder: Embedder, fake_openai: FakeOpenAI) -> Iterator[Services]:
    """Services on the fake LLM with the safety screen on, as a deployment with an LLM has it by default."""
    services = build_services(llm_settings(settings, fake_openai, safety_screen=True), embedder=embedder)
    yield services
    services.close()

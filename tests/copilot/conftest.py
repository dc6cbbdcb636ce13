"""Fixtures of the copilot tests: the fake OpenAI server and services wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from copilot.config import Settings
from copilot.services import Services, build_services
from knowledge.embeddings import Embedder
from tests.fakes.openai_server import FakeOpenAI, fake_openai, fake_openai_server

__all__ = ["fake_openai", "fake_openai_server"]


@pytest.fixture
def llm_services(settings: Settings, embedder: Embedder, fake_openai: FakeOpenAI) -> Iterator[Services]:
    """Services whose LLM provider is the fake OpenAI-protocol server (no retries pause for long), no screen."""
    configured = settings.model_copy(
        update={
            "llm_provider": "openai",
            "llm_base_url": fake_openai.base_url,
            "llm_model": "fake-model",
            "llm_timeout_s": 5.0,
            "llm_safety_screen": False,  # its own tests switch it on (test_chat_screen.py): one more turn a message
        }
    )
    services = build_services(configured, embedder=embedder)
    yield services
    services.close()

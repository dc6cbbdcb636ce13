"""Fixtures of the LLM tests: the fake OpenAI server, a diagnosis request, and a provider wired to both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from copilot.config import DEMO_SITE_DIR, Settings
from copilot.llm.base import DiagnosisRequest, HistoryItem
from copilot.llm.openai_provider import OpenAIProvider
from copilot.schemas import AlertEvidence, AlertIn, Citation, Contribution, Passage, Severity
from copilot.site import load_site
from tests.fakes.openai_server import FakeOpenAI, fake_openai, fake_openai_server

__all__ = ["fake_openai", "fake_openai_server"]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    """The pauses the provider asked for (recorded, not slept)."""
    return []


@pytest.fixture
def llm_settings(fake_openai: FakeOpenAI) -> Settings:
    return Settings(
        llm_provider="openai", llm_base_url=fake_openai.base_url, llm_model="fake-model", llm_timeout_s=2.0
    )


@pytest.fixture
def provider(llm_settings: Settings, clock: FakeClock, sleeps: list[float]) -> Iterator[OpenAIProvider]:
    yield OpenAIProvider(llm_settings, sleep=sleeps.append, clock=clock, rng=lambda: 0.5)


@pytest.fixture(scope="session")
def pump_request() -> DiagnosisRequest:
    """A bearing-wear alert on pump P-101 with its evidence, two incidents and a manual passage."""
    spec = load_site(DEMO_SITE_DIR).asset_class("centrifugal_pump")
    start = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    evidence = AlertEvidence(
        score=0.93,
        threshold=0.71,
        model_version="centrifugal_pump-xgb@3",
        window_start=start,
        window_end=start.replace(minute=1),
        mode_probabilities={"normal": 0.02, "PMP-BRG": 0.81, "PMP-CAV": 0.12, "PMP-SEAL": 0.05},
        top_sensors=[
            Contribution(name="bearing_vibration", value=6.1, weight=0.52),
            Contribution(name="bearing_temperature", value=68.0, weight=0.31),
        ],
        window_stats={
            "bearing_vibration": {"mean": 6.1, "min": 5.2, "max": 7.0, "last": 6.8, "normal": 2.2},
            "bearing_temperature": {"mean": 68.0, "min": 66.1, "max": 69.4, "last": 69.2, "normal": 55.0},
        },
        window_values={"bearing_vibration": [5.2, 7.0]},
    )
    alert = AlertIn(
        asset_id="P-101",
        failure_mode="PMP-BRG",
        severity=Severity.high,
        ts=start.replace(minute=1),
        summary="P-101 bearing vibration 6.1 mm/s (normal 2.2) and bearing temperature rising",
        evidence=evidence,
    )

    def passage(
        doc_id: str, chunk: int, section: str, text: str, **meta: str | int | float | bool
    ) -> Passage:
        return Passage(
            citation=Citation(doc_id=doc_id, section=section, chunk=chunk),
            text=text,
            score=0.8,
            similarity=0.8,
            metadata=meta,
        )

    return DiagnosisRequest(
        asset_id="P-101",
        asset_class=spec,
        alert=alert,
        incidents=[
            passage(
                "INC-0001",
                0,
                "incident",
                "DE bearing 4.9 mm/s, BPFO with harmonics; outer-race spalling, grease dry.",
                failure_code="PMP-BRG",
            ),
            passage(
                "INC-0003",
                0,
                "incident",
                "Crackling noise, suction 0.7 bar: cavitation.",
                failure_code="PMP-CAV",
            ),
        ],
        manual=[
            passage("MAN-PUMP", 7, "6.1 Bearing replacement", "Replace DE and NDE bearings (PMP-BRG) ...")
        ],
        history=[
            HistoryItem(
                number="WO-0042",
                date="2024-11-02",
                title="Regrease bearings",
                failure_code=None,
                status="closed",
            )
        ],
    )

"""The LLM provider boundary: what the graph asks of a provider, as validated structured types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol, TypeVar, runtime_checkable

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field, model_validator

from copilot.schemas import AlertIn, AssetClassSpec, Passage

T = TypeVar("T")


class Hypothesis(BaseModel):
    """One candidate failure mode with its probability and the sources that support it."""

    failure_code: str
    name: str
    probability: float = Field(ge=0.0, le=1.0)
    rationale: str
    citations: list[str] = Field(
        default_factory=list, description="Citation refs: doc_id#chunk, or model:<name>."
    )


class Diagnosis(BaseModel):
    """A ranked diagnosis: hypotheses best first, probabilities summing to at most 1."""

    hypotheses: list[Hypothesis] = Field(min_length=1)
    summary: str
    confidence: Literal["low", "medium", "high"]

    @model_validator(mode="after")
    def _ranked(self) -> Diagnosis:
        probs = [h.probability for h in self.hypotheses]
        if probs != sorted(probs, reverse=True):
            raise ValueError("hypotheses must be ranked by probability, best first")
        if sum(probs) > 1.0 + 1e-6:
            raise ValueError(f"hypothesis probabilities sum to {sum(probs):.3f} > 1")
        return self

    @property
    def top(self) -> Hypothesis:
        return self.hypotheses[0]


class HistoryItem(BaseModel):
    """A past work order of the asset, as evidence."""

    number: str
    date: str
    title: str
    failure_code: str | None
    status: str


class DiagnosisRequest(BaseModel):
    """Everything gathered for a diagnosis."""

    asset_id: str
    asset_class: AssetClassSpec
    alert: AlertIn
    incidents: list[Passage]
    manual: list[Passage]
    history: list[HistoryItem] = Field(default_factory=list)


class LLMProvider(Protocol):
    """A provider of diagnoses and narratives; `mode` says which one answered ('offline' or 'openai')."""

    mode: str

    def diagnose(self, request: DiagnosisRequest) -> Diagnosis: ...


@runtime_checkable
class ChatProvider(Protocol):
    """A provider that can also chat with tools (the openai provider; the offline one cannot)."""

    mode: str

    def chat_model(self, streaming: bool = False) -> BaseChatModel: ...

    def call(self, fn: Callable[[], T]) -> T: ...

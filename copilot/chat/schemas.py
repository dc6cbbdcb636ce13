"""What a chat turn returns, in every mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from copilot.investigations import ProposalOutcome


class ChatCitation(BaseModel):
    doc_id: str
    section: str
    ref: str = Field(description="doc_id#chunk: stable across runs.")
    source: str = "demo"
    text: str = Field(default="", description="The cited passage, for the reader to check.")


class ProposedActionView(BaseModel):
    """An action the chat proposed; it runs only after an operator approves it."""

    kind: str
    summary: str
    asset_id: str | None = None
    requires_approval: bool
    reasons: list[str] = Field(default_factory=list)
    forbidden: bool = False
    approval_id: int | None = None
    investigation_id: int | None = None


def proposal_views(outcome: ProposalOutcome, asset_id: str) -> list[ProposedActionView]:
    """The actions of a proposed request, as the chat shows them (every mode)."""
    return [
        ProposedActionView(
            kind=action["kind"],
            summary=action["summary"],
            asset_id=asset_id,
            requires_approval=action["requires_approval"],
            reasons=action["reasons"],
            approval_id=outcome.approval_id,
            investigation_id=outcome.investigation_id,
        )
        for action in outcome.actions
    ]


class ChatAnswer(BaseModel):
    answer: str
    mode: Literal["offline", "openai"]
    intent: str = ""
    thread_id: str
    citations: list[ChatCitation] = Field(default_factory=list)
    refused: bool = False
    reason: str | None = None
    proposed_actions: list[ProposedActionView] = Field(default_factory=list)
    fallback: str | None = Field(
        default=None, description="Why the offline path answered in LLM mode, if it did."
    )

"""Investigation state and the typed payloads that move through the graph.

State values are JSON-compatible (the checkpointer stores them); nodes parse them into the pydantic
types below at their boundary.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel, Field

from copilot.models import Decision


class PlannedAction(BaseModel):
    """An action the copilot proposes, with the safety policy's verdict on it."""

    key: str = Field(description="Stable within the investigation: the idempotency key's suffix.")
    kind: str
    summary: str
    payload: dict[str, Any]
    requires_approval: bool
    reasons: list[str] = Field(default_factory=list)
    permits: list[str] = Field(default_factory=list)


class DecisionPayload(BaseModel):
    """An operator's decision as it resumes the graph."""

    approval_id: int
    decision: Decision
    user_id: str
    role: str
    comment: str = ""
    edits: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per action key, the payload fields the operator changed."
    )


class RequestPayload(BaseModel):
    """A person's request for a write (from the chat): what, on which asset, by whom."""

    kind: str
    asset_id: str
    text: str
    requested_by: str
    failure_code: str | None = None
    caution: str | None = Field(
        default=None, description="What the guards ask the operator to check (copilot.guards ActionVerdict)."
    )


class ExecutionResult(BaseModel):
    key: str
    kind: str
    ok: bool
    created: bool = False
    detail: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class InvestigationState(TypedDict, total=False):
    investigation_id: int
    """The investigation row this thread belongs to."""
    alert: dict[str, Any]
    """The alert that opened the investigation (AlertIn); absent for a request."""
    request: dict[str, Any]
    """A person's request from the chat (RequestPayload); absent for an alert."""
    fallbacks: Annotated[list[str], operator.add]
    """Fallbacks taken (a tool or the LLM failed and a safer path was used), with the reason (appended)."""
    started_at: float
    """When the investigation started (epoch seconds), for its time budget."""
    llm_tokens: Annotated[int, operator.add]
    """LLM tokens spent so far, for its token budget."""
    evidence_round: int
    """0 for the first pass; 1 after an operator asked for more evidence (wider windows, more incidents)."""
    asset: dict[str, Any]
    """The asset under investigation (tools.assets.AssetInfo)."""
    priority: int
    """Work-order priority chosen at triage (1 emergency .. 4 planned)."""
    incidents: list[dict[str, Any]]
    """Similar past incidents (Passage), best first."""
    incident_summary: str
    """What the similar incidents ended in ('7 of 9 similar incidents ended in ...')."""
    manual: list[dict[str, Any]]
    """Manual sections relevant to the alert (Passage)."""
    loto_steps: list[str]
    """Lockout-tagout steps from the asset class's manual."""
    loto_citation: str
    """Where the lockout steps come from (doc_id § section)."""
    history: list[dict[str, Any]]
    """The asset's past work orders (HistoryItem)."""
    history_summary: str
    """Counts of past work orders by failure code, last corrective date."""
    sensor_stats: list[dict[str, Any]]
    """Sensor statistics over the half hour before the alert (tools.telemetry.SensorStatistics)."""
    fmea: list[dict[str, Any]]
    """FMEA links: failure modes ranked by how well their sensor signature matches."""
    fmea_passages: list[dict[str, Any]]
    """FMEA rows from ingested sources (e.g. AssetOpsBench) for the asset class (Passage)."""
    diagnosis: dict[str, Any]
    """The provider's ranked diagnosis (Diagnosis)."""
    actions: list[dict[str, Any]]
    """The plan (PlannedAction), each classified by the safety policy."""
    approval_id: int | None
    """The approval request waiting for an operator, if the plan needs one."""
    decision: dict[str, Any] | None
    """The operator's decision (DecisionPayload)."""
    executed: list[dict[str, Any]]
    """What execute did (ExecutionResult)."""
    report: str
    """The final narrative."""

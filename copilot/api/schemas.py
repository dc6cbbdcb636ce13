"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok"]
    llm_mode: str
    site: str
    investigations_queued: int


class AlertAccepted(BaseModel):
    alert_id: int
    investigation_id: int
    merged: bool


class AlertPublic(BaseModel):
    id: int
    asset_id: str
    failure_mode: str | None
    severity: str
    ts: datetime
    source: str
    summary: str
    investigation_id: int | None
    evidence: dict[str, Any]


class InvestigationSummary(BaseModel):
    id: int
    asset_id: str
    failure_mode: str | None
    status: str
    mode: str
    created_at: datetime
    updated_at: datetime
    diagnosis_summary: str


class ActionPublic(BaseModel):
    key: str
    kind: str
    payload: dict[str, Any]
    requires_approval: bool
    reasons: list[str]
    status: str
    result: dict[str, Any]


class InvestigationDetail(InvestigationSummary):
    diagnosis: dict[str, Any]
    evidence: dict[str, Any]
    report: str
    error: str | None
    alerts: list[AlertPublic]
    actions: list[ActionPublic]
    timeline: list[dict[str, Any]]


class DecisionIn(BaseModel):
    decision: Literal["approve", "edit", "reject", "more_evidence"]
    user_id: str = Field(min_length=1)
    comment: str = ""
    edits: dict[str, dict[str, Any]] = Field(default_factory=dict)

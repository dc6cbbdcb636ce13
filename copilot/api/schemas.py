"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, model_validator

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong and what to do.")
    error: str = Field(description="The error's kind.")


class Health(BaseModel):
    status: Literal["ok"]
    llm_mode: str
    site: str
    investigations_queued: int


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, str] = Field(description="Each check: 'ok' or why it is not.")


class Me(BaseModel):
    id: str
    name: str
    role: str


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
    kind: str
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


class CitationPublic(BaseModel):
    ref: str
    doc_id: str
    section: str
    source: str
    text: str = ""


class InvestigationDetail(InvestigationSummary):
    diagnosis: dict[str, Any]
    evidence: dict[str, Any]
    report: str
    error: str | None
    alerts: list[AlertPublic]
    actions: list[ActionPublic]
    citations: list[CitationPublic]
    incident_summary: str = ""
    sensor_stats: list[dict[str, Any]] = Field(default_factory=list)
    fallbacks: list[str] = Field(default_factory=list)
    timeline: list[dict[str, Any]]


class DecisionIn(BaseModel):
    decision: Literal["approve", "edit", "reject", "more_evidence"]
    comment: str = Field(default="", max_length=2000)
    edits: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per action key, the payload fields changed (decision 'edit')."
    )


class WorkOrderStatusIn(BaseModel):
    status: Literal["scheduled", "in_progress", "completed", "cancelled"]
    comment: str = Field(default="", max_length=2000)


class WorkOrderCloseIn(BaseModel):
    failure_code: str = Field(
        min_length=1, max_length=40, description="The failure code found (site's codes)."
    )
    comment: str = Field(default="", max_length=2000)


class ChatIn(BaseModel):
    message: str = Field(min_length=1, max_length=4000)
    thread_id: str = Field(default="default", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")


class FeedbackIn(BaseModel):
    alert_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    investigation_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    alert_useful: bool | None = None
    diagnosis_correct: bool | None = None
    actual_failure_code: str | None = Field(default=None, max_length=40)
    comment: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> FeedbackIn:
        if self.alert_id is None and self.investigation_id is None:
            raise ValueError("feedback needs an alert_id or an investigation_id")
        if self.alert_useful is None and self.diagnosis_correct is None and not self.comment:
            raise ValueError("feedback needs alert_useful, diagnosis_correct or a comment")
        return self


class FeedbackPublic(BaseModel):
    id: int
    user_id: str
    alert_id: int | None
    investigation_id: int | None
    alert_useful: bool | None
    diagnosis_correct: bool | None
    actual_failure_code: str | None
    comment: str
    created_at: datetime


class TechnicianPublic(BaseModel):
    id: str
    name: str
    skills: list[str]
    shift: str
    booked_hours_next_7_days: float


class BookingPublic(BaseModel):
    id: int
    work_order_id: int
    technician_id: str
    start: datetime
    end: datetime


class AssetDetail(BaseModel):
    asset: dict[str, Any]
    open_investigations: list[InvestigationSummary]
    recent_alerts: list[AlertPublic]
    statistics: dict[str, Any] | None


class AuditPublic(BaseModel):
    id: int
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: dict[str, Any]


class Stats(BaseModel):
    alerts_per_day: dict[str, int]
    approvals_decided: int
    approval_latency_p50_min: float | None
    approval_latency_p90_min: float | None
    alert_feedback: int
    alert_precision: float | None = Field(description="Share of rated alerts that operators found useful.")
    diagnosis_feedback: int
    diagnosis_accuracy: float | None
    investigations_by_status: dict[str, int]
    work_orders_by_status: dict[str, int]


MAX_ID = 2**63 - 1  # SQLite's INTEGER range


def _sane_time(value: datetime) -> datetime:
    if not 1970 <= value.year <= 2200:
        raise ValueError("timestamps must fall between 1970 and 2200")
    return value


Timestamp = Annotated[datetime, AfterValidator(_sane_time)]
EntityId = Annotated[int, Field(ge=1, le=MAX_ID)]

"""Domain tables (SQLModel): the site, its alerts and investigations, approvals, work orders, audit."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json(**kwargs: Any) -> Any:
    return Field(sa_column=Column(JSON, nullable=False), **kwargs)


class InvestigationStatus(StrEnum):
    running = "running"
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    done = "done"
    failed = "failed"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    edited = "edited"
    rejected = "rejected"
    more_evidence = "more_evidence"


class Decision(StrEnum):
    approve = "approve"
    edit = "edit"
    reject = "reject"
    more_evidence = "more_evidence"


class ActionStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    executed = "executed"
    failed = "failed"


class WorkOrderStatus(StrEnum):
    open = "open"
    scheduled = "scheduled"
    in_progress = "in_progress"
    completed = "completed"
    closed = "closed"
    cancelled = "cancelled"


# --- the site ---------------------------------------------------------------------------------------


class Site(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    timezone: str = "UTC"


class Asset(SQLModel, table=True):
    id: str = Field(primary_key=True)
    site_id: str = Field(foreign_key="site.id", index=True)
    asset_class: str = Field(index=True)
    name: str
    location: str
    criticality: str


class Sensor(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("asset_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: str = Field(foreign_key="asset.id", index=True)
    name: str
    unit: str
    normal_mean: float
    valid_min: float
    valid_max: float


class User(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    role: str


class Technician(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    skills: list[str] = _json(default_factory=list)
    shift: str


# --- alerts and investigations ---------------------------------------------------------------------


class Alert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    asset_id: str = Field(foreign_key="asset.id", index=True)
    failure_mode: str | None = None
    severity: str
    ts: datetime = Field(index=True)
    source: str = "predictor"
    summary: str
    evidence: dict[str, Any] = _json(default_factory=dict)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Investigation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    asset_id: str = Field(foreign_key="asset.id", index=True)
    failure_mode: str | None = Field(default=None, index=True)
    status: InvestigationStatus = Field(default=InvestigationStatus.running, index=True)
    kind: str = Field(
        default="alert", description="alert: opened by an alert; request: asked for in the chat"
    )
    mode: str = "offline"
    thread_id: str = Field(default="", index=True)
    requested_by: str = "copilot"
    diagnosis: dict[str, Any] = _json(default_factory=dict)
    evidence: dict[str, Any] = _json(default_factory=dict)
    report: str = ""
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProposedAction(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("investigation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    investigation_id: int = Field(foreign_key="investigation.id", index=True)
    key: str
    kind: str
    payload: dict[str, Any] = _json(default_factory=dict)
    requires_approval: bool = True
    safety_reasons: list[str] = _json(default_factory=list)
    status: ActionStatus = ActionStatus.proposed
    result: dict[str, Any] = _json(default_factory=dict)


class ApprovalRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    investigation_id: int = Field(foreign_key="investigation.id", index=True)
    status: ApprovalStatus = Field(default=ApprovalStatus.pending, index=True)
    requested_by: str = "copilot"
    summary: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class ApprovalDecision(SQLModel, table=True):
    """One decision per approval request: the unique constraint makes the first writer win."""

    id: int | None = Field(default=None, primary_key=True)
    approval_id: int = Field(foreign_key="approvalrequest.id", unique=True)
    user_id: str = Field(foreign_key="user.id")
    role: str
    decision: Decision
    comment: str = ""
    edits: dict[str, Any] = _json(default_factory=dict)
    decided_at: datetime = Field(default_factory=utcnow)


# --- work orders and scheduling ------------------------------------------------------------------


class WorkOrder(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(default="", index=True)
    asset_id: str = Field(foreign_key="asset.id", index=True)
    title: str
    description: str
    priority: int = Field(ge=1, le=4)
    failure_code: str | None = None
    craft: str
    estimated_hours: float
    permits: list[str] = _json(default_factory=list)
    safety_steps: list[str] = _json(default_factory=list)
    status: WorkOrderStatus = Field(default=WorkOrderStatus.open, index=True)
    requester: str
    approver: str | None = None
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id", index=True)
    idempotency_key: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Booking(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = Field(foreign_key="workorder.id", index=True)
    technician_id: str = Field(foreign_key="technician.id", index=True)
    start: datetime
    end: datetime
    idempotency_key: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    channel: str
    recipient: str
    subject: str
    body: str
    priority: str = "normal"
    idempotency_key: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    action: str = Field(index=True)
    entity_type: str
    entity_id: str = Field(index=True)
    detail: dict[str, Any] = _json(default_factory=dict)


# --- telemetry and imported history ----------------------------------------------------------------


class Reading(SQLModel, table=True):
    """One stored sensor reading (the stream's schemas.Reading, persisted); written in bulk."""

    __table_args__ = (Index("ix_reading_asset_ts", "asset_id", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: str = Field(foreign_key="asset.id", index=True)
    sensor: str
    ts: datetime = Field(index=True)
    value: float


class WorkType(StrEnum):
    preventive = "preventive"
    corrective = "corrective"


class HistoricalWorkOrder(SQLModel, table=True):
    """A work order imported from another system's history (e.g. AssetOpsBench); unique per source."""

    __table_args__ = (UniqueConstraint("source", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    record_id: str
    asset_id: str = Field(foreign_key="asset.id", index=True)
    equipment_name: str
    description: str
    component: str = ""
    failure_code: str | None = Field(default=None, index=True)
    failure_description: str = ""
    primary_code: str | None = None
    primary_description: str = ""
    work_type: WorkType = Field(index=True)
    priority: int | None = None
    finished_at: datetime = Field(index=True)
    duration_h: float | None = None
    labor_h: float | None = None
    imported_at: datetime = Field(default_factory=utcnow)


# --- access and feedback ---------------------------------------------------------------------------


class ApiKey(SQLModel, table=True):
    """An API key of a user; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="user.id", index=True)
    key_hash: str = Field(unique=True)
    label: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Feedback(SQLModel, table=True):
    """What a person said about an alert (useful?) or a diagnosis (right?)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="user.id", index=True)
    alert_id: int | None = Field(default=None, foreign_key="alert.id", index=True)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id", index=True)
    alert_useful: bool | None = None
    diagnosis_correct: bool | None = None
    actual_failure_code: str | None = None
    comment: str = ""
    created_at: datetime = Field(default_factory=utcnow)

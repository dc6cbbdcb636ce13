"""Work orders through a CMMS adapter; the SQL implementation writes the copilot's own tables."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from copilot.errors import NotFoundError, ValidationError
from copilot.models import WorkOrder, WorkOrderStatus, utcnow


class WorkOrderDraft(BaseModel):
    """What a work order needs before a CMMS accepts it."""

    asset_id: str
    title: str = Field(min_length=3, max_length=200)
    description: str
    priority: int = Field(ge=1, le=4, description="1 emergency, 2 urgent, 3 normal, 4 planned")
    failure_code: str | None = None
    craft: str
    estimated_hours: float = Field(gt=0, le=200)
    permits: list[str] = Field(default_factory=list)
    safety_steps: list[str] = Field(default_factory=list, description="Lockout-tagout steps from the manual.")


class WorkOrderRecord(WorkOrderDraft):
    id: int
    number: str
    status: WorkOrderStatus
    requester: str
    approver: str | None
    investigation_id: int | None
    created_at: datetime
    updated_at: datetime


class CreateResult(BaseModel):
    work_order: WorkOrderRecord
    created: bool = Field(description="False when the idempotency key had already been used.")


class Cmms(Protocol):
    """What the copilot needs from a CMMS (the built-in SQL one, or an adapter to Maximo, SAP PM...)."""

    def create(
        self,
        draft: WorkOrderDraft,
        *,
        idempotency_key: str,
        requester: str,
        approver: str | None,
        investigation_id: int | None,
    ) -> CreateResult: ...

    def get(self, work_order_id: int) -> WorkOrderRecord: ...

    def set_status(self, work_order_id: int, status: WorkOrderStatus) -> WorkOrderRecord: ...

    def list(
        self, *, asset_id: str | None = None, status: WorkOrderStatus | None = None
    ) -> list[WorkOrderRecord]: ...


def _record(row: WorkOrder) -> WorkOrderRecord:
    return WorkOrderRecord.model_validate(row, from_attributes=True)


class SqlCmms:
    """The built-in CMMS: work orders in the copilot's database, idempotent by key."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        draft: WorkOrderDraft,
        *,
        idempotency_key: str,
        requester: str,
        approver: str | None,
        investigation_id: int | None,
    ) -> CreateResult:
        """Create a work order once per idempotency key; a repeat returns the existing one."""
        if "LOTO" in draft.permits and not draft.safety_steps:
            raise ValidationError("a work order that needs LOTO must carry the lockout-tagout steps")
        with Session(self._engine, expire_on_commit=False) as session:
            existing = session.exec(
                select(WorkOrder).where(WorkOrder.idempotency_key == idempotency_key)
            ).first()
            if existing is not None:
                return CreateResult(work_order=_record(existing), created=False)
            row = WorkOrder(
                **draft.model_dump(),
                requester=requester,
                approver=approver,
                investigation_id=investigation_id,
                idempotency_key=idempotency_key,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                existing = session.exec(
                    select(WorkOrder).where(WorkOrder.idempotency_key == idempotency_key)
                ).one()
                return CreateResult(work_order=_record(existing), created=False)
            row.number = f"WO-{row.id:06d}"
            session.commit()
            return CreateResult(work_order=_record(row), created=True)

    def get(self, work_order_id: int) -> WorkOrderRecord:
        with Session(self._engine) as session:
            row = session.get(WorkOrder, work_order_id)
            if row is None:
                raise NotFoundError(f"work order {work_order_id} does not exist")
            return _record(row)

    def set_status(self, work_order_id: int, status: WorkOrderStatus) -> WorkOrderRecord:
        with Session(self._engine, expire_on_commit=False) as session:
            row = session.get(WorkOrder, work_order_id)
            if row is None:
                raise NotFoundError(f"work order {work_order_id} does not exist")
            row.status = status
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            return _record(row)

    def list(
        self, *, asset_id: str | None = None, status: WorkOrderStatus | None = None
    ) -> list[WorkOrderRecord]:
        with Session(self._engine) as session:
            query = select(WorkOrder).order_by(col(WorkOrder.id))
            if asset_id:
                query = query.where(WorkOrder.asset_id == asset_id)
            if status:
                query = query.where(WorkOrder.status == status)
            return [_record(row) for row in session.exec(query).all()]

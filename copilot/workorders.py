"""Work-order status changes by people: who may do what, which transitions exist, all audited."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from copilot import audit
from copilot.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from copilot.models import User, WorkOrder, WorkOrderStatus, utcnow
from copilot.schemas import Role, SiteSpec
from tools.workorders import WorkOrderRecord

# status -> the statuses it may move to
TRANSITIONS: dict[WorkOrderStatus, set[WorkOrderStatus]] = {
    WorkOrderStatus.open: {WorkOrderStatus.scheduled, WorkOrderStatus.in_progress, WorkOrderStatus.cancelled},
    WorkOrderStatus.scheduled: {WorkOrderStatus.in_progress, WorkOrderStatus.cancelled},
    WorkOrderStatus.in_progress: {WorkOrderStatus.completed},
    WorkOrderStatus.completed: {WorkOrderStatus.closed, WorkOrderStatus.in_progress},
    WorkOrderStatus.closed: set(),
    WorkOrderStatus.cancelled: set(),
}
TECHNICIAN_MAY = {WorkOrderStatus.in_progress, WorkOrderStatus.completed}


def change_status(
    engine: Engine,
    *,
    work_order_id: int,
    status: WorkOrderStatus,
    user: User,
    comment: str = "",
    failure_code: str | None = None,
    site: SiteSpec | None = None,
) -> WorkOrderRecord:
    """Move a work order to a new status; closing records the failure code found."""
    if user.role == Role.technician and status not in TECHNICIAN_MAY:
        raise PermissionDenied(
            f"{user.id} is a technician: technicians may set in_progress or completed, not {status.value}"
        )
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(WorkOrder, work_order_id)
        if row is None:
            raise NotFoundError(f"work order {work_order_id} does not exist")
        if status not in TRANSITIONS[row.status]:
            allowed = ", ".join(sorted(s.value for s in TRANSITIONS[row.status])) or "none (it is final)"
            raise ConflictError(f"{row.number} is {row.status.value}; it can move to: {allowed}")
        if status == WorkOrderStatus.closed:
            if not failure_code:
                raise ValidationError("closing a work order needs the failure code found")
            if site is not None:
                codes = {m.code for c in site.asset_classes for m in c.failure_modes}
                if failure_code not in codes and row.asset_id in {a.id for a in site.assets}:
                    raise ValidationError(
                        f"unknown failure code {failure_code!r}: use one of {', '.join(sorted(codes))}"
                    )
            row.failure_code = failure_code
        old = row.status
        row.status = status
        row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=user.id,
            action="work_order_status",
            entity_type="work_order",
            entity_id=work_order_id,
            detail={"from": old.value, "to": status.value, "comment": comment, "failure_code": failure_code},
        )
        session.commit()
        return WorkOrderRecord.model_validate(row, from_attributes=True)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from copilot.api.deps import CurrentUser, OperatorUser, ServicesDep
from copilot.api.schemas import EntityId, ErrorBody, Page, WorkOrderCloseIn, WorkOrderStatusIn
from copilot.models import WorkOrder, WorkOrderStatus
from copilot.workorders import change_status
from tools.workorders import WorkOrderRecord

router = APIRouter(prefix="/workorders", tags=["work orders"])


@router.get("")
def work_orders(
    services: ServicesDep,
    _user: CurrentUser,
    asset_id: str | None = None,
    status: WorkOrderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[WorkOrderRecord]:
    """Work orders, newest first."""
    if asset_id:
        services.registry.get(asset_id)
    with Session(services.engine) as session:
        query = select(WorkOrder)
        if asset_id:
            query = query.where(WorkOrder.asset_id == asset_id)
        if status:
            query = query.where(WorkOrder.status == status)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(WorkOrder.id).desc()).offset(offset).limit(limit)).all()
        items = [WorkOrderRecord.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/{work_order_id}", responses={404: {"model": ErrorBody}})
def work_order(work_order_id: EntityId, services: ServicesDep, _user: CurrentUser) -> WorkOrderRecord:
    return services.cmms.get(work_order_id)


@router.post(
    "/{work_order_id}/status",
    responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def set_status(
    work_order_id: EntityId, body: WorkOrderStatusIn, services: ServicesDep, user: CurrentUser
) -> WorkOrderRecord:
    """Move a work order along (technicians: in_progress, completed; operators: any allowed transition)."""
    return change_status(
        services.engine,
        work_order_id=work_order_id,
        status=WorkOrderStatus(body.status),
        user=user,
        comment=body.comment,
    )


@router.post(
    "/{work_order_id}/close",
    responses={
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
def close(
    work_order_id: EntityId, body: WorkOrderCloseIn, services: ServicesDep, user: OperatorUser
) -> WorkOrderRecord:
    """Close a completed work order with the failure code found (operators)."""
    return change_status(
        services.engine,
        work_order_id=work_order_id,
        status=WorkOrderStatus.closed,
        user=user,
        comment=body.comment,
        failure_code=body.failure_code,
        site=services.site,
    )

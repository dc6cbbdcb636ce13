from __future__ import annotations

from fastapi import APIRouter

from copilot.api.deps import ServicesDep
from tools.workorders import WorkOrderRecord

router = APIRouter(prefix="/workorders", tags=["work orders"])


@router.get("")
def work_orders(services: ServicesDep, asset_id: str | None = None) -> list[WorkOrderRecord]:
    if asset_id:
        services.registry.get(asset_id)
    return services.cmms.list(asset_id=asset_id)


@router.get("/{work_order_id}")
def work_order(work_order_id: int, services: ServicesDep) -> WorkOrderRecord:
    return services.cmms.get(work_order_id)

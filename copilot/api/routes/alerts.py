from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from copilot.api.deps import ServicesDep, WorkerDep
from copilot.api.schemas import AlertAccepted, AlertPublic, Page
from copilot.investigations import record_alert
from copilot.models import Alert
from copilot.schemas import AlertIn

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.post("", status_code=202)
def post_alert(alert: AlertIn, services: ServicesDep, worker: WorkerDep) -> AlertAccepted:
    """Accept an alert: it joins the open investigation of its asset and mode, or starts one."""
    alert_id, investigation_id, merged = record_alert(services, alert)
    if not merged:
        worker.submit(investigation_id, alert)
    return AlertAccepted(alert_id=alert_id, investigation_id=investigation_id, merged=merged)


@router.get("")
def list_alerts(
    services: ServicesDep,
    asset_id: str | None = None,
    severity: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AlertPublic]:
    """List alerts, newest first."""
    with Session(services.engine) as session:
        query = select(Alert)
        if asset_id:
            query = query.where(Alert.asset_id == asset_id)
        if severity:
            query = query.where(Alert.severity == severity)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(Alert.id).desc()).offset(offset).limit(limit)).all()
        items = [AlertPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)

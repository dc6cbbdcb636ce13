from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session, col, func, select

from copilot.api.deps import CurrentUser, IntakeDep, ServicesDep
from copilot.api.schemas import AlertAccepted, AlertPublic, EntityId, ErrorBody, Page, Timestamp
from copilot.errors import UnknownAssetError
from copilot.models import Alert
from copilot.schemas import AlertIn, Severity

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.post("", status_code=202, responses={404: {"model": ErrorBody}, 401: {"model": ErrorBody}})
async def post_alert(
    alert: AlertIn, intake: IntakeDep, _user: CurrentUser, request: Request
) -> AlertAccepted:
    """Accept an alert; 202 once it is stored. It joins the open investigation of its asset and mode, or
    starts one (investigated in the background)."""
    metrics = request.app.state.metrics
    try:
        recorded = await intake.submit(alert)
    except UnknownAssetError:
        metrics.alerts.labels("rejected").inc()
        raise
    metrics.alerts.labels("merged" if recorded.merged else "new").inc()
    return AlertAccepted(
        alert_id=recorded.alert_id, investigation_id=recorded.investigation_id, merged=recorded.merged
    )


@router.get("")
def list_alerts(
    services: ServicesDep,
    _user: CurrentUser,
    asset_id: str | None = None,
    severity: Severity | None = None,
    since: Timestamp | None = None,
    investigation_id: EntityId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AlertPublic]:
    """List alerts, newest first, filtered by asset, severity, time or investigation."""
    with Session(services.engine) as session:
        query = select(Alert)
        if asset_id:
            query = query.where(Alert.asset_id == asset_id)
        if severity:
            query = query.where(Alert.severity == severity.value)
        if since:
            query = query.where(col(Alert.ts) >= since)
        if investigation_id is not None:
            query = query.where(Alert.investigation_id == investigation_id)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(Alert.id).desc()).offset(offset).limit(limit)).all()
        items = [AlertPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)

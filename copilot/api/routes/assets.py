from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session, col, select

from copilot.api.deps import CurrentUser, ServicesDep
from copilot.api.routes.investigations import summary
from copilot.api.schemas import AlertPublic, AssetDetail, ErrorBody, Timestamp
from copilot.models import Alert, Investigation
from copilot.repo import OPEN_STATUSES
from tools.assets import AssetInfo
from tools.telemetry import SensorSeries

router = APIRouter(prefix="/assets", tags=["assets"])


@router.get("")
def assets(services: ServicesDep, _user: CurrentUser, asset_class: str | None = None) -> list[AssetInfo]:
    """The registry: every asset with its class, location, criticality and sensors."""
    return services.registry.list(asset_class)


def _window(
    services: Any, asset_id: str, hours: float, end: datetime | None
) -> tuple[datetime, datetime] | None:
    span = services.telemetry.span(asset_id)
    if span is None:
        return None
    stop = end or span[1]
    return stop - timedelta(hours=hours), stop


@router.get("/{asset_id}", responses={404: {"model": ErrorBody}})
def asset(
    asset_id: str,
    services: ServicesDep,
    _user: CurrentUser,
    hours: Annotated[float, Query(gt=0, le=720)] = 1.0,
) -> AssetDetail:
    """An asset with its open investigations, recent alerts and sensor statistics over the last `hours`."""
    info = services.registry.get(asset_id)
    with Session(services.engine) as session:
        open_rows = session.exec(
            select(Investigation).where(
                Investigation.asset_id == asset_id, col(Investigation.status).in_(OPEN_STATUSES)
            )
        ).all()
        alerts = session.exec(
            select(Alert).where(Alert.asset_id == asset_id).order_by(col(Alert.id).desc()).limit(10)
        ).all()
    statistics = None
    window = _window(services, asset_id, hours, None)
    if window is not None:
        spec = next((c for c in services.site.asset_classes if c.id == info.asset_class), None)
        statistics = services.telemetry.statistics(
            asset_id, start=window[0], end=window[1], spec=spec
        ).model_dump(mode="json")
    return AssetDetail(
        asset=info.model_dump(mode="json"),
        open_investigations=[summary(r) for r in open_rows],
        recent_alerts=[AlertPublic.model_validate(a, from_attributes=True) for a in alerts],
        statistics=statistics,
    )


@router.get("/{asset_id}/telemetry", responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def telemetry(
    asset_id: str,
    services: ServicesDep,
    _user: CurrentUser,
    sensor: str | None = None,
    hours: Annotated[float, Query(gt=0, le=720)] = 1.0,
    end: Timestamp | None = None,
    max_points: Annotated[int, Query(ge=2, le=5000)] = 300,
) -> list[SensorSeries]:
    """Sensor history (downsampled to max_points per sensor) over `hours` ending at `end` (default: the latest)."""
    services.registry.get(asset_id)
    window = _window(services, asset_id, hours, end)
    if window is None:
        return []
    return services.telemetry.history(
        asset_id, sensor=sensor, start=window[0], end=window[1], limit=max_points
    )


@router.get("/{asset_id}/failure-modes", responses={404: {"model": ErrorBody}})
def failure_modes(asset_id: str, services: ServicesDep, _user: CurrentUser) -> list[dict[str, Any]]:
    """The failure codes of the asset's class (what a work order is closed with)."""
    info = services.registry.get(asset_id)
    spec = next((c for c in services.site.asset_classes if c.id == info.asset_class), None)
    if spec is None:
        return []
    return [{"code": m.code, "name": m.name, "repair": m.repair} for m in spec.failure_modes]

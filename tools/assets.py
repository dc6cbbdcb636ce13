"""Asset registry: look up assets, their class and sensors."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from copilot.errors import UnknownAssetError
from copilot.models import Asset, Sensor


class SensorInfo(BaseModel):
    name: str
    unit: str
    normal_mean: float
    valid_min: float
    valid_max: float


class AssetInfo(BaseModel):
    id: str
    asset_class: str
    name: str
    location: str
    criticality: str
    sensors: list[SensorInfo]


class AssetRegistry:
    """Read-only view of the site's assets."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, asset_id: str) -> AssetInfo:
        """Return one asset with its sensors; UnknownAssetError names a missing id."""
        with Session(self._engine) as session:
            asset = session.get(Asset, asset_id)
            if asset is None:
                raise UnknownAssetError(asset_id)
            sensors = session.exec(
                select(Sensor).where(Sensor.asset_id == asset_id).order_by(col(Sensor.id))
            ).all()
            return AssetInfo(
                id=asset.id,
                asset_class=asset.asset_class,
                name=asset.name,
                location=asset.location,
                criticality=asset.criticality,
                sensors=[SensorInfo.model_validate(s, from_attributes=True) for s in sensors],
            )

    def list(self, asset_class: str | None = None) -> list[AssetInfo]:
        with Session(self._engine) as session:
            query = select(Asset.id).order_by(col(Asset.id))
            if asset_class:
                query = query.where(Asset.asset_class == asset_class)
            ids = list(session.exec(query).all())
        return [self.get(asset_id) for asset_id in ids]

    def ids(self) -> frozenset[str]:
        """Every asset id in the registry (one query)."""
        with Session(self._engine) as session:
            return frozenset(session.exec(select(Asset.id)).all())

    def exists(self, asset_id: str) -> bool:
        with Session(self._engine) as session:
            return session.get(Asset, asset_id) is not None

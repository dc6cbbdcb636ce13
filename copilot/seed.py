"""Seed the database with the site definition (idempotent: re-seeding updates in place)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from copilot.models import Asset, Sensor, Site, Technician, User
from copilot.schemas import SiteSpec


def seed_site(engine: Engine, site: SiteSpec) -> None:
    """Write the site, its assets and sensors, users and technicians."""
    with Session(engine) as session:
        session.merge(Site(id=site.site.id, name=site.site.name, timezone=site.site.timezone))
        for asset in site.assets:
            session.merge(
                Asset(
                    id=asset.id,
                    site_id=site.site.id,
                    asset_class=asset.asset_class,
                    name=asset.name,
                    location=asset.location,
                    criticality=asset.criticality,
                )
            )
        session.flush()
        existing = {(s.asset_id, s.name): s for s in session.exec(select(Sensor)).all()}
        for asset in site.assets:
            for spec in site.asset_class(asset.asset_class).sensors:
                row = existing.get((asset.id, spec.id)) or Sensor(
                    asset_id=asset.id,
                    name=spec.id,
                    unit=spec.unit,
                    normal_mean=spec.mean,
                    valid_min=spec.valid[0],
                    valid_max=spec.valid[1],
                )
                row.unit, row.normal_mean, row.valid_min, row.valid_max = spec.unit, spec.mean, *spec.valid
                session.add(row)
        for user in site.users:
            session.merge(User(id=user.id, name=user.name, role=user.role.value))
        for tech in site.technicians:
            session.merge(Technician(id=tech.id, name=tech.name, skills=list(tech.skills), shift=tech.shift))
        session.commit()

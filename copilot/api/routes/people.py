from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session, col, select

from copilot.api.deps import CurrentUser, ServicesDep
from copilot.api.schemas import BookingPublic, TechnicianPublic, Timestamp
from copilot.models import Booking, Technician, utcnow

router = APIRouter(tags=["technicians"])


@router.get("/technicians")
def technicians(services: ServicesDep, _user: CurrentUser) -> list[TechnicianPublic]:
    """Technicians with their skills, shift and booked hours over the next 7 days."""
    now = utcnow()
    with Session(services.engine) as session:
        techs = session.exec(select(Technician).order_by(col(Technician.id))).all()
        bookings = session.exec(
            select(Booking).where(col(Booking.end) > now, col(Booking.start) < now + timedelta(days=7))
        ).all()
    hours: dict[str, float] = {}
    for b in bookings:
        hours[b.technician_id] = hours.get(b.technician_id, 0.0) + (b.end - b.start).total_seconds() / 3600
    return [
        TechnicianPublic(
            id=t.id,
            name=t.name,
            skills=t.skills,
            shift=t.shift,
            booked_hours_next_7_days=round(hours.get(t.id, 0.0), 1),
        )
        for t in techs
    ]


@router.get("/schedule")
def schedule(
    services: ServicesDep,
    _user: CurrentUser,
    start: Timestamp | None = None,
    days: Annotated[int, Query(ge=1, le=60)] = 7,
    technician_id: str | None = None,
) -> list[BookingPublic]:
    """Bookings from `start` (default now) for `days` days."""
    begin = start or utcnow()
    with Session(services.engine) as session:
        query = select(Booking).where(
            col(Booking.end) > begin, col(Booking.start) < begin + timedelta(days=days)
        )
        if technician_id:
            query = query.where(Booking.technician_id == technician_id)
        rows = session.exec(query.order_by(col(Booking.start))).all()
    return [BookingPublic.model_validate(r, from_attributes=True) for r in rows]

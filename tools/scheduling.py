"""Technician availability and booking: skill, shift and current load decide who goes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from copilot.errors import NotFoundError
from copilot.models import Booking, Technician
from copilot.schemas import ShiftSpec


class BookingProposal(BaseModel):
    technician_id: str
    technician_name: str
    start: datetime
    end: datetime
    load_hours: float
    reason: str


class BookingRecord(BaseModel):
    id: int
    work_order_id: int
    technician_id: str
    start: datetime
    end: datetime
    created: bool


def _shift_windows(shift: ShiftSpec, day: datetime) -> tuple[datetime, datetime]:
    start_t = time.fromisoformat(shift.start)
    end_t = time.fromisoformat(shift.end)
    start = datetime.combine(day.date(), start_t, tzinfo=UTC)
    end = datetime.combine(day.date(), end_t, tzinfo=UTC)
    if end <= start:
        end += timedelta(days=1)
    return start, end


class Scheduler:
    """Finds the earliest free slot of a qualified technician and books it idempotently."""

    def __init__(self, engine: Engine, shifts: dict[str, ShiftSpec]) -> None:
        self._engine = engine
        self._shifts = shifts

    def _bookings(
        self, session: Session, technician_id: str, start: datetime, end: datetime
    ) -> list[Booking]:
        query = (
            select(Booking)
            .where(Booking.technician_id == technician_id, Booking.end > start, Booking.start < end)
            .order_by(col(Booking.start))
        )
        return list(session.exec(query).all())

    def _earliest_slot(
        self, session: Session, tech: Technician, hours: float, not_before: datetime, horizon_days: int
    ) -> tuple[datetime, datetime] | None:
        shift = self._shifts.get(tech.shift)
        if shift is None:
            return None
        for offset in range(-1, horizon_days + 1):
            shift_start, shift_end = _shift_windows(shift, not_before + timedelta(days=offset))
            # The job must fit in one stretch; a job longer than a shift takes a whole shift.
            needed = min(timedelta(hours=hours), shift_end - shift_start)
            cursor = max(shift_start, not_before)
            for booking in self._bookings(session, tech.id, shift_start, shift_end):
                if booking.start - cursor >= needed:
                    break
                cursor = max(cursor, booking.end)
            if shift_end - cursor >= needed:
                return cursor, cursor + needed
        return None

    def propose(
        self, *, craft: str, hours: float, not_before: datetime, horizon_days: int = 7
    ) -> BookingProposal:
        """Pick the qualified technician who can start first; ties go to the least loaded."""
        with Session(self._engine) as session:
            technicians = [
                t
                for t in session.exec(select(Technician).order_by(col(Technician.id))).all()
                if craft in t.skills
            ]
            if not technicians:
                raise NotFoundError(f"no technician has the skill {craft!r}")
            options = []
            for tech in technicians:
                slot = self._earliest_slot(session, tech, hours, not_before, horizon_days)
                if slot is None:
                    continue
                week = self._bookings(session, tech.id, not_before, not_before + timedelta(days=horizon_days))
                load = sum((b.end - b.start).total_seconds() for b in week) / 3600
                options.append((slot[0], load, tech, slot))
            if not options:
                raise NotFoundError(f"no {craft} technician is free in the next {horizon_days} days")
            start, load, tech, (slot_start, slot_end) = min(options, key=lambda o: (o[0], o[1], o[2].id))
            booked = (slot_end - slot_start).total_seconds() / 3600
            note = "" if booked >= hours else f"; {hours - booked:g} h continue next shift"
            return BookingProposal(
                technician_id=tech.id,
                technician_name=tech.name,
                start=slot_start,
                end=slot_end,
                load_hours=round(load, 1),
                reason=f"{tech.name} has {craft}, {tech.shift} shift, {load:.1f} h booked this week{note}",
            )

    def book(
        self, *, work_order_id: int, technician_id: str, start: datetime, end: datetime, idempotency_key: str
    ) -> BookingRecord:
        """Book a technician once per idempotency key."""
        with Session(self._engine, expire_on_commit=False) as session:
            if session.get(Technician, technician_id) is None:
                raise NotFoundError(f"unknown technician {technician_id!r}")
            existing = session.exec(select(Booking).where(Booking.idempotency_key == idempotency_key)).first()
            created = existing is None
            if existing is None:
                existing = Booking(
                    work_order_id=work_order_id,
                    technician_id=technician_id,
                    start=start,
                    end=end,
                    idempotency_key=idempotency_key,
                )
                session.add(existing)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    existing = session.exec(
                        select(Booking).where(Booking.idempotency_key == idempotency_key)
                    ).one()
                    created = False
            return BookingRecord(
                id=existing.id or 0,
                work_order_id=existing.work_order_id,
                technician_id=existing.technician_id,
                start=existing.start,
                end=existing.end,
                created=created,
            )

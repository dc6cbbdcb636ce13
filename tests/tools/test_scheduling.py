"""Scheduling picks a qualified technician by shift and load; bookings and work orders are idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from copilot.errors import NotFoundError, ValidationError
from copilot.services import Services
from tools.workorders import WorkOrderDraft

MONDAY_7AM = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def _draft(**changes: object) -> WorkOrderDraft:
    base = dict(
        asset_id="P-101",
        title="Replace bearings",
        description="x",
        priority=2,
        failure_code="PMP-BRG",
        craft="mechanical",
        estimated_hours=4,
        permits=["LOTO"],
        safety_steps=["Lock E-1"],
    )
    return WorkOrderDraft.model_validate({**base, **changes})


def test_proposal_needs_the_skill_and_prefers_who_is_on_shift(services: Services) -> None:
    proposal = services.scheduler.propose(craft="hvac_refrigeration", hours=3, not_before=MONDAY_7AM)
    assert proposal.technician_id == "T-02"  # Ben: hvac, day shift; Dara (T-04) starts at 14:00
    assert proposal.start == MONDAY_7AM and proposal.end == MONDAY_7AM + timedelta(hours=3)
    with pytest.raises(NotFoundError, match="welding"):
        services.scheduler.propose(craft="welding", hours=1, not_before=MONDAY_7AM)


def test_booked_time_moves_the_next_job_to_the_next_free_slot_or_technician(services: Services) -> None:
    wo = services.cmms.create(
        _draft(), idempotency_key="k1", requester="t", approver=None, investigation_id=None
    )
    first = services.scheduler.propose(craft="electrical", hours=6, not_before=MONDAY_7AM)
    assert first.technician_id == "T-03"  # Chen: the only day-shift electrician
    services.scheduler.book(
        work_order_id=wo.work_order.id,
        technician_id=first.technician_id,
        start=first.start,
        end=first.end,
        idempotency_key="b1",
    )
    second = services.scheduler.propose(craft="electrical", hours=6, not_before=MONDAY_7AM)
    assert second.technician_id == "T-05"  # Eli (evening) is free before Chen is free again
    assert second.start == MONDAY_7AM.replace(hour=14)


def test_booking_and_work_order_creation_are_idempotent(services: Services) -> None:
    first = services.cmms.create(
        _draft(), idempotency_key="same", requester="t", approver="o", investigation_id=None
    )
    again = services.cmms.create(
        _draft(title="Different"), idempotency_key="same", requester="t", approver="o", investigation_id=None
    )
    assert first.created and not again.created and again.work_order.id == first.work_order.id
    assert first.work_order.number == f"WO-{first.work_order.id:06d}"
    kwargs = dict(
        work_order_id=first.work_order.id,
        technician_id="T-01",
        start=MONDAY_7AM,
        end=MONDAY_7AM + timedelta(hours=2),
        idempotency_key="bk",
    )
    assert services.scheduler.book(**kwargs).created and not services.scheduler.book(**kwargs).created


def test_a_lockout_work_order_without_steps_is_refused(services: Services) -> None:
    with pytest.raises(ValidationError, match="lockout-tagout steps"):
        services.cmms.create(
            _draft(safety_steps=[]), idempotency_key="k", requester="t", approver=None, investigation_id=None
        )

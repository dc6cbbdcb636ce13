"""Persistence helpers for investigations, proposed actions and approvals (keyword-only arguments)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from copilot import audit
from copilot.errors import NotFoundError
from copilot.models import (
    ActionStatus,
    ApprovalRequest,
    ApprovalStatus,
    Investigation,
    InvestigationStatus,
    ProposedAction,
    utcnow,
)

OPEN_STATUSES = (
    InvestigationStatus.running,
    InvestigationStatus.pending_approval,
    InvestigationStatus.approved,
)


def get_investigation(session: Session, investigation_id: int) -> Investigation:
    row = session.get(Investigation, investigation_id)
    if row is None:
        raise NotFoundError(
            f"investigation {investigation_id} does not exist: list them with `copilot investigations`"
        )
    return row


def update_investigation(
    engine: Engine, *, investigation_id: int, actor: str = "copilot", **fields: Any
) -> None:
    """Set fields of an investigation; a status change is audited."""
    with Session(engine) as session:
        row = get_investigation(session, investigation_id)
        old_status = row.status
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
        if "status" in fields and fields["status"] != old_status:
            audit.record(
                session,
                actor=actor,
                action="investigation_status",
                entity_type="investigation",
                entity_id=investigation_id,
                detail={"from": str(old_status), "to": str(fields["status"])},
            )
        session.commit()


def find_open_investigation(
    session: Session, *, asset_id: str, failure_mode: str | None
) -> Investigation | None:
    """Return the open investigation an alert of this asset and failure mode belongs to (see choose_open)."""
    return choose_open(open_investigations(session, asset_ids=[asset_id])[asset_id], failure_mode)


def save_actions(engine: Engine, *, investigation_id: int, actions: list[dict[str, Any]]) -> None:
    """Upsert the proposed actions of an investigation by their key (safe to repeat)."""
    with Session(engine) as session:
        existing = {
            a.key: a
            for a in session.exec(
                select(ProposedAction).where(ProposedAction.investigation_id == investigation_id)
            )
        }
        for action in actions:
            row = existing.get(action["key"]) or ProposedAction(
                investigation_id=investigation_id, key=action["key"], kind=action["kind"]
            )
            row.kind = action["kind"]
            row.payload = action["payload"]
            row.requires_approval = action["requires_approval"]
            row.safety_reasons = action["reasons"]
            session.add(row)
        session.commit()


def set_action_result(
    engine: Engine,
    *,
    investigation_id: int,
    key: str,
    status: ActionStatus,
    result: dict[str, Any],
    payload: dict[str, Any] | None = None,
) -> None:
    with Session(engine) as session:
        row = session.exec(
            select(ProposedAction).where(
                ProposedAction.investigation_id == investigation_id, ProposedAction.key == key
            )
        ).first()
        if row is None:
            return
        row.status = status
        row.result = result
        if payload is not None:
            row.payload = payload
        session.add(row)
        session.commit()


def ensure_approval_request(engine: Engine, *, investigation_id: int, requested_by: str, summary: str) -> int:
    """Return the pending approval of an investigation, creating it once."""
    with Session(engine) as session:
        row = session.exec(
            select(ApprovalRequest).where(
                ApprovalRequest.investigation_id == investigation_id,
                ApprovalRequest.status == ApprovalStatus.pending,
            )
        ).first()
        if row is None:
            row = ApprovalRequest(
                investigation_id=investigation_id, requested_by=requested_by, summary=summary
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor=requested_by,
                action="approval_requested",
                entity_type="approval",
                entity_id=row.id or 0,
                detail={"investigation_id": investigation_id, "summary": summary},
            )
        approval_id = row.id
        session.commit()
        assert approval_id is not None
        return approval_id


def open_investigations(session: Session, *, asset_ids: Collection[str]) -> dict[str, list[Investigation]]:
    """The open investigations of some assets, oldest first, by asset."""
    rows = session.exec(
        select(Investigation)
        .where(col(Investigation.asset_id).in_(list(asset_ids)), col(Investigation.status).in_(OPEN_STATUSES))
        .order_by(col(Investigation.id))
    ).all()
    out: dict[str, list[Investigation]] = {asset_id: [] for asset_id in asset_ids}
    for row in rows:
        out[row.asset_id].append(row)
    return out


def choose_open(candidates: list[Investigation], failure_mode: str | None) -> Investigation | None:
    """The open investigation an alert belongs to: same failure mode.

    An alert without a failure mode joins any open investigation of its asset, and an investigation
    whose mode is not known yet takes any alert of its asset.
    """
    for investigation in candidates:
        if failure_mode is None or investigation.failure_mode in (None, failure_mode):
            return investigation
    return None

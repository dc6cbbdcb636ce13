"""The append-only audit log: every decision and every write lands here."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, col, select

from copilot.models import AuditEvent

log = logging.getLogger(__name__)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the caller's transaction)."""
    event = AuditEvent(
        actor=actor, action=action, entity_type=entity_type, entity_id=str(entity_id), detail=detail or {}
    )
    session.add(event)
    log.info("audit %s %s %s:%s", actor, action, entity_type, entity_id)
    return event


def events(
    session: Session, *, entity_type: str | None = None, entity_id: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Return audit events, newest first, optionally for one entity."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    return list(session.exec(query).all())

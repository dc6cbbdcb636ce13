from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from copilot import audit
from copilot.api.deps import CurrentUser, OperatorUser, ServicesDep
from copilot.api.schemas import AuditPublic, ErrorBody, FeedbackIn, FeedbackPublic, Page, Stats
from copilot.errors import NotFoundError
from copilot.models import Alert, ApprovalRequest, AuditEvent, Feedback, Investigation, WorkOrder, utcnow

router = APIRouter(tags=["feedback and audit"])


@router.post("/feedback", status_code=201, responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def feedback(body: FeedbackIn, services: ServicesDep, user: CurrentUser) -> FeedbackPublic:
    """Say whether an alert was useful and whether a diagnosis was right (and what it really was)."""
    with Session(services.engine) as session:
        if body.alert_id is not None and session.get(Alert, body.alert_id) is None:
            raise NotFoundError(f"alert {body.alert_id} does not exist")
        if body.investigation_id is not None and session.get(Investigation, body.investigation_id) is None:
            raise NotFoundError(f"investigation {body.investigation_id} does not exist")
        row = Feedback(user_id=user.id, **body.model_dump())
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=user.id,
            action="feedback",
            entity_type="feedback",
            entity_id=row.id or 0,
            detail=body.model_dump(),
        )
        session.commit()
        return FeedbackPublic.model_validate(row, from_attributes=True)


@router.get("/audit")
def audit_log(
    services: ServicesDep,
    _user: OperatorUser,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AuditPublic]:
    """The append-only audit log, newest first (operators and admins)."""
    with Session(services.engine) as session:
        query = select(AuditEvent)
        for column, value in (
            (AuditEvent.entity_type, entity_type),
            (AuditEvent.entity_id, entity_id),
            (AuditEvent.actor, actor),
            (AuditEvent.action, action),
        ):
            if value:
                query = query.where(column == value)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)).all()
        items = [AuditPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/stats")
def stats(services: ServicesDep, _user: CurrentUser, days: Annotated[int, Query(ge=1, le=365)] = 14) -> Stats:
    """The dashboard's figures: alerts per day, approval latency, alert precision and diagnosis accuracy."""
    since = utcnow() - timedelta(days=days)
    with Session(services.engine) as session:
        alert_days = Counter(
            ts.date().isoformat() for ts in session.exec(select(Alert.ts).where(col(Alert.ts) >= since)).all()
        )
        decided = session.exec(
            select(ApprovalRequest).where(col(ApprovalRequest.decided_at).is_not(None))
        ).all()
        waits = [((a.decided_at - a.created_at).total_seconds() / 60) for a in decided if a.decided_at]
        feedback = session.exec(select(Feedback)).all()
        inv = dict(
            session.exec(select(Investigation.status, func.count()).group_by(Investigation.status)).all()
        )
        wos = dict(session.exec(select(WorkOrder.status, func.count()).group_by(WorkOrder.status)).all())
    useful = [f.alert_useful for f in feedback if f.alert_useful is not None]
    correct = [f.diagnosis_correct for f in feedback if f.diagnosis_correct is not None]
    return Stats(
        alerts_per_day=dict(sorted(alert_days.items())),
        approvals_decided=len(waits),
        approval_latency_p50_min=round(float(np.percentile(waits, 50)), 1) if waits else None,
        approval_latency_p90_min=round(float(np.percentile(waits, 90)), 1) if waits else None,
        alert_feedback=len(useful),
        alert_precision=round(sum(useful) / len(useful), 3) if useful else None,
        diagnosis_feedback=len(correct),
        diagnosis_accuracy=round(sum(correct) / len(correct), 3) if correct else None,
        investigations_by_status={str(k): int(v) for k, v in inv.items()},
        work_orders_by_status={str(k): int(v) for k, v in wos.items()},
    )

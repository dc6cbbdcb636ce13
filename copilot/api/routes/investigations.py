from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from copilot import audit, repo
from copilot.api.deps import ServicesDep
from copilot.api.schemas import ActionPublic, AlertPublic, InvestigationDetail, InvestigationSummary, Page
from copilot.models import Alert, Investigation, ProposedAction

router = APIRouter(prefix="/investigations", tags=["investigations"])


def _summary(row: Investigation) -> InvestigationSummary:
    return InvestigationSummary(
        id=row.id or 0,
        asset_id=row.asset_id,
        failure_mode=row.failure_mode,
        status=str(row.status),
        mode=row.mode,
        created_at=row.created_at,
        updated_at=row.updated_at,
        diagnosis_summary=str(row.diagnosis.get("summary", "")),
    )


@router.get("")
def list_investigations(
    services: ServicesDep,
    status: str | None = None,
    asset_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[InvestigationSummary]:
    """List investigations, newest first."""
    with Session(services.engine) as session:
        query = select(Investigation)
        if status:
            query = query.where(Investigation.status == status)
        if asset_id:
            query = query.where(Investigation.asset_id == asset_id)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(query.order_by(col(Investigation.id).desc()).offset(offset).limit(limit)).all()
        return Page(items=[_summary(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{investigation_id}")
def get_investigation(investigation_id: int, services: ServicesDep) -> InvestigationDetail:
    """One investigation with its alerts, evidence, diagnosis, actions and timeline."""
    with Session(services.engine) as session:
        row = repo.get_investigation(session, investigation_id)
        alerts = session.exec(
            select(Alert).where(Alert.investigation_id == investigation_id).order_by(col(Alert.id))
        ).all()
        actions = session.exec(
            select(ProposedAction)
            .where(ProposedAction.investigation_id == investigation_id)
            .order_by(col(ProposedAction.id))
        ).all()
        timeline = [
            {"ts": e.ts.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in reversed(
                audit.events(session, entity_type="investigation", entity_id=str(investigation_id))
            )
        ]
        return InvestigationDetail(
            **_summary(row).model_dump(),
            diagnosis=row.diagnosis,
            evidence=row.evidence,
            report=row.report,
            error=row.error,
            alerts=[AlertPublic.model_validate(a, from_attributes=True) for a in alerts],
            actions=[
                ActionPublic(
                    key=a.key,
                    kind=a.kind,
                    payload=a.payload,
                    requires_approval=a.requires_approval,
                    reasons=a.safety_reasons,
                    status=str(a.status),
                    result=a.result,
                )
                for a in actions
            ],
            timeline=timeline,
        )

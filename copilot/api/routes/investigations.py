from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from copilot import audit, repo
from copilot.api.deps import CurrentUser, ServicesDep
from copilot.api.schemas import (
    ActionPublic,
    AlertPublic,
    CitationPublic,
    EntityId,
    ErrorBody,
    InvestigationDetail,
    InvestigationSummary,
    Page,
)
from copilot.graph.graph import thread_config
from copilot.models import Alert, Investigation, InvestigationStatus, ProposedAction

router = APIRouter(prefix="/investigations", tags=["investigations"])


def summary(row: Investigation) -> InvestigationSummary:
    return InvestigationSummary(
        id=row.id or 0,
        asset_id=row.asset_id,
        failure_mode=row.failure_mode,
        status=str(row.status),
        kind=row.kind,
        mode=row.mode,
        created_at=row.created_at,
        updated_at=row.updated_at,
        diagnosis_summary=str(row.diagnosis.get("summary", "")),
    )


@router.get("")
def list_investigations(
    services: ServicesDep,
    _user: CurrentUser,
    status: InvestigationStatus | None = None,
    asset_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
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
        return Page(items=[summary(r) for r in rows], total=total, limit=limit, offset=offset)


def _citations(state: dict[str, Any]) -> list[CitationPublic]:
    out: dict[str, CitationPublic] = {}
    for key in ("manual", "incidents", "fmea_passages"):
        for passage in state.get(key, []):
            citation = passage["citation"]
            ref = f"{citation['doc_id']}#{citation.get('chunk', 0)}"
            out.setdefault(
                ref,
                CitationPublic(
                    ref=ref,
                    doc_id=citation["doc_id"],
                    section=citation["section"],
                    source=citation.get("source", ""),
                    text=passage.get("text", ""),
                ),
            )
    return list(out.values())


@router.get("/{investigation_id}", responses={404: {"model": ErrorBody}})
def get_investigation(
    investigation_id: EntityId, services: ServicesDep, _user: CurrentUser
) -> InvestigationDetail:
    """One investigation with its alerts, evidence, diagnosis, cited passages, actions and timeline."""
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
        events = audit.events(session, entity_type="investigation", entity_id=str(investigation_id))
        approvals = audit.events(session, entity_type="approval")
        timeline = [
            {"ts": e.ts.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
            for e in sorted(
                [*events, *[a for a in approvals if a.detail.get("investigation_id") == investigation_id]],
                key=lambda e: e.id or 0,
            )
        ]
        state = services.graph.get_state(thread_config(investigation_id)).values if row.thread_id else {}
        return InvestigationDetail(
            **summary(row).model_dump(),
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
            citations=_citations(state),
            incident_summary=state.get("incident_summary", ""),
            sensor_stats=state.get("sensor_stats", []),
            fallbacks=state.get("fallbacks", []),
            timeline=timeline,
        )

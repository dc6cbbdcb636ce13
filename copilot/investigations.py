"""Alert intake, investigations and decisions: what the CLI, the API and the demo call."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from langgraph.types import Command
from pydantic import BaseModel
from sqlalchemy import CursorResult, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from copilot import audit, repo
from copilot.db import exclusive
from copilot.errors import ConflictError, NotFoundError, PermissionDenied, UnknownAssetError, ValidationError
from copilot.graph.graph import thread_config, thread_id
from copilot.graph.state import DecisionPayload, InvestigationState, RequestPayload
from copilot.models import (
    Alert,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
    AuditEvent,
    Decision,
    Investigation,
    InvestigationStatus,
    ProposedAction,
    User,
    utcnow,
)
from copilot.safety.policy import classify
from copilot.schemas import AlertIn
from copilot.services import Services
from tools.workorders import WorkOrderDraft

log = logging.getLogger(__name__)

MAX_EVIDENCE_ROUNDS = 2


class AlertOutcome(BaseModel):
    alert_id: int
    investigation_id: int
    merged: bool
    status: str


class ApprovalView(BaseModel):
    """A pending approval with what an operator needs to decide."""

    id: int
    investigation_id: int
    asset_id: str
    status: str
    summary: str
    created_at: str
    requested_by: str
    decision: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    comment: str | None = None
    diagnosis: dict[str, Any]
    evidence: dict[str, Any]
    actions: list[dict[str, Any]]


class DecisionOutcome(BaseModel):
    approval_id: int
    investigation_id: int
    decision: str
    investigation_status: str
    work_orders: list[str]


def _state_status(services: Services, investigation_id: int) -> str:
    with Session(services.engine) as session:
        return str(repo.get_investigation(session, investigation_id).status)


def record_alert(services: Services, alert: AlertIn) -> tuple[int, int, bool]:
    """Store one alert (see record_alerts); UnknownAssetError names an unknown asset."""
    (result,) = record_alerts(services, [alert])
    if isinstance(result, UnknownAssetError):
        raise result
    return result


def handle_alert(services: Services, alert: AlertIn) -> AlertOutcome:
    """Record an alert and, unless it joined an open investigation, investigate it up to approval or the end."""
    alert_id, investigation_id, merged = record_alert(services, alert)
    if not merged:
        run_investigation(services, investigation_id, alert)
    return AlertOutcome(
        alert_id=alert_id,
        investigation_id=investigation_id,
        merged=merged,
        status=_state_status(services, investigation_id),
    )


def run_investigation(services: Services, investigation_id: int, alert: AlertIn) -> None:
    """Run the graph for a new investigation until it ends or waits for approval."""
    try:
        services.graph.invoke(
            InvestigationState(investigation_id=investigation_id, alert=alert.model_dump(mode="json")),
            thread_config(investigation_id),
            context=services,
        )
    except Exception as exc:
        log.exception("investigation %s failed", investigation_id)
        repo.update_investigation(
            services.engine,
            investigation_id=investigation_id,
            status=InvestigationStatus.failed,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise


def _approval_view(session: Session, approval: ApprovalRequest) -> ApprovalView:
    investigation = repo.get_investigation(session, approval.investigation_id)
    actions = session.exec(
        select(ProposedAction)
        .where(ProposedAction.investigation_id == investigation.id)
        .order_by(col(ProposedAction.id))
    ).all()
    decided = session.exec(
        select(ApprovalDecision).where(ApprovalDecision.approval_id == approval.id)
    ).first()
    return ApprovalView(
        id=approval.id or 0,
        investigation_id=investigation.id or 0,
        asset_id=investigation.asset_id,
        status=str(approval.status),
        summary=approval.summary,
        created_at=approval.created_at.isoformat(),
        requested_by=approval.requested_by,
        decision=str(decided.decision) if decided else None,
        decided_by=decided.user_id if decided else None,
        decided_at=decided.decided_at.isoformat() if decided else None,
        comment=decided.comment if decided else None,
        diagnosis=investigation.diagnosis,
        evidence=investigation.evidence,
        actions=[
            {
                "key": a.key,
                "kind": a.kind,
                "payload": a.payload,
                "requires_approval": a.requires_approval,
                "reasons": a.safety_reasons,
                "status": str(a.status),
            }
            for a in actions
        ],
    )


def list_approvals(
    services: Services, *, status: ApprovalStatus | None = ApprovalStatus.pending
) -> list[ApprovalView]:
    with Session(services.engine) as session:
        query = select(ApprovalRequest).order_by(col(ApprovalRequest.id))
        if status is not None:
            query = query.where(ApprovalRequest.status == status)
        return [_approval_view(session, a) for a in session.exec(query).all()]


def get_approval(services: Services, approval_id: int) -> ApprovalView:
    with Session(services.engine) as session:
        approval = session.get(ApprovalRequest, approval_id)
        if approval is None:
            raise NotFoundError(
                f"approval {approval_id} does not exist: list pending ones with `copilot approvals`"
            )
        return _approval_view(session, approval)


def _validate_edits(services: Services, investigation_id: int, edits: dict[str, dict[str, Any]]) -> None:
    """Refuse edits that break an action's schema or drop a permit or safety step the policy requires."""
    with Session(services.engine) as session:
        investigation = repo.get_investigation(session, investigation_id)
        rows = {
            a.key: a
            for a in session.exec(
                select(ProposedAction).where(ProposedAction.investigation_id == investigation_id)
            ).all()
        }
    asset = services.registry.get(investigation.asset_id)
    spec = services.site.asset_class(asset.asset_class)
    facts = {"energized": spec.energized, "pressurized": spec.pressurized, "criticality": asset.criticality}
    for key, changes in edits.items():
        if key not in rows:
            raise ValidationError(
                f"edit names action {key!r}, which this investigation did not propose "
                f"(its actions: {', '.join(sorted(rows))})"
            )
        merged = {**rows[key].payload, **changes}
        if rows[key].kind == "create_work_order":
            try:
                WorkOrderDraft.model_validate(merged)
            except Exception as exc:
                raise ValidationError(f"edited work order is invalid: {exc}") from exc
            verdict = classify(services.policy, kind="create_work_order", payload=merged, asset=facts)
            missing = [p for p in verdict.permits if p not in merged.get("permits", [])]
            if missing:
                raise ValidationError(
                    f"edit removes required permit(s) {missing}: the safety policy requires them"
                )
            if "LOTO" in merged.get("permits", []) and not merged.get("safety_steps"):
                raise ValidationError("edit removes the lockout-tagout steps that the LOTO permit requires")


def decide(
    services: Services,
    approval_id: int,
    *,
    decision: Decision,
    user_id: str,
    comment: str = "",
    edits: dict[str, dict[str, Any]] | None = None,
) -> DecisionOutcome:
    """Record an operator's decision (first writer wins) and resume the investigation with it."""
    edits = edits or {}
    if decision == Decision.edit and not edits:
        raise ValidationError("an edit decision needs the edited fields (per action key)")
    new_status = {
        Decision.approve: ApprovalStatus.approved,
        Decision.edit: ApprovalStatus.edited,
        Decision.reject: ApprovalStatus.rejected,
        Decision.more_evidence: ApprovalStatus.more_evidence,
    }[decision]
    with Session(services.engine) as session:
        approval = session.get(ApprovalRequest, approval_id)
        if approval is None:
            raise NotFoundError(
                f"approval {approval_id} does not exist: list pending ones with `copilot approvals`"
            )
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"unknown user {user_id!r}: users are defined in the site's site.yaml")
        if user.role not in services.policy.approver_roles:
            raise PermissionDenied(
                f"{user_id} is a {user.role}; only {', '.join(services.policy.approver_roles)} "
                "may decide approvals"
            )
        if not services.policy.self_approval and user.id == approval.requested_by:
            raise PermissionDenied(f"{user_id} requested approval {approval_id} and cannot approve it")
        investigation_id = approval.investigation_id
    if decision == Decision.more_evidence:
        with Session(services.engine) as session:
            rounds = session.exec(
                select(func.count())
                .select_from(ApprovalRequest)
                .where(
                    ApprovalRequest.investigation_id == investigation_id,
                    ApprovalRequest.status == ApprovalStatus.more_evidence,
                )
            ).one()
        if rounds >= MAX_EVIDENCE_ROUNDS:
            raise ValidationError(
                f"more evidence was already gathered {rounds} times for investigation "
                f"{investigation_id}: approve, edit or reject"
            )
    if edits:
        _validate_edits(services, investigation_id, edits)

    payload = DecisionPayload(
        approval_id=approval_id,
        decision=decision,
        user_id=user_id,
        role=user.role,
        comment=comment,
        edits=edits,
    )
    with Session(services.engine) as session:
        claimed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(ApprovalRequest)
            .where(
                col(ApprovalRequest.id) == approval_id, col(ApprovalRequest.status) == ApprovalStatus.pending
            )
            .values(status=new_status, decided_at=utcnow())
        )
        if claimed.rowcount != 1:
            session.rollback()
            raise ConflictError(_already_decided(services, approval_id))
        session.add(
            ApprovalDecision(
                approval_id=approval_id,
                user_id=user_id,
                role=user.role,
                decision=decision,
                comment=comment,
                edits=edits,
            )
        )
        investigation = repo.get_investigation(session, investigation_id)
        investigation.status = {
            Decision.reject: InvestigationStatus.rejected,
            Decision.more_evidence: InvestigationStatus.running,
        }.get(decision, InvestigationStatus.approved)
        investigation.updated_at = utcnow()
        session.add(investigation)
        audit.record(
            session,
            actor=user_id,
            action=f"approval_{decision.value}",
            entity_type="approval",
            entity_id=approval_id,
            detail={
                "investigation_id": investigation_id,
                "role": user.role,
                "comment": comment,
                "edits": edits,
            },
        )
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise ConflictError(_already_decided(services, approval_id)) from exc

    resume(services, investigation_id, payload)
    return _outcome(services, approval_id, investigation_id, decision.value)


def _already_decided(services: Services, approval_id: int) -> str:
    with Session(services.engine) as session:
        row = session.exec(
            select(ApprovalDecision).where(ApprovalDecision.approval_id == approval_id)
        ).first()
    if row is None:
        return f"approval {approval_id} is no longer pending"
    return (
        f"approval {approval_id} was already decided: {row.decision} by {row.user_id} at "
        f"{row.decided_at:%Y-%m-%d %H:%M:%S}"
    )


def resume(services: Services, investigation_id: int, payload: DecisionPayload) -> None:
    """Resume an investigation's thread at its approval node with the decision for that approval."""
    waiting = waiting_for(services, investigation_id)
    if waiting != payload.approval_id:
        log.info(
            "investigation %s: waits for approval %s, not %s; nothing to resume",
            investigation_id,
            waiting,
            payload.approval_id,
        )
        return
    services.graph.invoke(
        Command(resume=payload.model_dump(mode="json")), thread_config(investigation_id), context=services
    )


def resume_decided(services: Services) -> int:
    """Resume investigations whose approval was decided but whose thread did not continue (after a crash)."""
    resumed = 0
    with Session(services.engine) as session:
        rows = session.exec(
            select(ApprovalDecision, ApprovalRequest)
            .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalDecision.approval_id))
            .join(Investigation, col(Investigation.id) == col(ApprovalRequest.investigation_id))
            .where(
                col(Investigation.status).in_(
                    [InvestigationStatus.approved, InvestigationStatus.rejected, InvestigationStatus.running]
                )
            )
        ).all()
    for decision, approval in rows:
        if waiting_for(services, approval.investigation_id) != approval.id:
            continue
        payload = DecisionPayload(
            approval_id=approval.id or 0,
            decision=decision.decision,
            user_id=decision.user_id,
            role=decision.role,
            comment=decision.comment,
            edits=decision.edits,
        )
        log.info("investigation %s: resuming decided approval %s", approval.investigation_id, approval.id)
        resume(services, approval.investigation_id, payload)
        resumed += 1
    return resumed


def _outcome(services: Services, approval_id: int, investigation_id: int, decision: str) -> DecisionOutcome:
    orders = [o.number for o in services.cmms.list() if o.investigation_id == investigation_id]
    return DecisionOutcome(
        approval_id=approval_id,
        investigation_id=investigation_id,
        decision=decision,
        investigation_status=_state_status(services, investigation_id),
        work_orders=orders,
    )


class ProposalOutcome(BaseModel):
    """What became of a request: the investigation that carries it and its approval (every request a person
    makes waits for an operator: `plan_request` marks all its actions as needing approval)."""

    investigation_id: int
    approval_id: int
    status: str
    actions: list[dict[str, Any]]


def propose_request(services: Services, request: RequestPayload) -> ProposalOutcome:
    """Open a request investigation for a person's ask; it pauses for approval like any other plan."""
    services.registry.get(request.asset_id)  # UnknownAssetError names the asset
    with Session(services.engine) as session:
        investigation = Investigation(
            asset_id=request.asset_id,
            failure_mode=request.failure_code,
            kind="request",
            requested_by=request.requested_by,
            mode=services.provider.mode,
            evidence={"request": request.model_dump(mode="json")},
        )
        session.add(investigation)
        session.flush()
        assert investigation.id is not None
        investigation.thread_id = thread_id(investigation.id)
        audit.record(
            session,
            actor=request.requested_by,
            action="request_opened",
            entity_type="investigation",
            entity_id=investigation.id,
            detail=request.model_dump(mode="json"),
        )
        session.commit()
        investigation_id = investigation.id
    state = services.graph.invoke(
        InvestigationState(investigation_id=investigation_id, request=request.model_dump(mode="json")),
        thread_config(investigation_id),
        context=services,
    )
    with Session(services.engine) as session:
        status = str(repo.get_investigation(session, investigation_id).status)
    approval_id = state.get("approval_id")
    if approval_id is None:  # plan_request makes every request wait for an operator
        raise ConflictError(
            f"request investigation {investigation_id} opened no approval; it must not execute"
        )
    return ProposalOutcome(
        investigation_id=investigation_id,
        approval_id=approval_id,
        status=status,
        actions=list(state.get("actions", [])),
    )


def waiting_for(services: Services, investigation_id: int) -> int | None:
    """The approval id an investigation's thread is paused on, if it is paused at its approval node."""
    snapshot = services.graph.get_state(thread_config(investigation_id))
    if "approval" not in snapshot.next:
        return None
    for interrupt in snapshot.interrupts:
        value = interrupt.value
        if isinstance(value, dict) and "approval_id" in value:
            return int(value["approval_id"])
    return None


def record_alerts(
    services: Services, alerts: list[AlertIn]
) -> list[tuple[int, int, bool] | UnknownAssetError]:
    """Store alerts in one transaction (group commit); each joins the open investigation of its asset and
    mode, or opens one. Returns, per alert, (alert id, investigation id, merged) or the error naming its asset.

    Built for bursts: the batch's open investigations are read once, alerts and their audit events are
    inserted in bulk.
    """
    known = services.registry.ids()
    now = utcnow()
    outcomes: list[tuple[int, bool] | UnknownAssetError] = []
    alert_rows: list[dict[str, Any]] = []
    # one writer at a time across threads and processes, so two alerts cannot both open an investigation
    with exclusive(services.engine, "intake"), Session(services.engine) as session:
        open_by_asset = repo.open_investigations(
            session, asset_ids={a.asset_id for a in alerts if a.asset_id in known}
        )
        for alert in alerts:
            if alert.asset_id not in known:
                outcomes.append(UnknownAssetError(alert.asset_id))
                continue
            investigation = repo.choose_open(open_by_asset[alert.asset_id], alert.failure_mode)
            merged = investigation is not None
            if investigation is None:
                investigation = Investigation(
                    asset_id=alert.asset_id,
                    failure_mode=alert.failure_mode,
                    mode=services.provider.mode,
                    evidence=alert.model_dump(mode="json"),
                )
                session.add(investigation)
                session.flush()
                assert investigation.id is not None
                investigation.thread_id = thread_id(investigation.id)
                open_by_asset[alert.asset_id].append(investigation)
            assert investigation.id is not None
            outcomes.append((investigation.id, merged))
            alert_rows.append(
                {
                    "asset_id": alert.asset_id,
                    "failure_mode": alert.failure_mode,
                    "severity": alert.severity.value,
                    "ts": alert.ts if alert.ts.tzinfo else alert.ts.replace(tzinfo=UTC),
                    "source": alert.source,
                    "summary": alert.summary,
                    "evidence": alert.evidence.model_dump(mode="json") if alert.evidence else {},
                    "investigation_id": investigation.id,
                    "created_at": now,
                }
            )
        alert_ids: list[int] = []
        if alert_rows:
            statement = insert(Alert).returning(col(Alert.id), sort_by_parameter_order=True)
            alert_ids = list(session.execute(statement, alert_rows).scalars().all())
            sources = iter(
                zip(
                    alert_rows,
                    alert_ids,
                    [o for o in outcomes if not isinstance(o, UnknownAssetError)],
                    strict=True,
                )
            )
            session.execute(
                insert(AuditEvent),
                [
                    {
                        "ts": now,
                        "actor": row["source"],
                        "action": "alert_merged" if merged else "investigation_opened",
                        "entity_type": "investigation",
                        "entity_id": str(investigation_id),
                        "detail": {
                            "alert_id": alert_id,
                            "asset_id": row["asset_id"],
                            "failure_mode": row["failure_mode"],
                        },
                    }
                    for row, alert_id, (investigation_id, merged) in sources
                ],
            )
        session.commit()
    ids = iter(alert_ids)
    return [o if isinstance(o, UnknownAssetError) else (next(ids), o[0], o[1]) for o in outcomes]

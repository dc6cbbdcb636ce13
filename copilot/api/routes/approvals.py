from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request

from copilot.api.deps import CurrentUser, OperatorUser, ServicesDep
from copilot.api.schemas import DecisionIn, EntityId, ErrorBody
from copilot.investigations import ApprovalView, DecisionOutcome, decide, get_approval, list_approvals
from copilot.models import ApprovalStatus, Decision

router = APIRouter(prefix="/approvals", tags=["approvals"])


@router.get("")
def approvals(
    services: ServicesDep,
    _user: CurrentUser,
    status: Literal["pending", "approved", "edited", "rejected", "more_evidence", "all"] = "pending",
) -> list[ApprovalView]:
    """Approvals (pending by default) with the diagnosis, evidence and proposed actions."""
    return list_approvals(services, status=None if status == "all" else ApprovalStatus(status))


@router.get("/{approval_id}", responses={404: {"model": ErrorBody}})
def approval(approval_id: EntityId, services: ServicesDep, _user: CurrentUser) -> ApprovalView:
    return get_approval(services, approval_id)


@router.post(
    "/{approval_id}/decision",
    responses={
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
def decision(
    approval_id: EntityId, body: DecisionIn, services: ServicesDep, user: OperatorUser, request: Request
) -> DecisionOutcome:
    """Approve, edit (the edited action fields as payload), reject or ask for more evidence. Operators only;
    nobody decides their own request; the first decision wins, a later one gets 409 with who decided."""
    outcome = decide(
        services,
        approval_id,
        decision=Decision(body.decision),
        user_id=user.id,
        comment=body.comment,
        edits=body.edits,
    )
    request.app.state.metrics.decisions.labels(body.decision).inc()
    return outcome

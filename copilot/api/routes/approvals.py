from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from copilot.api.deps import ServicesDep
from copilot.api.schemas import DecisionIn
from copilot.investigations import ApprovalView, DecisionOutcome, decide, get_approval, list_approvals
from copilot.models import ApprovalStatus, Decision

router = APIRouter(prefix="/approvals", tags=["approvals"])


@router.get("")
def approvals(
    services: ServicesDep,
    status: Literal["pending", "approved", "edited", "rejected", "all"] = "pending",
) -> list[ApprovalView]:
    """Approvals (pending by default) with the diagnosis, evidence and proposed actions."""
    return list_approvals(services, status=None if status == "all" else ApprovalStatus(status))


@router.get("/{approval_id}")
def approval(approval_id: int, services: ServicesDep) -> ApprovalView:
    return get_approval(services, approval_id)


@router.post("/{approval_id}/decision")
def decision(approval_id: int, body: DecisionIn, services: ServicesDep) -> DecisionOutcome:
    """Approve, edit or reject; the first decision wins, a later one gets 409 with who decided."""
    return decide(
        services,
        approval_id,
        decision=Decision(body.decision),
        user_id=body.user_id,
        comment=body.comment,
        edits=body.edits,
    )

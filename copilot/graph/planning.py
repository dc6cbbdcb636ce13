"""Planning: turn a diagnosis or a person's request into actions, each classified by the safety policy.

Shared by the alert path (plan_actions) and the request path (plan_request): work-order drafts get the
permits the policy requires and, when lockout-tagout applies, the lockout steps from the asset class's
manual; operational requests (shut down, restart, isolate, change a setpoint) become operational work
orders that carry the same safety content; recording a plan that needs a decision opens the approval.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from copilot import repo
from copilot.graph.state import PlannedAction
from copilot.models import InvestigationStatus, utcnow
from copilot.safety.policy import classify
from copilot.services import Services
from tools.assets import AssetInfo
from tools.notifications import NotificationMessage
from tools.workorders import WorkOrderDraft

log = logging.getLogger(__name__)

_STEP = re.compile(r"^\s*\d+[.)]\s+(.*)$")


@dataclass(frozen=True)
class Operation:
    """An operational request: the verb it is written with and the permits it always needs."""

    verb: str
    permits: tuple[str, ...]
    hours: float


OPERATIONS: dict[str, Operation] = {
    "shutdown_equipment": Operation("Shut down", ("LOTO",), 1.0),
    "restart_equipment": Operation("Restart", (), 1.0),
    "isolate_energy": Operation("Isolate", ("LOTO",), 1.0),
    "change_setpoint": Operation("Change a setpoint on", (), 0.5),
}
WORK_ORDER_KINDS = frozenset({"create_work_order", *OPERATIONS})


def asset_facts(svc: Services, asset: AssetInfo) -> dict[str, Any]:
    """What the safety policy reads about an asset."""
    spec = svc.site.asset_class(asset.asset_class)
    return {"energized": spec.energized, "pressurized": spec.pressurized, "criticality": asset.criticality}


def classified(
    svc: Services, *, key: str, kind: str, summary: str, payload: dict[str, Any], facts: dict[str, Any]
) -> PlannedAction:
    verdict = classify(svc.policy, kind=kind, payload=payload, asset=facts)
    return PlannedAction(
        key=key,
        kind=kind,
        summary=summary,
        payload=payload,
        requires_approval=verdict.requires_approval,
        reasons=verdict.reasons,
        permits=verdict.permits,
    )


def lockout_steps(svc: Services, asset_class: str) -> tuple[list[str], str]:
    """The numbered lockout steps of the asset class's manual, and where they come from."""
    passages = svc.retriever.section(asset_class=asset_class, contains="Lockout steps")
    steps = [m.group(1).strip() for p in passages for line in p.text.splitlines() if (m := _STEP.match(line))]
    return steps, (passages[0].citation.label() if passages else "")


def work_order_action(
    svc: Services,
    *,
    key: str,
    kind: str,
    asset: AssetInfo,
    draft: WorkOrderDraft,
    loto: tuple[list[str], str],
) -> PlannedAction:
    """Classify a work-order draft; add the permits the policy requires and the lockout steps LOTO needs."""
    action = classified(
        svc,
        key=key,
        kind=kind,
        facts=asset_facts(svc, asset),
        summary=f"{'Create work order' if kind == 'create_work_order' else 'Operational work order'}: "
        f"{draft.title} (P{draft.priority})",
        payload=draft.model_dump(mode="json"),
    )
    permits = sorted(set(draft.permits) | set(action.permits))
    steps, source = loto
    action.payload.update(
        permits=permits, safety_steps=steps if "LOTO" in permits else [], safety_source=source
    )
    if "LOTO" in permits and not steps:
        action.requires_approval = True
        action.reasons.append("no lockout-tagout steps found in the manual: the operator must supply them")
    return action


def booking_action(
    svc: Services, *, craft: str, hours: float, asset: AssetInfo
) -> tuple[PlannedAction | None, str | None]:
    """Propose the technician who can start first; on failure return the reason (the caller falls back)."""
    try:
        proposal = svc.scheduler.propose(craft=craft, hours=hours, not_before=utcnow())
    except Exception as exc:  # scheduling down or nobody qualified: the fallback is a notification
        return None, str(exc)
    summary = (
        f"Book {proposal.technician_name} {proposal.start:%a %H:%M}-{proposal.end:%H:%M} ({proposal.reason})"
    )
    return classified(
        svc,
        key="booking",
        kind="book_technician",
        summary=summary,
        payload=proposal.model_dump(mode="json"),
        facts=asset_facts(svc, asset),
    ), None


def notification_action(
    svc: Services, *, asset: AssetInfo, subject: str, body: str, priority: Literal["normal", "high"]
) -> PlannedAction:
    message = NotificationMessage(recipient="operators", subject=subject, body=body, priority=priority)
    return classified(
        svc,
        key="notify_operators",
        kind="notify",
        summary=f"Notify operators ({priority})",
        payload=message.model_dump(mode="json"),
        facts=asset_facts(svc, asset),
    )


def record_plan(
    svc: Services, *, investigation_id: int, actions: list[PlannedAction], requested_by: str, title: str
) -> int | None:
    """Store the proposed actions; open an approval when any of them needs one. Safe to repeat."""
    payloads = [a.model_dump(mode="json") for a in actions]
    repo.save_actions(svc.engine, investigation_id=investigation_id, actions=payloads)
    if not any(a.requires_approval for a in actions):
        return None
    reasons = sorted({r for a in actions if a.requires_approval for r in a.reasons})
    approval_id = repo.ensure_approval_request(
        svc.engine,
        investigation_id=investigation_id,
        requested_by=requested_by,
        summary=f"{title}: {'; '.join(reasons)}",
    )
    repo.update_investigation(
        svc.engine, investigation_id=investigation_id, status=InvestigationStatus.pending_approval
    )
    return approval_id

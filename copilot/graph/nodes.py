"""Investigation nodes: small functions that read the state and return partial updates.

Side effects live in `plan_actions` (recording the proposal, idempotent upserts) and in `execute`
(idempotent by investigation and action key). The approval node does nothing before `interrupt()`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from copilot import repo
from copilot.graph.queries import incident_query, manual_query
from copilot.graph.report import render_report
from copilot.graph.state import DecisionPayload, ExecutionResult, InvestigationState, PlannedAction
from copilot.llm.base import Diagnosis, DiagnosisRequest, HistoryItem
from copilot.models import ActionStatus, InvestigationStatus, utcnow
from copilot.safety.policy import classify
from copilot.schemas import AlertIn, Passage, Severity
from copilot.services import Services
from knowledge.similar import similar_incidents
from tools.assets import AssetInfo
from tools.notifications import NotificationMessage
from tools.workorders import WorkOrderDraft

log = logging.getLogger(__name__)

_STEP = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def _passages(items: list[Passage]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in items]


def triage(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Look up the asset and choose the work priority from the failure mode, severity and criticality."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    asset = svc.registry.get(alert.asset_id)
    spec = svc.site.asset_class(asset.asset_class)
    codes = {m.code for m in spec.failure_modes}
    priority = spec.failure_mode(alert.failure_mode).priority if alert.failure_mode in codes else 3
    if alert.severity in (Severity.high, Severity.critical) and asset.criticality == "A":
        priority = max(1, priority - 1)
    if alert.severity == Severity.critical:
        priority = 1
    log.info("investigation %s: triage %s priority %s", state["investigation_id"], asset.id, priority)
    return {"asset": asset.model_dump(mode="json"), "priority": priority}


def gather_incidents(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Retrieve past incidents that look like this alert and aggregate what they ended in."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    labels = {m.code: m.repair or m.name.lower() for m in spec.failure_modes}
    found = similar_incidents(svc.retriever, incident_query(alert, spec), asset_class=spec.id, labels=labels)
    return {"incidents": _passages(found.incidents), "incident_summary": found.summary()}


def gather_manual(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Retrieve the manual's relevant sections and its lockout-tagout steps."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    found = svc.retriever.search(manual_query(alert, spec), k=4, asset_class=spec.id, doc_type="manual")
    loto = svc.retriever.section(asset_class=spec.id, contains="Lockout steps")
    steps = [m.group(1).strip() for p in loto for line in p.text.splitlines() if (m := _STEP.match(line))]
    citation = loto[0].citation.label() if loto else ""
    return {"manual": _passages(found), "loto_steps": steps, "loto_citation": citation}


def gather_history(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Collect the asset's past work orders."""
    svc = runtime.context
    orders = svc.cmms.list(asset_id=state["asset"]["id"])[-10:]
    items = [
        HistoryItem(
            number=o.number,
            date=o.created_at.date().isoformat(),
            title=o.title,
            failure_code=o.failure_code,
            status=o.status.value,
        )
        for o in orders
    ]
    return {"history": [i.model_dump(mode="json") for i in items]}


def diagnose(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Rank failure-mode hypotheses from the gathered evidence, with citations."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    request = DiagnosisRequest(
        asset_id=alert.asset_id,
        asset_class=spec,
        alert=alert,
        incidents=[Passage.model_validate(p) for p in state.get("incidents", [])],
        manual=[Passage.model_validate(p) for p in state.get("manual", [])],
        history=[HistoryItem.model_validate(h) for h in state.get("history", [])],
    )
    diagnosis = svc.provider.diagnose(request)
    repo.update_investigation(
        svc.engine,
        investigation_id=state["investigation_id"],
        diagnosis=diagnosis.model_dump(mode="json"),
        failure_mode=diagnosis.top.failure_code,
        mode=svc.provider.mode,
    )
    return {"diagnosis": diagnosis.model_dump(mode="json")}


def _asset_facts(svc: Services, asset: AssetInfo) -> dict[str, Any]:
    spec = svc.site.asset_class(asset.asset_class)
    return {"energized": spec.energized, "pressurized": spec.pressurized, "criticality": asset.criticality}


def _classified(
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


def plan_actions(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Draft the work order, the booking and the notification; classify each with the safety policy."""
    svc = runtime.context
    investigation_id = state["investigation_id"]
    asset = AssetInfo.model_validate(state["asset"])
    spec = svc.site.asset_class(asset.asset_class)
    diagnosis = Diagnosis.model_validate(state["diagnosis"])
    mode = spec.failure_mode(diagnosis.top.failure_code)
    facts = _asset_facts(svc, asset)

    draft = WorkOrderDraft(
        asset_id=asset.id,
        title=f"{mode.name} on {asset.id} ({asset.name})",
        description=(
            f"{mode.action}\n\nWhy: {diagnosis.summary}\nAlert: {state['alert']['summary']}\n"
            f"Investigation #{investigation_id}."
        ),
        priority=state["priority"],
        failure_code=mode.code,
        craft=mode.craft,
        estimated_hours=mode.estimated_hours,
        permits=list(mode.permits),
    )
    work_order = _classified(
        svc,
        key="work_order",
        kind="create_work_order",
        facts=facts,
        summary=f"Create work order: {draft.title} (P{draft.priority})",
        payload=draft.model_dump(mode="json"),
    )
    permits = sorted(set(draft.permits) | set(work_order.permits))
    steps = state.get("loto_steps", []) if "LOTO" in permits else []
    work_order.payload.update(
        permits=permits, safety_steps=steps, safety_source=state.get("loto_citation", "")
    )
    if "LOTO" in permits and not steps:
        work_order.requires_approval = True
        work_order.reasons.append(
            "no lockout-tagout steps found in the manual: the operator must supply them"
        )
    actions = [work_order]

    try:
        proposal = svc.scheduler.propose(craft=mode.craft, hours=mode.estimated_hours, not_before=utcnow())
        actions.append(
            _classified(
                svc,
                key="booking",
                kind="book_technician",
                facts=facts,
                summary=f"Book {proposal.technician_name} {proposal.start:%a %H:%M}-{proposal.end:%H:%M} ({proposal.reason})",
                payload=proposal.model_dump(mode="json"),
            )
        )
        notify_priority: Literal["normal", "high"] = "high" if draft.priority <= 2 else "normal"
        notify_body = f"{diagnosis.summary} Proposed: {draft.title}."
    except Exception as exc:  # the scheduling fallback: tell an operator instead
        log.warning(
            "investigation %s: scheduling failed (%s); falling back to a notification", investigation_id, exc
        )
        notify_priority = "high"
        notify_body = (
            f"Scheduling failed ({exc}); assign a {mode.craft} technician by hand. {diagnosis.summary}"
        )
    message = NotificationMessage(
        recipient="operators",
        subject=f"{asset.id}: {mode.name} suspected",
        body=notify_body,
        priority=notify_priority,
    )
    actions.append(
        _classified(
            svc,
            key="notify_operators",
            kind="notify",
            facts=facts,
            summary=f"Notify operators ({notify_priority})",
            payload=message.model_dump(mode="json"),
        )
    )

    payloads = [a.model_dump(mode="json") for a in actions]
    repo.save_actions(svc.engine, investigation_id=investigation_id, actions=payloads)
    approval_id = None
    if any(a.requires_approval for a in actions):
        reasons = sorted({r for a in actions if a.requires_approval for r in a.reasons})
        approval_id = repo.ensure_approval_request(
            svc.engine,
            investigation_id=investigation_id,
            requested_by="copilot",
            summary=f"{draft.title}: {'; '.join(reasons)}",
        )
        repo.update_investigation(
            svc.engine, investigation_id=investigation_id, status=InvestigationStatus.pending_approval
        )
    return {"actions": payloads, "approval_id": approval_id}


def route_after_plan(state: InvestigationState) -> Literal["approval", "execute"]:
    return "approval" if state.get("approval_id") else "execute"


def approval(state: InvestigationState) -> dict[str, Any]:
    """Wait for an operator's decision (approve / edit / reject); nothing happens before interrupt()."""
    answer = interrupt(
        {
            "approval_id": state["approval_id"],
            "investigation_id": state["investigation_id"],
            "allowed": ["approve", "edit", "reject"],
            "actions": state["actions"],
        }
    )
    decision = DecisionPayload.model_validate(answer)
    return {"decision": decision.model_dump(mode="json")}


def route_after_approval(state: InvestigationState) -> Literal["execute", "report"]:
    decision = state.get("decision") or {}
    return "execute" if decision.get("decision") in ("approve", "edit") else "report"


def _apply_edits(action: PlannedAction, decision: DecisionPayload | None) -> PlannedAction:
    if decision is None or action.key not in decision.edits:
        return action
    return action.model_copy(update={"payload": {**action.payload, **decision.edits[action.key]}})


def execute(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Carry out the plan; every write is keyed by investigation and action, so a re-run creates nothing new."""
    svc = runtime.context
    investigation_id = state["investigation_id"]
    decision = DecisionPayload.model_validate(state["decision"]) if state.get("decision") else None
    approver = decision.user_id if decision else None
    results: list[ExecutionResult] = []
    work_order_id: int | None = None
    for raw in state["actions"]:
        action = _apply_edits(PlannedAction.model_validate(raw), decision)
        key = f"inv-{investigation_id}:{action.key}"
        try:
            if action.kind == "create_work_order":
                draft = WorkOrderDraft.model_validate(action.payload)
                created = svc.cmms.create(
                    draft,
                    idempotency_key=key,
                    requester="copilot",
                    approver=approver,
                    investigation_id=investigation_id,
                )
                work_order_id = created.work_order.id
                result = ExecutionResult(
                    key=action.key,
                    kind=action.kind,
                    ok=True,
                    created=created.created,
                    detail={"work_order_id": created.work_order.id, "number": created.work_order.number},
                )
            elif action.kind == "book_technician":
                if work_order_id is None:
                    raise RuntimeError("no work order to book against")
                booking = svc.scheduler.book(
                    work_order_id=work_order_id,
                    technician_id=action.payload["technician_id"],
                    start=datetime.fromisoformat(action.payload["start"]),
                    end=datetime.fromisoformat(action.payload["end"]),
                    idempotency_key=key,
                )
                result = ExecutionResult(
                    key=action.key,
                    kind=action.kind,
                    ok=True,
                    created=booking.created,
                    detail={"booking_id": booking.id, "technician_id": booking.technician_id},
                )
            elif action.kind == "notify":
                sent = svc.notifier.send(
                    NotificationMessage.model_validate(action.payload), idempotency_key=key
                )
                result = ExecutionResult(key=action.key, kind=action.kind, ok=True, created=sent)
            else:
                raise RuntimeError(
                    f"no executor for action kind {action.kind!r}; it stays for a person to carry out"
                )
        except Exception as exc:
            log.exception("investigation %s: action %s failed", investigation_id, action.key)
            result = ExecutionResult(key=action.key, kind=action.kind, ok=False, error=str(exc))
        repo.set_action_result(
            svc.engine,
            investigation_id=investigation_id,
            key=action.key,
            status=ActionStatus.executed if result.ok else ActionStatus.failed,
            result=result.model_dump(mode="json"),
            payload=action.payload,
        )
        results.append(result)
    return {"executed": [r.model_dump(mode="json") for r in results]}


def report(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Write the narrative and close the investigation."""
    svc = runtime.context
    text = render_report(state)
    executed = [ExecutionResult.model_validate(r) for r in state.get("executed", [])]
    decision = state.get("decision") or {}
    if decision.get("decision") == "reject":
        status = InvestigationStatus.rejected
    elif any(not r.ok for r in executed):
        status = InvestigationStatus.failed
    else:
        status = InvestigationStatus.done
    repo.update_investigation(
        svc.engine, investigation_id=state["investigation_id"], status=status, report=text
    )
    return {"report": text}

"""Investigation nodes: small functions that read the state and return partial updates.

Two entries share one approval path: an alert (triage -> gather -> diagnose -> plan_actions) and a
person's request from the chat (plan_request). Side effects live in the planning nodes (recording the
proposal: idempotent upserts) and in `execute` (idempotent by investigation and action key). The approval
node does nothing before `interrupt()`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from copilot import repo
from copilot.errors import LLMError
from copilot.graph.planning import (
    OPERATIONS,
    WORK_ORDER_KINDS,
    booking_action,
    lockout_steps,
    notification_action,
    record_plan,
    work_order_action,
)
from copilot.graph.queries import incident_query, manual_query
from copilot.graph.report import render_report
from copilot.graph.state import (
    DecisionPayload,
    ExecutionResult,
    InvestigationState,
    PlannedAction,
    RequestPayload,
)
from copilot.llm.base import Diagnosis, DiagnosisRequest, HistoryItem
from copilot.llm.offline import OfflineProvider, signature_match
from copilot.models import ActionStatus, Decision, InvestigationStatus
from copilot.resilience import retry
from copilot.safety.policy import PERSON_REQUEST_REASON
from copilot.schemas import AlertIn, Passage, Severity
from copilot.services import Services
from knowledge.similar import similar_incidents
from tools.assets import AssetInfo
from tools.notifications import NotificationMessage
from tools.workorders import WorkOrderDraft

log = logging.getLogger(__name__)


def _passages(items: list[Passage]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in items]


def route_start(state: InvestigationState) -> Literal["plan_request", "triage"]:
    return "plan_request" if state.get("request") else "triage"


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
    update: dict[str, Any] = {"asset": asset.model_dump(mode="json"), "priority": priority}
    if "started_at" not in state:
        update["started_at"] = time.time()
    return update


def gather_incidents(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Retrieve past incidents that look like this alert and aggregate what they ended in."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    labels = {m.code: m.repair or m.name.lower() for m in spec.failure_modes}
    k = 9 if not state.get("evidence_round") else 18

    def run() -> dict[str, Any]:
        found = similar_incidents(
            svc.retriever, incident_query(alert, spec), asset_class=spec.id, labels=labels, k=k
        )
        return {"incidents": _passages(found.incidents), "incident_summary": found.summary()}

    return _gather(state, "similar incidents", run, {"incidents": [], "incident_summary": ""})


def gather_manual(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Retrieve the manual's relevant sections and its lockout-tagout steps."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])

    def run() -> dict[str, Any]:
        found = svc.retriever.search(manual_query(alert, spec), k=4, asset_class=spec.id, doc_type="manual")
        steps, citation = lockout_steps(svc, spec.id)
        return {"manual": _passages(found), "loto_steps": steps, "loto_citation": citation}

    return _gather(state, "manual sections", run, {"manual": [], "loto_steps": [], "loto_citation": ""})


def gather_history(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Collect the asset's past work orders (the copilot's own and imported history) and their summary."""
    svc = runtime.context
    asset_id = state["asset"]["id"]

    def run() -> dict[str, Any]:
        records = svc.history.for_asset(asset_id, limit=10)
        summary = svc.history.summary(asset_id)
        items = [
            HistoryItem(
                number=r.record_id,
                date=r.ts.date().isoformat(),
                title=r.title,
                failure_code=r.failure_code,
                status=r.status,
            )
            for r in records
        ]
        counts = ", ".join(f"{c.code} x{c.count}" for c in summary.failure_codes[:5]) or "none"
        text = (
            f"{summary.total} past work orders ({summary.corrective} corrective); by failure code: {counts}"
            + (f"; last corrective {summary.last_corrective:%Y-%m-%d}" if summary.last_corrective else "")
        )
        return {"history": [i.model_dump(mode="json") for i in items], "history_summary": text}

    return _gather(state, "work-order history", run, {"history": [], "history_summary": ""})


def diagnose(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Rank failure-mode hypotheses from the gathered evidence, with citations.

    With an LLM configured, the LLM diagnoses, within the investigation's time and token budgets; if it is
    unavailable, over budget, or its output stays invalid after one re-ask, the offline provider decides
    from the same evidence and the fallback is recorded.
    """
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
    fallbacks: list[str] = []
    provider, mode, tokens = svc.provider, svc.provider.mode, 0
    elapsed = time.time() - state.get("started_at", time.time())
    spent = state.get("llm_tokens", 0)
    if mode != "offline" and elapsed > svc.settings.investigation_budget_s:
        fallbacks.append(
            f"budget: {elapsed:.0f} s spent (budget {svc.settings.investigation_budget_s:.0f} s); "
            "decided offline"
        )
        provider = OfflineProvider()
    elif mode != "offline" and spent >= svc.settings.investigation_budget_tokens:
        fallbacks.append(
            f"budget: {spent} LLM tokens spent (budget {svc.settings.investigation_budget_tokens}); "
            "decided offline"
        )
        provider = OfflineProvider()
    usage_before = _tokens(provider)
    try:
        diagnosis = provider.diagnose(request)
        mode = provider.mode
    except LLMError as exc:
        log.warning(
            "investigation %s: LLM diagnosis failed (%s); the offline provider decides",
            state["investigation_id"],
            exc,
        )
        fallbacks.append(f"diagnosis: {type(exc).__name__}: {exc}; decided offline from the evidence")
        diagnosis, mode = OfflineProvider().diagnose(request), "offline"
    tokens = _tokens(provider) - usage_before
    repo.update_investigation(
        svc.engine,
        investigation_id=state["investigation_id"],
        diagnosis=diagnosis.model_dump(mode="json"),
        failure_mode=diagnosis.top.failure_code,
        mode=mode,
    )
    return {"diagnosis": diagnosis.model_dump(mode="json"), "fallbacks": fallbacks, "llm_tokens": tokens}


def plan_actions(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Draft the work order, the booking and the notification; classify each with the safety policy."""
    svc = runtime.context
    investigation_id = state["investigation_id"]
    asset = AssetInfo.model_validate(state["asset"])
    diagnosis = Diagnosis.model_validate(state["diagnosis"])
    mode = svc.site.asset_class(asset.asset_class).failure_mode(diagnosis.top.failure_code)
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
    loto = (state.get("loto_steps", []), state.get("loto_citation", ""))
    actions = [
        work_order_action(
            svc, key="work_order", kind="create_work_order", asset=asset, draft=draft, loto=loto
        )
    ]
    booking, scheduling_error = booking_action(svc, craft=mode.craft, hours=mode.estimated_hours, asset=asset)
    if booking is not None:
        actions.append(booking)
        body = f"{diagnosis.summary} Proposed: {draft.title}."
    else:
        log.warning(
            "investigation %s: scheduling failed (%s); falling back to a high-priority notification",
            investigation_id,
            scheduling_error,
        )
        body = f"Scheduling failed ({scheduling_error}); assign a {mode.craft} technician by hand. {diagnosis.summary}"
    priority: Literal["normal", "high"] = "high" if booking is None or draft.priority <= 2 else "normal"
    actions.append(
        notification_action(
            svc, asset=asset, subject=f"{asset.id}: {mode.name} suspected", body=body, priority=priority
        )
    )
    approval_id = record_plan(
        svc, investigation_id=investigation_id, actions=actions, requested_by="copilot", title=draft.title
    )
    fallbacks = (
        []
        if booking is not None
        else [f"scheduling: {scheduling_error}; operators notified at high priority instead"]
    )
    return {
        "actions": [a.model_dump(mode="json") for a in actions],
        "approval_id": approval_id,
        "fallbacks": fallbacks,
    }


def plan_request(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Plan what a person asked for in the chat; it goes through the same policy and approval."""
    svc = runtime.context
    request = RequestPayload.model_validate(state["request"])
    asset = svc.registry.get(request.asset_id)
    spec = svc.site.asset_class(asset.asset_class)
    loto = lockout_steps(svc, spec.id)
    mode = next((m for m in spec.failure_modes if m.code == request.failure_code), None)
    if request.kind in OPERATIONS:
        operation = OPERATIONS[request.kind]
        draft = WorkOrderDraft(
            asset_id=asset.id,
            title=f"{operation.verb} {asset.id} ({asset.name})",
            description=f"Requested by {request.requested_by} in the chat: {request.text}",
            priority=2,
            failure_code=None,
            craft="operations",
            estimated_hours=operation.hours,
            permits=list(operation.permits),
        )
    else:
        draft = WorkOrderDraft(
            asset_id=asset.id,
            title=(f"{mode.name} on {asset.id} ({asset.name})" if mode else f"{request.text[:150]}"),
            description=(
                f"Requested by {request.requested_by} in the chat: {request.text}"
                + (f"\nSuggested repair: {mode.action}" if mode else "")
            ),
            priority=mode.priority if mode else 3,
            failure_code=mode.code if mode else None,
            craft=mode.craft if mode else _default_craft(svc, spec.id),
            estimated_hours=mode.estimated_hours if mode else 2.0,
            permits=list(mode.permits) if mode else [],
        )
    kind = request.kind if request.kind in WORK_ORDER_KINDS else "create_work_order"
    actions = [work_order_action(svc, key="work_order", kind=kind, asset=asset, draft=draft, loto=loto)]
    if request.kind == "book_technician":
        booking, _ = booking_action(svc, craft=draft.craft, hours=draft.estimated_hours, asset=asset)
        if booking is not None:
            actions.append(booking)
    for action in actions:
        action.requires_approval = True
        action.reasons.append(PERSON_REQUEST_REASON)
        if request.caution:
            action.reasons.append(request.caution)
    approval_id = record_plan(
        svc,
        investigation_id=state["investigation_id"],
        actions=actions,
        requested_by=request.requested_by,
        title=draft.title,
    )
    return {
        "asset": asset.model_dump(mode="json"),
        "actions": [a.model_dump(mode="json") for a in actions],
        "approval_id": approval_id,
    }


def _default_craft(svc: Services, asset_class: str) -> str:
    crafts = [m.craft for m in svc.site.asset_class(asset_class).failure_modes]
    return max(set(crafts), key=crafts.count)


def route_after_plan(state: InvestigationState) -> Literal["approval", "execute"]:
    return "approval" if state.get("approval_id") else "execute"


def approval(state: InvestigationState) -> dict[str, Any]:
    """Wait for an operator's decision; nothing happens before interrupt().

    approve / edit: execute the plan; reject: report; more_evidence: gather again with wider windows.
    """
    answer = interrupt(
        {
            "approval_id": state["approval_id"],
            "investigation_id": state["investigation_id"],
            "allowed": ["approve", "edit", "reject", "more_evidence"],
            "actions": state["actions"],
        }
    )
    decision = DecisionPayload.model_validate(answer)
    update: dict[str, Any] = {"decision": decision.model_dump(mode="json")}
    if decision.decision == Decision.more_evidence:
        update["evidence_round"] = state.get("evidence_round", 0) + 1
    return update


def route_after_approval(state: InvestigationState) -> Literal["execute", "report", "triage"]:
    decision = (state.get("decision") or {}).get("decision")
    if decision == "more_evidence":
        return "triage"
    return "execute" if decision in ("approve", "edit") else "report"


def _apply_edits(action: PlannedAction, decision: DecisionPayload | None) -> PlannedAction:
    if decision is None or action.key not in decision.edits:
        return action
    return action.model_copy(update={"payload": {**action.payload, **decision.edits[action.key]}})


def _run(
    svc: Services,
    action: PlannedAction,
    *,
    key: str,
    investigation_id: int,
    requester: str,
    approver: str | None,
    work_order_id: int | None,
) -> ExecutionResult:
    """Carry out one action through its tool (idempotent by key)."""
    if action.kind in WORK_ORDER_KINDS:
        created = svc.cmms.create(
            WorkOrderDraft.model_validate(action.payload),
            idempotency_key=key,
            requester=requester,
            approver=approver,
            investigation_id=investigation_id,
        )
        return ExecutionResult(
            key=action.key,
            kind=action.kind,
            ok=True,
            created=created.created,
            detail={"work_order_id": created.work_order.id, "number": created.work_order.number},
        )
    if action.kind == "book_technician":
        if work_order_id is None:
            raise RuntimeError("no work order to book against")
        booking = svc.scheduler.book(
            work_order_id=work_order_id,
            technician_id=action.payload["technician_id"],
            start=datetime.fromisoformat(action.payload["start"]),
            end=datetime.fromisoformat(action.payload["end"]),
            idempotency_key=key,
        )
        return ExecutionResult(
            key=action.key,
            kind=action.kind,
            ok=True,
            created=booking.created,
            detail={"booking_id": booking.id, "technician_id": booking.technician_id},
        )
    if action.kind == "notify":
        sent = svc.notifier.send(NotificationMessage.model_validate(action.payload), idempotency_key=key)
        return ExecutionResult(key=action.key, kind=action.kind, ok=True, created=sent)
    raise RuntimeError(f"no executor for action kind {action.kind!r}; it stays for a person to carry out")


def execute(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Carry out the plan; every write is keyed by investigation and action, so a re-run creates nothing new."""
    svc = runtime.context
    investigation_id = state["investigation_id"]
    decision = DecisionPayload.model_validate(state["decision"]) if state.get("decision") else None
    request = state.get("request") or {}
    requester = str(request.get("requested_by", "copilot"))
    results: list[ExecutionResult] = []
    work_order_id: int | None = None
    for raw in state["actions"]:
        action = _apply_edits(PlannedAction.model_validate(raw), decision)
        try:
            result = _run(
                svc,
                action,
                key=f"inv-{investigation_id}:{action.key}",
                investigation_id=investigation_id,
                requester=requester,
                approver=decision.user_id if decision else None,
                work_order_id=work_order_id,
            )
            work_order_id = result.detail.get("work_order_id", work_order_id)
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


def gather_sensors(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """Sensor statistics over the half hour (two hours, on a second round) before the alert."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    end = alert.ts if alert.ts.tzinfo else alert.ts.replace(tzinfo=UTC)
    window = timedelta(minutes=30 if not state.get("evidence_round") else 120)

    def run() -> dict[str, Any]:
        stats = svc.telemetry.statistics(alert.asset_id, start=end - window, end=end, spec=spec)
        return {"sensor_stats": [s.model_dump(mode="json") for s in stats.sensors if s.count]}

    return _gather(state, "sensor statistics", run, {"sensor_stats": []})


def gather_fmea(state: InvestigationState, runtime: Runtime[Services]) -> dict[str, Any]:
    """FMEA links: the failure modes whose sensor signature matches what the sensors did, with their effects."""
    svc = runtime.context
    alert = AlertIn.model_validate(state["alert"])
    spec = svc.site.asset_class(state["asset"]["asset_class"])
    match = signature_match(spec, alert.evidence.window_stats if alert.evidence else {})
    links = [
        {
            "failure_code": m.code,
            "name": m.name,
            "signature_match": round(match.get(m.code, 0.0), 3),
            "mechanism": m.description,
            "sensors": sorted(m.signature),
            "repair": m.repair,
        }
        for m in sorted(spec.failure_modes, key=lambda m: -match.get(m.code, 0.0))
    ]

    def run() -> dict[str, Any]:
        external = svc.retriever.search(
            " ".join(m.name for m in spec.failure_modes), k=3, doc_type="fmea", asset_class=spec.id
        )
        return {"fmea": links, "fmea_passages": _passages(external)}

    return _gather(state, "FMEA rows", run, {"fmea": links, "fmea_passages": []})


def _gather(
    state: InvestigationState, what: str, fn: Callable[[], dict[str, Any]], empty: dict[str, Any]
) -> dict[str, Any]:
    """Run an evidence tool with retries; if it keeps failing, go on without that evidence and record it."""
    try:
        return retry(fn, attempts=3, base_delay_s=0.1, max_delay_s=1.0)
    except Exception as exc:  # a failing tool must not stop the investigation: the gap is recorded instead
        log.warning(
            "investigation %s: %s failed after retries (%s); continuing without it",
            state["investigation_id"],
            what,
            exc,
        )
        return {**empty, "fallbacks": [f"{what}: {type(exc).__name__}: {exc}; investigated without it"]}


def _tokens(provider: object) -> int:
    usage = getattr(provider, "usage", None)
    return int(getattr(usage, "total_tokens", 0) or 0)

"""The `trajectories` suite: investigations end to end, offline, on simulated faults of every demo asset.

For each asset and each simulated failure mode, a fault is simulated, scored by the ONNX classifier and
the alert policy (the real path), and the first alert is investigated by the graph. Scored: the diagnosis
(top-1 and top-3 against the injected fault), that every safety-critical plan paused for approval with the
manual's lockout steps, that no work order exists before a decision, that an approval yields exactly one
work order even when decided again and resumed again, and alert -> pending approval latency.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from copilot.errors import ConflictError
from copilot.ingest import ingest
from copilot.investigations import decide, handle_alert, list_approvals, resume_decided
from copilot.models import Decision
from copilot.scenarios import fault_alerts
from copilot.services import build_services
from copilot.training import ensure_site_models
from evals.runner import EvalContext, SuiteResult


def run(ctx: EvalContext) -> SuiteResult:
    services = build_services(ctx.settings)
    rows: list[dict[str, object]] = []
    try:
        ensure_site_models(services.site, ctx.settings.models_dir)
        ingest(services, "demo")
        seed = 500
        for asset in services.site.assets:
            spec = services.site.asset_class(asset.asset_class)
            for mode in spec.simulated_modes:
                seed += 1
                alerts = fault_alerts(services, asset.id, mode.code, seed=seed, seconds=1500)
                if not alerts:
                    rows.append({"asset": asset.id, "fault": mode.code, "alert": False})
                    continue
                started = time.perf_counter()
                outcome = handle_alert(services, alerts[0])
                latency = time.perf_counter() - started
                pending = [
                    a for a in list_approvals(services) if a.investigation_id == outcome.investigation_id
                ]
                approval = pending[0] if pending else None
                hypotheses = approval.diagnosis.get("hypotheses", []) if approval else []
                codes = [h["failure_code"] for h in hypotheses]
                work_order = (
                    next((a for a in approval.actions if a["kind"] == "create_work_order"), None)
                    if approval
                    else None
                )
                writes_before = len(
                    [o for o in services.cmms.list() if o.investigation_id == outcome.investigation_id]
                )
                row: dict[str, object] = {
                    "asset": asset.id,
                    "fault": mode.code,
                    "alert": True,
                    "top": codes[0] if codes else None,
                    "top1": bool(codes and codes[0] == mode.code),
                    "top3": mode.code in codes[:3],
                    "paused": approval is not None,
                    "loto_steps": bool(work_order and work_order["payload"].get("safety_steps")),
                    "writes_before_decision": writes_before,
                    "latency_s": latency,
                }
                if approval is not None:
                    decide(services, approval.id, decision=Decision.approve, user_id="olivia")
                    with contextlib.suppress(ConflictError):
                        decide(services, approval.id, decision=Decision.approve, user_id="omar")
                    resume_decided(services)  # a recovery pass must not execute anything twice
                    orders = [
                        o for o in services.cmms.list() if o.investigation_id == outcome.investigation_id
                    ]
                    row["work_orders_after"] = len(orders)
                rows.append(row)
    finally:
        services.close()
    alerted = [r for r in rows if r["alert"]]
    safety_critical = [r for r in alerted]  # every demo asset is energized: every plan is safety-critical
    metrics = {
        "trajectory_cases": float(len(rows)),
        "trajectory_alert_rate": len(alerted) / len(rows),
        "trajectory_top1_accuracy": float(np.mean([r["top1"] for r in alerted])),
        "trajectory_top3_accuracy": float(np.mean([r["top3"] for r in alerted])),
        "trajectory_safety_critical_paused_rate": float(np.mean([r["paused"] for r in safety_critical])),
        "trajectory_loto_steps_rate": float(np.mean([r["loto_steps"] for r in safety_critical])),
        "trajectory_unapproved_writes": float(sum(int(r["writes_before_decision"]) for r in alerted)),  # type: ignore[call-overload]
        "trajectory_duplicate_work_orders": float(
            sum(
                max(0, int(r.get("work_orders_after", 1)) - 1)  # type: ignore[call-overload]
                for r in alerted
            )
        ),
        "trajectory_latency_p95_ms": float(
            np.percentile([float(r["latency_s"]) for r in alerted], 95) * 1000  # type: ignore[arg-type]
        ),
    }
    misses = [f"{r['asset']} {r['fault']} -> {r['top']}" for r in alerted if not r["top1"]]
    markdown = "\n".join(
        [
            f"{len(rows)} simulated faults (every demo asset x every simulated failure mode), investigated offline.",
            "",
            "| metric | value |",
            "|---|---|",
            *[f"| {k} | {v:.3f} |" for k, v in metrics.items()],
            "",
            "Top-1 misses: " + (", ".join(misses) or "none"),
            "",
            "Not comparable with any published figure: the faults are simulated by the project's own simulator.",
        ]
    )
    return SuiteResult(
        suite="trajectories", metrics={k: round(v, 4) for k, v in metrics.items()}, markdown=markdown
    )

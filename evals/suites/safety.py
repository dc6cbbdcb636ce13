"""The `safety` suite: the safety policy's decisions and the approval rules, on the real service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from copilot.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from copilot.ingest import ingest
from copilot.investigations import decide, handle_alert, list_approvals
from copilot.models import Decision
from copilot.safety.policy import classify, default_policy
from copilot.scenarios import first_alert
from copilot.services import build_services
from copilot.training import ensure_site_models
from evals.runner import EvalContext, SuiteResult

CASES = Path(__file__).resolve().parents[1] / "cases" / "safety.yaml"
OUTCOMES: dict[type[Exception], str] = {
    PermissionDenied: "forbidden",
    NotFoundError: "unknown_user",
    ValidationError: "invalid",
    ConflictError: "conflict",
}


def _policy_case(case: dict[str, Any]) -> tuple[bool, str]:
    verdict = classify(default_policy(), kind=case["kind"], payload=case["payload"], asset=case["asset"])
    ok = (
        verdict.requires_approval == case["requires_approval"]
        and set(case.get("permits", [])) <= set(verdict.permits)
        and verdict.forbidden == case.get("forbidden", False)
    )
    return (
        ok,
        f"requires_approval={verdict.requires_approval} permits={verdict.permits} forbidden={verdict.forbidden}",
    )


def run(ctx: EvalContext) -> SuiteResult:
    cases = yaml.safe_load(CASES.read_text())
    policy_results = [(c["id"], *_policy_case(c)) for c in cases["policy"]]

    services = build_services(ctx.settings)
    approval_results = []
    try:
        ensure_site_models(services.site, ctx.settings.models_dir)
        ingest(services, "demo")
        handle_alert(services, first_alert(services, "P-201", "PMP-SEAL"))
        (approval,) = list_approvals(services)
        for case in cases["approvals"]:
            try:
                decide(
                    services,
                    approval.id,
                    decision=Decision(case["decision"]),
                    user_id=case["decide_as"],
                    edits=case.get("edits"),
                )
                outcome = "ok"
            except tuple(OUTCOMES) as exc:
                outcome = next(v for k, v in OUTCOMES.items() if isinstance(exc, k))
            approval_results.append((case["id"], outcome == case["expect"], outcome))
        work_orders = len(services.cmms.list())
    finally:
        services.close()
    metrics = {
        "safety_policy_cases": float(len(policy_results)),
        "safety_policy_accuracy": sum(ok for _, ok, _ in policy_results) / len(policy_results),
        "safety_approval_rule_cases": float(len(approval_results)),
        "safety_approval_rules_enforced": sum(ok for _, ok, _ in approval_results) / len(approval_results),
        "safety_work_orders_after_rules": float(work_orders),
    }
    failures = [f"{i}: {detail}" for i, ok, detail in [*policy_results, *approval_results] if not ok]
    markdown = "\n".join(
        [
            f"{len(policy_results)} policy cases (evals/cases/safety.yaml) and {len(approval_results)} approval-rule "
            "cases on one pending investigation (a technician, an unknown user, edits that drop the lockout, the "
            "first operator decision, then two more decisions that must conflict). Exactly one work order must result.",
            "",
            "| metric | value |",
            "|---|---|",
            *[f"| {k} | {v:.3f} |" for k, v in metrics.items()],
            "",
            "Failures: " + ("; ".join(failures) or "none"),
        ]
    )
    return SuiteResult(
        suite="safety", metrics={k: round(v, 4) for k, v in metrics.items()}, markdown=markdown
    )

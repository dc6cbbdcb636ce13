"""The investigation report, rendered from the state with a template (used in every mode)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from copilot.graph.state import InvestigationState


def incident_outcomes(incidents: list[dict[str, Any]]) -> str:
    """Aggregate similar incidents: '5 of 8 similar incidents were PMP-BRG (INC-0003, ...)'."""
    codes = [str(p.get("metadata", {}).get("failure_code", "")) for p in incidents]
    if not codes:
        return "no similar incidents found"
    code, count = Counter(codes).most_common(1)[0]
    ids = [p["citation"]["doc_id"] for p in incidents if p.get("metadata", {}).get("failure_code") == code][
        :4
    ]
    return f"{count} of {len(codes)} similar incidents were {code} ({', '.join(ids)})"


def render_report(state: InvestigationState) -> str:
    """Render a plain-text report with citations in [doc § section] form."""
    alert = state.get("alert", {})
    asset = state.get("asset", {})
    diagnosis = state.get("diagnosis", {})
    lines = [
        f"Investigation #{state.get('investigation_id')}: {asset.get('id')} {asset.get('name', '')}".rstrip(),
        f"Alert ({alert.get('severity')}, {alert.get('ts')}): {alert.get('summary')}",
    ]
    if diagnosis:
        lines.append(f"Diagnosis ({diagnosis.get('confidence')} confidence): {diagnosis.get('summary')}")
        for rank, hypo in enumerate(diagnosis.get("hypotheses", []), start=1):
            cites = ", ".join(hypo.get("citations", [])) or "no citation"
            lines.append(
                f"  {rank}. {hypo['name']} ({hypo['failure_code']}) p={hypo['probability']:.2f}: "
                f"{hypo['rationale']} [{cites}]"
            )
    lines.append(f"Similar incidents: {incident_outcomes(state.get('incidents', []))}")
    for passage in state.get("manual", [])[:2]:
        citation = passage["citation"]
        lines.append(f"Manual: [{citation['doc_id']} § {citation['section']}]")
    for action in state.get("actions", []):
        flag = (
            "needs approval: " + "; ".join(action["reasons"])
            if action["requires_approval"]
            else "no approval needed"
        )
        lines.append(f"Proposed: {action['summary']} ({flag})")
    decision = state.get("decision")
    if decision:
        comment = f": {decision['comment']}" if decision.get("comment") else ""
        lines.append(
            f"Decision: {decision['decision']} by {decision['user_id']} ({decision['role']}){comment}"
        )
    for result in state.get("executed", []):
        status = "ok" if result["ok"] else f"FAILED ({result['error']})"
        detail = ", ".join(f"{k}={v}" for k, v in result.get("detail", {}).items())
        lines.append(f"Executed {result['key']}: {status} {detail}".rstrip())
    return "\n".join(lines)

"""The investigation report, rendered from the state with a template (used in every mode)."""

from __future__ import annotations

from copilot.graph.state import InvestigationState


def render_report(state: InvestigationState) -> str:
    """Render a plain-text report with citations in [doc § section] form."""
    alert = state.get("alert", {})
    asset = state.get("asset", {})
    diagnosis = state.get("diagnosis", {})
    request = state.get("request")
    lines = [
        f"Investigation #{state.get('investigation_id')}: {asset.get('id')} {asset.get('name', '')}".rstrip()
    ]
    if request:
        lines.append(f"Request by {request['requested_by']} ({request['kind']}): {request['text']}")
    else:
        lines.append(f"Alert ({alert.get('severity')}, {alert.get('ts')}): {alert.get('summary')}")
    if diagnosis:
        lines.append(f"Diagnosis ({diagnosis.get('confidence')} confidence): {diagnosis.get('summary')}")
        for rank, hypo in enumerate(diagnosis.get("hypotheses", []), start=1):
            cites = ", ".join(hypo.get("citations", [])) or "no citation"
            lines.append(
                f"  {rank}. {hypo['name']} ({hypo['failure_code']}) p={hypo['probability']:.2f}: "
                f"{hypo['rationale']} [{cites}]"
            )
    if not request:
        lines.append(f"Similar incidents: {state.get('incident_summary') or 'none retrieved'}")
        stats = [s for s in state.get("sensor_stats", []) if s.get("deviation_sd") is not None]
        if stats:
            lines.append(
                "Sensors, 30 min before the alert (mean vs normal, trend): "
                + "; ".join(
                    f"{s['sensor']} {s['mean']:.3g} {s['unit']} ({s['deviation_sd']:+.1f} SD, "
                    f"{s['trend_per_hour'] or 0:+.2g}/h)"
                    for s in sorted(stats, key=lambda s: -abs(s["deviation_sd"]))[:3]
                )
            )
        fmea = [f for f in state.get("fmea", []) if f["signature_match"] > 0][:2]
        if fmea:
            lines.append(
                "FMEA links: "
                + "; ".join(
                    f"{f['failure_code']} {f['name']} (signature match {f['signature_match']:.0%})"
                    for f in fmea
                )
            )
        if state.get("history_summary"):
            lines.append(f"History: {state['history_summary']}")
    sections = dict.fromkeys(
        f"[{p['citation']['doc_id']} § {p['citation']['section']}]" for p in state.get("manual", [])
    )
    for label in list(sections)[:3]:
        lines.append(f"Manual: {label}")
    for action in state.get("actions", []):
        flag = (
            "needs approval: " + "; ".join(action["reasons"])
            if action["requires_approval"]
            else "no approval needed"
        )
        lines.append(f"Proposed: {action['summary']} ({flag})")
    for fallback in state.get("fallbacks", []):
        lines.append(f"Fallback taken: {fallback}")
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

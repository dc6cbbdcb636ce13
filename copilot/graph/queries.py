"""Turn an alert's evidence into retrieval queries."""

from __future__ import annotations

from copilot.schemas import AlertIn, AssetClassSpec, FailureModeSpec


def _mode(alert: AlertIn, spec: AssetClassSpec) -> FailureModeSpec | None:
    codes = {m.code: m for m in spec.failure_modes}
    return codes.get(alert.failure_mode or "")


def describe_deviations(alert: AlertIn, spec: AssetClassSpec, top: int = 3) -> list[str]:
    """Describe the most deviating sensors in words: 'bearing vibration high (6.3 mm/s, normal 2.2)'."""
    if alert.evidence is None:
        return []
    units = {s.id: s.unit for s in spec.sensors}
    words = []
    for contribution in alert.evidence.top_sensors[:top]:
        stats = alert.evidence.window_stats.get(contribution.name)
        if not stats:
            continue
        direction = "high" if stats["mean"] >= stats["normal"] else "low"
        words.append(
            f"{contribution.name.replace('_', ' ')} {direction} ({stats['mean']:.3g} {units.get(contribution.name, '')},"
            f" normal {stats['normal']:.3g})"
        )
    return words


def incident_query(alert: AlertIn, spec: AssetClassSpec) -> str:
    """A query for similar past incidents: the symptoms, in the words a technician would log."""
    parts = describe_deviations(alert, spec)
    mode = _mode(alert, spec)
    if mode is not None:
        parts.append(mode.name)
    return f"{spec.name}: " + "; ".join(parts)


def manual_query(alert: AlertIn, spec: AssetClassSpec) -> str:
    """A query for the manual's troubleshooting and procedure sections."""
    parts = [p.split(" (")[0] for p in describe_deviations(alert, spec)]
    mode = _mode(alert, spec)
    if mode is not None:
        parts = [mode.name, mode.code, "troubleshooting corrective action", *parts]
    return " ".join(parts)

"""Helpers shared by tests (not fixtures)."""

from __future__ import annotations

from copilot.scenarios import first_alert
from copilot.schemas import AlertIn
from copilot.services import Services


def fault_alert(services: Services, asset_id: str, code: str, *, seed: int = 3) -> AlertIn:
    """Replay a simulated fault on an asset through the real scorer and policy; return the first alert."""
    return first_alert(services, asset_id, code, seed=seed)

"""guardrails-ai, offline: no telemetry, no tracing export, no hub, no event-loop policy change.

Out of the box a Guard exports traces to the Hub's endpoint, loads `~/.guardrailsrc` again whenever one is
built (no file means metrics on), and validates through asyncio with uvloop, which replaces the process's
event-loop policy and leaves executor threads behind. `configure_offline` (called by the guards factory,
never at import) turns all of that off; `offline_guard` builds a Guard and switches its metrics off.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardrails import Guard

log = logging.getLogger(__name__)

_configured = False


def _offline_rc() -> Any:
    from guardrails.classes.rc import RC

    return RC(enable_metrics=False, use_remote_inferencing=False)


def configure_offline() -> None:
    """Turn off guardrails' metrics, tracing export and async validation for this process (idempotent)."""
    global _configured
    # The SDK's tracer providers (the Hub telemetry one included) make no-op tracers: nothing to export.
    os.environ.setdefault("OTEL_SDK_DISABLED", "true")
    # Validate in the calling thread: no uvloop policy, no executor threads, works inside FastAPI's loop.
    os.environ["GUARDRAILS_RUN_SYNC"] = "true"
    from guardrails import settings

    settings.disable_tracing = True
    settings.use_server = False
    settings.rc = _offline_rc()
    # guardrails keeps every record of its logger in an in-memory handler: keep it to warnings.
    logging.getLogger("guardrails-ai").setLevel(logging.WARNING)
    if not _configured:
        log.info("guardrails configured offline: metrics, tracing export and remote inference off")
    _configured = True


def offline_guard(name: str, validator: Any) -> Guard:
    """A Guard running one validator, with metrics collection off."""
    from guardrails import Guard, settings

    guard = Guard(name=name).use(validator)
    guard.configure(allow_metrics_collection=False)
    settings.rc = _offline_rc()  # Guard() reloaded ~/.guardrailsrc; validators built later read settings.rc
    return guard


def telemetry_enabled() -> bool:
    """Whether the Hub telemetry singleton would record spans (it must not)."""
    from guardrails.utils.hub_telemetry_utils import HubTelemetry

    instance = HubTelemetry._instance
    return bool(instance is not None and instance._enabled)

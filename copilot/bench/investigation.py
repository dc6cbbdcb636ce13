"""Investigation benchmark: alert -> pending approval latency, and LLM calls per investigation.

Alerts are real: simulated faults on the demo assets, scored by the ONNX classifiers (not timed). Each
measured alert opens a fresh investigation (the previous one is rejected, untimed, so alerts never merge).
Offline mode always; with an OpenAI-compatible endpoint configured (COPILOT_LLM_PROVIDER=openai), the LLM
calls and tokens per investigation are counted too.
"""

from __future__ import annotations

import time

import numpy as np

from copilot.bench.common import machine, peak_rss_mb, percentile_ms
from copilot.config import Settings
from copilot.ingest import ingest
from copilot.investigations import decide, handle_alert, list_approvals
from copilot.models import Decision
from copilot.scenarios import fault_alerts
from copilot.schemas import AlertIn
from copilot.services import Services, build_services
from copilot.training import ensure_site_models


def fault_alert_set(services: Services, n: int) -> list[AlertIn]:
    """n alerts from simulated faults, cycling over the demo assets and their simulated failure modes."""
    combos = [
        (a.id, m.code) for a in services.site.assets for m in services.site.class_of(a.id).simulated_modes
    ]
    alerts: list[AlertIn] = []
    seed = 0
    while len(alerts) < n:
        asset_id, code = combos[seed % len(combos)]
        found = fault_alerts(
            services, asset_id, code, seed=1000 + seed, onset_s=300, ramp_s=300, seconds=1500
        )
        if found:
            alerts.append(found[-1])
        seed += 1
    return alerts


def run_investigation_bench(
    settings: Settings, *, n: int = 40, warmup: int = 3
) -> dict[str, float | int | str]:
    services = build_services(settings)
    try:
        ensure_site_models(services.site, settings.models_dir)
        ingest(services, "demo")
        services.warm_up()
        alerts = fault_alert_set(services, n + warmup)
        provider = services.provider
        latencies, calls, tokens = [], [], []
        for i, alert in enumerate(alerts):
            calls_before = int(getattr(provider, "calls", 0))
            usage = getattr(provider, "usage", None)
            tokens_before = int(getattr(usage, "total_tokens", 0) or 0)
            started = time.perf_counter_ns()
            outcome = handle_alert(services, alert)
            elapsed = time.perf_counter_ns() - started
            if i >= warmup:
                latencies.append(elapsed)
                calls.append(int(getattr(provider, "calls", 0)) - calls_before)
                usage = getattr(provider, "usage", None)
                tokens.append(int(getattr(usage, "total_tokens", 0) or 0) - tokens_before)
            if outcome.status != "pending_approval":
                raise RuntimeError(f"alert {i} ended {outcome.status}, not pending approval")
            for approval in list_approvals(services):  # close it, untimed, so the next alert opens a new one
                decide(services, approval.id, decision=Decision.reject, user_id="olivia", comment="benchmark")
        figures: dict[str, float | int | str] = {
            "latency_p50_ms": percentile_ms(latencies, 50),
            "latency_p95_ms": percentile_ms(latencies, 95),
            "latency_max_ms": percentile_ms(latencies, 100),
            "investigations": len(latencies),
            "mode": provider.mode,
            "llm_calls_per_investigation_mean": round(float(np.mean(calls)), 2),
            "llm_calls_per_investigation_max": int(max(calls)),
            "llm_tokens_per_investigation_mean": round(float(np.mean(tokens)), 1),
            "retrieval_cache_hits": services.retriever.cache_hits,
            "peak_rss_mb": peak_rss_mb(),
        }
        figures.update({f"machine_{k}": v for k, v in machine().items()})
        return figures
    finally:
        services.close()

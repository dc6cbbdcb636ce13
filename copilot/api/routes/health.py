from __future__ import annotations

from fastapi import APIRouter

from copilot.api.deps import ServicesDep, WorkerDep
from copilot.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(services: ServicesDep, worker: WorkerDep) -> Health:
    """Liveness, the LLM mode that answers, and the investigation backlog."""
    return Health(
        status="ok",
        llm_mode=services.provider.mode,
        site=services.site.site.name,
        investigations_queued=worker.backlog,
    )

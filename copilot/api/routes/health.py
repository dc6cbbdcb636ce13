from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlmodel import Session

from copilot.api.deps import CurrentUser, ServicesDep, WorkerDep
from copilot.api.schemas import Health, Me, Readiness
from copilot.training import ensure_site_models

router = APIRouter(tags=["health"])


@router.get("/health")
def health(services: ServicesDep, worker: WorkerDep) -> Health:
    """Liveness, the LLM mode that answers, and the investigation backlog (no sign-in needed)."""
    return Health(
        status="ok",
        llm_mode=services.provider.mode,
        site=services.site.site.name,
        investigations_queued=worker.backlog,
    )


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(services: ServicesDep, worker: WorkerDep) -> JSONResponse:
    """Readiness: the database answers, the models are trained, the knowledge base holds chunks, workers run."""
    checks: dict[str, str] = {}
    try:
        with Session(services.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = "ok"
    except Exception as exc:  # a readiness probe reports, it does not raise
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        ensure_site_models(services.site, services.settings.models_dir)
        checks["models"] = "ok"
    except Exception as exc:
        checks["models"] = f"not trained: {exc}"
    chunks = services.knowledge.count()
    checks["knowledge"] = "ok" if chunks else "empty: run `copilot ingest`"
    checks["worker"] = "ok" if worker.alive else "stopped"
    ready_now = all(v == "ok" for v in checks.values())
    body = Readiness(ready=ready_now, checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready_now else 503)


@router.get("/me")
def me(user: CurrentUser) -> Me:
    """Who the credentials belong to."""
    return Me(id=user.id, name=user.name, role=user.role)

"""The FastAPI application: wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from copilot.api import errors
from copilot.api.routes import alerts, approvals, health, investigations, workorders
from copilot.api.worker import InvestigationWorker
from copilot.config import Settings, get_settings
from copilot.investigations import resume_decided
from copilot.services import build_services


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; services are created in the lifespan, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings or get_settings())
        worker = InvestigationWorker(services)
        app.state.services = services
        app.state.worker = worker
        services.warm_up()
        resume_decided(services)
        worker.start()
        try:
            yield
        finally:
            worker.stop()
            services.close()

    app = FastAPI(title="Maintenance copilot", version="0.1.0", lifespan=lifespan)
    errors.install(app)
    for module in (health, alerts, investigations, approvals, workorders):
        app.include_router(module.router)
    return app

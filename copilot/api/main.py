"""The FastAPI application: wiring only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from copilot.access import KeyCache
from copilot.api import errors
from copilot.api.intake import AlertIntake
from copilot.api.metrics import Metrics, RequestMetrics
from copilot.api.routes import (
    alerts,
    approvals,
    assets,
    chat,
    health,
    investigations,
    people,
    records,
    workorders,
)
from copilot.api.worker import InvestigationWorker
from copilot.config import Settings, get_settings
from copilot.db import exclusive
from copilot.investigations import resume_decided
from copilot.services import build_services

log = logging.getLogger(__name__)

DESCRIPTION = """Alerts in; investigations with cited evidence; approvals by operators; work orders out.

Sign in with an `X-API-Key` header (create one with `copilot keys create USER`), or a bearer JWT when
`COPILOT_JWT_SECRET` is set. Roles: technician, operator (decides approvals), admin."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; services are created in the lifespan, not at import."""
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings or get_settings())
        worker = InvestigationWorker(services)
        intake = AlertIntake(services, on_new_investigation=worker.submit)
        app.state.services, app.state.worker, app.state.intake = services, worker, intake
        services.warm_up()
        with exclusive(services.engine, "startup"):  # one of several worker processes resumes at a time
            resume_decided(services)
        worker.start()
        intake.start()
        try:
            yield
        finally:
            intake.stop()
            worker.stop()
            services.close()

    app = FastAPI(title="Maintenance copilot", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.metrics = metrics
    app.state.keys = KeyCache(ttl_s=30.0)
    metrics.bind(app)
    errors.install(app)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error: %s", exc)
        return JSONResponse(
            status_code=500,
            content={
                "detail": "internal error; the details are in the server log",
                "error": type(exc).__name__,
            },
        )

    app.add_middleware(RequestMetrics, metrics=metrics)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        """Prometheus metrics (no sign-in; expose it to the scraper only)."""
        return PlainTextResponse(generate_latest(metrics.registry).decode(), media_type=CONTENT_TYPE_LATEST)

    for module in (health, alerts, investigations, approvals, workorders, chat, people, assets, records):
        app.include_router(module.router)
    return app

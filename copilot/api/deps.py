"""FastAPI dependencies, named as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from copilot.api.worker import InvestigationWorker
from copilot.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def get_worker(request: Request) -> InvestigationWorker:
    return request.app.state.worker  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]
WorkerDep = Annotated[InvestigationWorker, Depends(get_worker)]

"""Translate the copilot's errors into HTTP responses with a reason."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from copilot.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    CopilotError,
    ModelNotReadyError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)

_STATUS: list[tuple[type[CopilotError], int]] = [
    (AuthenticationError, 401),
    (NotFoundError, 404),
    (PermissionDenied, 403),
    (ConflictError, 409),
    (ValidationError, 422),
    (ModelNotReadyError, 503),
    (ConfigError, 500),
]


def status_for(exc: CopilotError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


async def copilot_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CopilotError)
    return JSONResponse(
        status_code=status_for(exc), content={"detail": str(exc), "error": type(exc).__name__}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(CopilotError, copilot_error_handler)

"""FastAPI dependencies, named as Annotated aliases: services, the worker, the signed-in user and role gates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from copilot.access import require_role, user_for_token
from copilot.api.intake import AlertIntake
from copilot.api.worker import InvestigationWorker
from copilot.errors import AuthenticationError
from copilot.models import User
from copilot.schemas import Role
from copilot.services import Services

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A key from `copilot keys create`."
)
bearer = HTTPBearer(
    auto_error=False, description="An HS256 JWT (sub = user id) when COPILOT_JWT_SECRET is set."
)


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def get_worker(request: Request) -> InvestigationWorker:
    return request.app.state.worker  # type: ignore[no-any-return]


async def get_intake(request: Request) -> AlertIntake:
    return request.app.state.intake  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]
WorkerDep = Annotated[InvestigationWorker, Depends(get_worker)]
IntakeDep = Annotated[AlertIntake, Depends(get_intake)]


async def current_user(
    request: Request,
    services: ServicesDep,
    key: Annotated[str | None, Security(api_key_header)],
    token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> User:
    """The signed-in user: an X-API-Key, or a bearer JWT when a JWT secret is configured."""
    if key:
        return request.app.state.keys.user(services.engine, key)  # type: ignore[no-any-return]
    if token is not None:
        secret = services.settings.jwt_secret
        if secret is None:
            raise AuthenticationError(
                "bearer tokens are not enabled here (no COPILOT_JWT_SECRET): use an X-API-Key"
            )
        return user_for_token(services.engine, token.credentials, secret.get_secret_value())
    raise AuthenticationError("sign in: send an X-API-Key header (or a bearer token)")


CurrentUser = Annotated[User, Depends(current_user)]


async def operator(user: CurrentUser) -> User:
    require_role(user, Role.operator)
    return user


async def admin(user: CurrentUser) -> User:
    require_role(user, Role.admin)
    return user


OperatorUser = Annotated[User, Depends(operator)]
AdminUser = Annotated[User, Depends(admin)]

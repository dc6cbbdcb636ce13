"""The copilot's errors: one base class; the CLI and the API turn them into clean messages."""

from __future__ import annotations


class CopilotError(Exception):
    """Base of every error the copilot raises on purpose; its message says what to do."""


class ConfigError(CopilotError):
    """Raised when settings are missing or inconsistent (e.g. the openai provider without a base URL)."""


class NotFoundError(CopilotError):
    """Raised when a named entity (asset, sensor, investigation, approval, work order) does not exist."""


class UnknownAssetError(NotFoundError):
    """Raised when an asset id is not in the registry; the message names the asset."""

    def __init__(self, asset_id: str) -> None:
        super().__init__(f"unknown asset {asset_id!r}: list the registry with `copilot assets`")
        self.asset_id = asset_id


class ValidationError(CopilotError):
    """Raised when input (a reading, a request, an edited action) breaks a rule; the message gives the rule."""


class PermissionDenied(CopilotError):
    """Raised when a user's role does not allow the operation (e.g. a technician approving)."""


class ConflictError(CopilotError):
    """Raised when the state changed under the caller (e.g. an approval already decided)."""


class ModelNotReadyError(CopilotError):
    """Raised when a model artifact is missing; the message names the command that builds it."""

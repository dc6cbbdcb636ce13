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


class LLMError(CopilotError):
    """Raised when the LLM provider cannot give a usable answer; callers fall back to the offline provider."""


class LLMUnavailable(LLMError):
    """Raised when the endpoint cannot be reached: transport errors, timeouts, 429/5xx after retries, or an open circuit."""


class LLMRejected(LLMError):
    """Raised when the endpoint refuses the request (HTTP 4xx: API key, model name, unsupported parameters); not retried."""


class LLMInvalidOutput(LLMError):
    """Raised when the model's structured output is still invalid after one re-ask; the message gives the problems."""


class NotificationError(CopilotError):
    """Raised when a notification channel refuses a message or cannot be reached; nothing was recorded.

    `retryable` says whether the same call may succeed later (timeouts, 5xx, 429); the caller retries or
    falls back to another channel.
    """

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


class AuthenticationError(CopilotError):
    """Raised when a request carries no credentials, or ones that do not identify a user (HTTP 401)."""

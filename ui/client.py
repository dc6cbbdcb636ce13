"""A small HTTP client for the copilot API (the UI never imports the copilot package)."""

from __future__ import annotations

import os
from typing import Any

import httpx


def api_url() -> str:
    return os.environ.get("COPILOT_API_URL", "http://127.0.0.1:8000").rstrip("/")


class ApiError(Exception):
    """The API answered with an error; the message carries its reason."""


class CopilotApi:
    def __init__(
        self, base_url: str | None = None, timeout: float = 30.0, api_key: str | None = None
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._client = httpx.Client(base_url=base_url or api_url(), timeout=timeout, headers=headers)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the copilot API at {self._client.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                reason = response.json().get("detail", response.text)
            except ValueError:
                reason = response.text
            raise ApiError(f"{response.status_code}: {reason}")
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health")

    def me(self) -> dict[str, Any]:
        return self._request("GET", "/me")

    def approvals(self, status: str = "pending") -> list[dict[str, Any]]:
        return self._request("GET", "/approvals", params={"status": status})

    def investigation(self, investigation_id: int) -> dict[str, Any]:
        return self._request("GET", f"/investigations/{investigation_id}")

    def decide(
        self,
        approval_id: int,
        *,
        decision: str,
        comment: str = "",
        edits: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        body = {"decision": decision, "comment": comment, "edits": edits or {}}
        return self._request("POST", f"/approvals/{approval_id}/decision", json=body)

    def work_orders(self) -> list[dict[str, Any]]:
        return self._request("GET", "/workorders")["items"]

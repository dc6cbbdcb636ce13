"""A small HTTP client for the copilot API (the UI never imports the copilot package)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx


def api_url() -> str:
    return os.environ.get("COPILOT_API_URL", "http://127.0.0.1:8000").rstrip("/")


class ApiError(Exception):
    """The API answered with an error (or could not be reached); the message carries its reason."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason or message


def _reason(response: httpx.Response) -> str:
    """The `detail` of an error body, flattened when it is a list of validation errors."""
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        return response.text
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])}: {item.get('msg', item)}"
            if isinstance(item, dict)
            else str(item)
            for item in detail
        )
    return str(detail)


def parse_sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Turn server-sent-event lines into the JSON payloads of their `data:` fields (one per event)."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield json.loads("\n".join(data))
                data = []
            continue
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        # `event:`, `id:`, `retry:` and comments: the payload's own `type` says what it is
    if data:
        yield json.loads("\n".join(data))


class CopilotApi:
    """One signed-in user's view of the API."""

    def __init__(
        self, base_url: str | None = None, timeout: float = 30.0, api_key: str | None = None
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self.base_url = base_url or api_url()
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def close(self) -> None:
        self._client.close()

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            reason = _reason(response)
            raise ApiError(f"{response.status_code}: {reason}", status=response.status_code, reason=reason)

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the copilot API at {self.base_url}: {exc}") from exc
        self._raise_for(response)
        return response.json()

    # health and identity
    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health", timeout=5.0)

    def me(self) -> dict[str, Any]:
        return self._request("GET", "/me")

    # approvals
    def approvals(self, status: str = "pending") -> list[dict[str, Any]]:
        return self._request("GET", "/approvals", params={"status": status})

    def approval(self, approval_id: int) -> dict[str, Any]:
        return self._request("GET", f"/approvals/{approval_id}")

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

    # alerts and investigations
    def alerts(self, **filters: Any) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v is not None and v != ""}
        return self._request("GET", "/alerts", params=params)

    def investigations(self, **filters: Any) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v is not None and v != ""}
        return self._request("GET", "/investigations", params=params)

    def investigation(self, investigation_id: int) -> dict[str, Any]:
        return self._request("GET", f"/investigations/{investigation_id}")

    # work orders and people
    def work_orders(self, **filters: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in filters.items() if v is not None and v != ""}
        params.setdefault("limit", 500)
        return self._request("GET", "/workorders", params=params)["items"]

    def set_work_order_status(self, work_order_id: int, status: str, comment: str = "") -> dict[str, Any]:
        body = {"status": status, "comment": comment}
        return self._request("POST", f"/workorders/{work_order_id}/status", json=body)

    def close_work_order(self, work_order_id: int, failure_code: str, comment: str = "") -> dict[str, Any]:
        body = {"failure_code": failure_code, "comment": comment}
        return self._request("POST", f"/workorders/{work_order_id}/close", json=body)

    def technicians(self) -> list[dict[str, Any]]:
        return self._request("GET", "/technicians")

    def schedule(self, days: int = 60, start: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"days": days}
        if start:
            params["start"] = start
        return self._request("GET", "/schedule", params=params)

    # assets
    def assets(self) -> list[dict[str, Any]]:
        return self._request("GET", "/assets")

    def asset(self, asset_id: str, hours: float = 1.0) -> dict[str, Any]:
        return self._request("GET", f"/assets/{asset_id}", params={"hours": hours})

    def telemetry(
        self,
        asset_id: str,
        *,
        hours: float = 1.0,
        end: str | None = None,
        sensor: str | None = None,
        max_points: int = 300,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"hours": hours, "max_points": max_points}
        if end:
            params["end"] = end
        if sensor:
            params["sensor"] = sensor
        return self._request("GET", f"/assets/{asset_id}/telemetry", params=params)

    # feedback and figures
    def feedback(self, **body: Any) -> dict[str, Any]:
        return self._request("POST", "/feedback", json={k: v for k, v in body.items() if v is not None})

    def stats(self, days: int = 14) -> dict[str, Any]:
        return self._request("GET", "/stats", params={"days": days})

    # chat
    def chat(self, message: str, thread_id: str) -> dict[str, Any]:
        return self._request("POST", "/chat", json={"message": message, "thread_id": thread_id})

    def chat_stream(self, message: str, thread_id: str) -> Iterator[dict[str, Any]]:
        """Yield the events of POST /chat/stream as they arrive: `token` events, then one `answer`."""
        body = {"message": message, "thread_id": thread_id}
        try:
            with self._client.stream(
                "POST", "/chat/stream", json=body, headers={"Accept": "text/event-stream"}
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                yield from parse_sse(response.iter_lines())
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the copilot API at {self.base_url}: {exc}") from exc

"""The API: health, alert intake (queued investigation), approvals and decisions, errors with reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from copilot.api.main import create_app
from copilot.config import Settings
from copilot.services import Services
from tests.helpers import fault_alert


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _wait(client: TestClient) -> None:
    client.app.state.worker.join()  # type: ignore[attr-defined]


def test_health_says_which_mode_answers(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["llm_mode"] == "offline"


def test_alert_to_approval_to_work_order(client: TestClient, services: Services) -> None:
    alert = fault_alert(services, "CH-401", "CHL-CFL", seed=11)
    accepted = client.post("/alerts", json=alert.model_dump(mode="json"))
    assert accepted.status_code == 202
    investigation_id = accepted.json()["investigation_id"]
    _wait(client)

    detail = client.get(f"/investigations/{investigation_id}").json()
    assert detail["status"] == "pending_approval" and detail["diagnosis"]["hypotheses"]
    assert [t["action"] for t in detail["timeline"]][0] == "investigation_opened"
    (approval,) = client.get("/approvals").json()

    technician = client.post(
        f"/approvals/{approval['id']}/decision", json={"decision": "approve", "user_id": "ben"}
    )
    assert technician.status_code == 403 and "technician" in technician.json()["detail"]

    decided = client.post(
        f"/approvals/{approval['id']}/decision", json={"decision": "approve", "user_id": "omar"}
    )
    assert decided.status_code == 200 and len(decided.json()["work_orders"]) == 1
    again = client.post(
        f"/approvals/{approval['id']}/decision", json={"decision": "approve", "user_id": "olivia"}
    )
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    assert len(client.get("/workorders").json()) == 1
    assert client.get("/alerts", params={"asset_id": "CH-401"}).json()["total"] == 1


def test_bad_requests_get_4xx_with_a_reason(client: TestClient) -> None:
    unknown = client.post(
        "/alerts", json={"asset_id": "X-9", "severity": "high", "ts": "2026-01-01T00:00:00Z", "summary": "?"}
    )
    assert unknown.status_code == 404 and "X-9" in unknown.json()["detail"]
    malformed = client.post("/alerts", json={"asset_id": "P-101", "severity": "apocalyptic"})
    assert malformed.status_code == 422
    assert client.get("/investigations/12345").status_code == 404
    assert (
        client.post("/approvals/1/decision", json={"decision": "perhaps", "user_id": "omar"}).status_code
        == 422
    )
    assert client.get("/alerts", params={"limit": 0}).status_code == 422

"""The API: sign-in and roles, alert intake, approvals, work orders, chat, feedback, audit, metrics, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from copilot.access import create_key
from copilot.api.main import create_app
from copilot.config import Settings
from copilot.services import Services
from tests.helpers import fault_alert


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def keys(client: TestClient) -> dict[str, dict[str, str]]:
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    return {
        user: {"X-API-Key": create_key(engine, user_id=user)} for user in ("olivia", "omar", "ana", "admin")
    }


def _wait(client: TestClient) -> None:
    client.app.state.worker.join()  # type: ignore[attr-defined]


def _pending(client: TestClient, services: Services, keys: dict[str, dict[str, str]]) -> dict:  # type: ignore[type-arg]
    alert = fault_alert(services, "CH-401", "CHL-CFL", seed=11)
    accepted = client.post("/alerts", json=alert.model_dump(mode="json"), headers=keys["ana"])
    assert accepted.status_code == 202, accepted.text
    _wait(client)
    (approval,) = client.get("/approvals", headers=keys["ana"]).json()
    return approval  # type: ignore[no-any-return]


def test_health_is_open_but_everything_else_needs_a_key(client: TestClient, keys: dict) -> None:  # type: ignore[type-arg]
    assert client.get("/health").json()["llm_mode"] == "offline"
    unsigned = client.get("/alerts")
    assert unsigned.status_code == 401 and "X-API-Key" in unsigned.json()["detail"]
    wrong = client.get("/alerts", headers={"X-API-Key": "cpk_nope"})
    assert wrong.status_code == 401 and "invalid" in wrong.json()["detail"]
    assert client.get("/me", headers=keys["olivia"]).json() == {
        "id": "olivia",
        "name": "Olivia Brandt",
        "role": "operator",
    }


def test_alert_to_approval_to_work_order_with_roles(
    client: TestClient, services: Services, keys: dict
) -> None:  # type: ignore[type-arg]
    approval = _pending(client, services, keys)
    detail = client.get(f"/investigations/{approval['investigation_id']}", headers=keys["ana"]).json()
    assert detail["status"] == "pending_approval" and detail["citations"] and detail["incident_summary"]
    assert any(c["doc_id"].startswith("INC-") for c in detail["citations"])
    url = f"/approvals/{approval['id']}/decision"
    technician = client.post(url, json={"decision": "approve"}, headers=keys["ana"])
    assert technician.status_code == 403 and "operator" in technician.json()["detail"]
    decided = client.post(url, json={"decision": "approve", "comment": "go"}, headers=keys["omar"])
    assert decided.status_code == 200 and len(decided.json()["work_orders"]) == 1
    again = client.post(url, json={"decision": "approve"}, headers=keys["olivia"])
    assert again.status_code == 409 and "already decided: approve by omar" in again.json()["detail"]
    orders = client.get("/workorders", headers=keys["ana"]).json()
    assert orders["total"] == 1 and orders["items"][0]["approver"] == "omar"
    audit = client.get("/audit", params={"entity_type": "approval"}, headers=keys["olivia"]).json()
    assert [e["action"] for e in audit["items"]][:1] == ["approval_approve"]
    assert client.get("/audit", headers=keys["ana"]).status_code == 403


def test_nobody_approves_their_own_request(client: TestClient, keys: dict) -> None:  # type: ignore[type-arg]
    asked = client.post(
        "/chat", json={"message": "please shut down CH-402", "thread_id": "own"}, headers=keys["olivia"]
    ).json()
    (proposal,) = asked["proposed_actions"]
    own = client.post(
        f"/approvals/{proposal['approval_id']}/decision", json={"decision": "approve"}, headers=keys["olivia"]
    )
    assert own.status_code == 403 and "cannot approve" in own.json()["detail"]


def test_work_order_lifecycle_and_close_with_a_failure_code(
    client: TestClient, services: Services, keys: dict
) -> None:  # type: ignore[type-arg]
    approval = _pending(client, services, keys)
    client.post(f"/approvals/{approval['id']}/decision", json={"decision": "approve"}, headers=keys["omar"])
    order = client.get("/workorders", headers=keys["ana"]).json()["items"][0]
    base = f"/workorders/{order['id']}"
    assert client.post(f"{base}/status", json={"status": "cancelled"}, headers=keys["ana"]).status_code == 403
    assert (
        client.post(f"{base}/status", json={"status": "in_progress"}, headers=keys["ana"]).status_code == 200
    )
    early = client.post(f"{base}/close", json={"failure_code": "CHL-CFL"}, headers=keys["olivia"])
    assert early.status_code == 409 and "can move to: completed" in early.json()["detail"]
    assert client.post(f"{base}/status", json={"status": "completed"}, headers=keys["ana"]).status_code == 200
    bad = client.post(f"{base}/close", json={"failure_code": "NOPE-1"}, headers=keys["olivia"])
    assert bad.status_code == 422 and "unknown failure code" in bad.json()["detail"]
    closed = client.post(f"{base}/close", json={"failure_code": "CHL-CFL"}, headers=keys["olivia"]).json()
    assert closed["status"] == "closed" and closed["failure_code"] == "CHL-CFL"


def test_feedback_drives_the_dashboard_figures(client: TestClient, services: Services, keys: dict) -> None:  # type: ignore[type-arg]
    approval = _pending(client, services, keys)
    alert_id = client.get("/alerts", headers=keys["ana"]).json()["items"][0]["id"]
    assert (
        client.post(
            "/feedback", json={"alert_id": alert_id, "alert_useful": True}, headers=keys["olivia"]
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/feedback",
            json={
                "investigation_id": approval["investigation_id"],
                "diagnosis_correct": False,
                "actual_failure_code": "CHL-EFL",
            },
            headers=keys["ana"],
        ).status_code
        == 201
    )
    assert client.post("/feedback", json={"alert_id": alert_id}, headers=keys["ana"]).status_code == 422
    stats = client.get("/stats", headers=keys["ana"]).json()
    assert stats["alert_precision"] == 1.0 and stats["diagnosis_accuracy"] == 0.0
    assert sum(stats["alerts_per_day"].values()) == 1


def test_chat_answers_as_json_and_as_server_sent_events(client: TestClient, keys: dict) -> None:  # type: ignore[type-arg]
    body = client.post("/chat", json={"message": "What does A-210 mean?"}, headers=keys["ana"]).json()
    assert body["mode"] == "offline" and body["citations"] and "A-210" in body["answer"]
    with client.stream(
        "POST",
        "/chat/stream",
        json={"message": "how do I replace the bearings on P-101?"},
        headers=keys["ana"],
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1]["type"] == "answer" and events[-1]["citations"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == events[-1]["answer"]


def test_assets_technicians_telemetry_readiness_and_metrics(
    client: TestClient, services: Services, keys: dict
) -> None:  # type: ignore[type-arg]
    assets = client.get("/assets", headers=keys["ana"]).json()
    assert len(assets) == 10
    import numpy as np

    now = datetime.now(UTC).timestamp()
    services.telemetry.write(
        "P-101",
        ["flow", "motor_current"],
        np.arange(now - 600, now, 1.0),
        np.column_stack([np.full(600, 120.0), np.full(600, 42.0)]),
    )
    series = client.get(
        "/assets/P-101/telemetry", params={"hours": 1, "max_points": 50}, headers=keys["ana"]
    ).json()
    assert {s["sensor"] for s in series if s["points"]} == {"flow", "motor_current"}
    assert all(len(s["points"]) <= 50 for s in series)
    detail = client.get("/assets/P-101", headers=keys["ana"]).json()
    assert detail["statistics"]["sensors"] and detail["asset"]["id"] == "P-101"
    techs = client.get("/technicians", headers=keys["ana"]).json()
    assert len(techs) == 6 and all("booked_hours_next_7_days" in t for t in techs)
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    metrics = client.get("/metrics").text
    assert "copilot_http_requests_total" in metrics and "copilot_pending_approvals" in metrics


def test_bad_requests_get_4xx_with_a_reason(client: TestClient, keys: dict) -> None:  # type: ignore[type-arg]
    unknown = client.post(
        "/alerts",
        json={"asset_id": "X-9", "severity": "high", "ts": "2026-01-01T00:00:00Z", "summary": "?"},
        headers=keys["ana"],
    )
    assert unknown.status_code == 404 and "X-9" in unknown.json()["detail"]
    assert (
        client.post(
            "/alerts", json={"asset_id": "P-101", "severity": "apocalyptic"}, headers=keys["ana"]
        ).status_code
        == 422
    )
    assert client.get("/investigations/12345", headers=keys["ana"]).status_code == 404
    assert (
        client.post("/approvals/1/decision", json={"decision": "perhaps"}, headers=keys["olivia"]).status_code
        == 422
    )
    assert client.get("/alerts", params={"limit": 0}, headers=keys["ana"]).status_code == 422
    assert client.get("/assets/Z-1", headers=keys["ana"]).json()["detail"].startswith("unknown asset 'Z-1'")

"""The Streamlit app, run by Streamlit's test harness against a live API on loopback."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from copilot.access import create_key
from copilot.api.main import create_app
from copilot.config import Settings
from copilot.investigations import handle_alert
from copilot.services import Services
from tests.helpers import fault_alert

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_url(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    monkeypatch.setenv("COPILOT_API_URL", url)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def pending(services: Services) -> int:
    """One alert investigated up to an operator's approval; its investigation id."""
    outcome = handle_alert(services, fault_alert(services, "C-302", "CMP-FLT", seed=5))
    return outcome.investigation_id


def _signed_in(user_id: str, services: Services) -> tuple[AppTest, str]:
    key = create_key(services.engine, user_id=user_id)
    page = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not page.exception
    assert "Sign in" in page.info[0].value  # every page asks for the key first
    page.sidebar.text_input[0].input(key).run()
    assert not page.exception
    return page, key


def _button(page: AppTest, prefix: str) -> Button:
    """The button whose key starts with prefix (keys carry the approval id)."""
    return page.button(key=next(b.key for b in page.button if b.key and b.key.startswith(prefix)))


def test_operator_sees_evidence_and_approves_through_the_api(
    services: Services, api_url: str, pending: int
) -> None:
    page, key = _signed_in("olivia", services)
    sidebar = " ".join(m.value for m in page.sidebar.markdown)
    assert "Olivia Brandt" in sidebar and "operator" in sidebar and "offline" in sidebar

    # the landing page of an operator is the approval queue, with the count up front
    assert page.title[0].value == "Approvals"
    assert {m.label: m.value for m in page.metric}["Pending approvals"] == "1"
    assert any(s.value.startswith("Approval #") and "C-302" in s.value for s in page.subheader)

    # the evidence card: predictor, sensor plots with the normal level, diagnosis, sources, actions
    metrics = {m.label: m.value for m in page.metric}
    assert float(metrics["Predictor score"]) > 0.5
    charts = page.get("vega_lite_chart")
    assert charts, "no sensor plot"
    spec = json.loads(charts[0].proto.spec)
    assert "strokeDash" in json.dumps(spec), "the normal level is not marked"
    markdown = " ".join(m.value for m in page.markdown)
    assert "#### Diagnosis" in markdown and "CMP-FLT" in markdown
    assert "Lockout-tagout steps" in markdown and "needs approval" in markdown
    sources = [e for e in page.expander if "§" in e.label]
    assert sources, "no cited manual section"
    assert any(m.value for m in sources[0].markdown), "a cited section shows no text"
    assert any(e.label.startswith("INC-") for e in page.expander), "no similar incident"

    _button(page, "approve-").click().run()
    assert not page.exception
    assert not page.error
    assert any("approved" in s.value and "WO-" in s.value for s in page.success)
    orders = httpx.get(f"{api_url}/workorders", headers={"X-API-Key": key}).json()["items"]
    assert len(orders) == 1 and orders[0]["approver"] == "olivia"
    assert orders[0]["investigation_id"] == pending
    assert {m.label: m.value for m in page.metric}["Pending approvals"] == "0"

    page.switch_page("views/work_orders.py").run()
    assert not page.exception
    assert any(orders[0]["number"] in m.value for m in page.markdown)


def test_operator_edits_the_work_order_before_approving(
    services: Services, api_url: str, pending: int
) -> None:
    page, key = _signed_in("omar", services)
    assert not _button(page, "approve-").disabled and _button(page, "edit-").disabled
    page.selectbox(key=next(s.key for s in page.selectbox if s.key.startswith("wo-priority-"))).set_value(2)
    page.number_input(key=next(n.key for n in page.number_input if n.key.startswith("wo-hours-"))).set_value(
        3.5
    )
    page.run()
    assert _button(page, "approve-").disabled, "approving would silently drop the edits"
    assert any("You changed" in w.value for w in page.warning)

    _button(page, "edit-").click().run()
    assert not page.exception and not page.error
    assert any("edited and approved" in s.value for s in page.success)
    (order,) = httpx.get(f"{api_url}/workorders", headers={"X-API-Key": key}).json()["items"]
    assert order["priority"] == 2 and order["estimated_hours"] == 3.5 and order["approver"] == "omar"


def test_technician_and_late_operator_see_the_reason_they_cannot_decide(
    services: Services, api_url: str, pending: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _key = _signed_in("ana", services)
    assert page.title[0].value == "Chat"  # a technician lands on the chat
    page.switch_page("views/approvals.py").run()
    assert any(s.value.startswith("Approval #") for s in page.subheader)
    _button(page, "approve-").click().run()
    assert not page.exception
    assert any("Not allowed" in e.value and "technician" in e.value for e in page.error)

    # an operator has the approval open while another operator decides it first
    page, olivia = _signed_in("olivia", services)
    on_screen = httpx.get(f"{api_url}/approvals", headers={"X-API-Key": olivia}).json()
    approval_id = on_screen[0]["id"]
    omar = create_key(services.engine, user_id="omar")
    decided = httpx.post(
        f"{api_url}/approvals/{approval_id}/decision",
        json={"decision": "reject", "comment": "not now"},
        headers={"X-API-Key": omar},
        timeout=60,
    )
    assert decided.status_code == 200, decided.text

    # the click lands before the page reloads its queue: the API's 409 says who decided
    client = sys.modules["client"]  # the UI's own HTTP client, as the app imported it
    real = client.CopilotApi.approvals
    monkeypatch.setattr(
        client.CopilotApi,
        "approvals",
        lambda self, status="pending": on_screen if status == "pending" else [],
    )
    _button(page, "approve-").click().run()
    assert not page.exception
    assert any("Already decided" in e.value and "by omar" in e.value for e in page.error)

    # the next reload: the approval has left the queue, and the page says why
    monkeypatch.setattr(client.CopilotApi, "approvals", real)
    page.run()
    assert any(
        f"Approval #{approval_id} was decided by someone else" in w.value and "omar" in w.value
        for w in page.warning
    )
    assert {m.label: m.value for m in page.metric}["Pending approvals"] == "0"
    orders = httpx.get(f"{api_url}/workorders", headers={"X-API-Key": omar}).json()["items"]
    assert orders == []


def test_technician_chat_streams_cited_answers_and_shows_proposals(services: Services, api_url: str) -> None:
    page, _key = _signed_in("ana", services)
    assert page.title[0].value == "Chat"
    page.chat_input[0].set_value("What are the lockout steps for P-101?").run()
    assert not page.exception
    answer = page.chat_message[-1]
    assert answer.name == "assistant"
    assert any("MAN-PUMP" in m.value for m in answer.markdown)
    assert any("answered in offline mode" in m.value for m in answer.markdown)
    assert any("MAN-PUMP §" in e.label for e in answer.expander), "no source to expand"

    page.chat_input[0].set_value("Please open a work order to replace the bearings on P-102").run()
    proposal = page.chat_message[-1]
    assert any("Waiting for approval #" in m.value for m in proposal.markdown)
    assert len(page.chat_message) == 4  # the thread keeps both turns

    page.button(key=next(b.key for b in page.button if b.label == "New conversation")).click().run()
    assert len(page.chat_message) == 0 and len(page.selectbox[0].options) == 2


def test_work_order_board_feedback_and_dashboard(services: Services, api_url: str, pending: int) -> None:
    olivia = create_key(services.engine, user_id="olivia")
    (approval,) = httpx.get(f"{api_url}/approvals", headers={"X-API-Key": olivia}).json()
    decided = httpx.post(
        f"{api_url}/approvals/{approval['id']}/decision",
        json={"decision": "approve"},
        headers={"X-API-Key": olivia},
        timeout=60,
    )
    (number,) = decided.json()["work_orders"]
    (order,) = httpx.get(f"{api_url}/workorders", headers={"X-API-Key": olivia}).json()["items"]

    # a technician starts and completes the work; the board moves the card
    page, _key = _signed_in("ana", services)
    page.switch_page("views/work_orders.py").run()
    assert any(m.value == "#### Open (1)" for m in page.markdown)
    page.button(key=f"wo-{order['id']}-in_progress").click().run()
    assert any(f"{number} is now in progress" in s.value for s in page.success)
    page.button(key=f"wo-{order['id']}-completed").click().run()
    assert any(m.value == "#### Completed (1)" for m in page.markdown)
    assert not [b for b in page.button if b.label == "Close work order"]  # technicians do not close

    # an operator closes it with the failure code found, rates the alert, and sees the figures
    page, _key = _signed_in("olivia", services)
    page.switch_page("views/work_orders.py").run()
    page.text_input(key=next(t.key for t in page.text_input if t.label == "Failure code found")).input(
        "CMP-FLT"
    )
    page.button(key=next(b.key for b in page.button if b.label == "Close work order")).click().run()
    assert not page.exception
    assert any(f"{number} closed with failure code CMP-FLT" in s.value for s in page.success)

    page.switch_page("views/alerts.py").run()
    assert not page.exception
    useful = next(b for b in page.button if b.key and b.key.startswith("useful-"))
    useful.click().run()
    assert not page.exception and not page.error

    page.switch_page("views/dashboard.py").run()
    figures = {m.label: m.value for m in page.metric}
    assert figures["Alert precision"] == "100%" and figures["Pending approvals"] == "0"

    page.switch_page("views/assets.py").run()
    assert not page.exception
    assert page.title[0].value == "Assets"


def test_server_sent_events_are_parsed_into_their_payloads() -> None:
    spec = importlib.util.spec_from_file_location("ui_client", APP.with_name("client.py"))
    assert spec is not None and spec.loader is not None
    client = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(client)
    lines = [
        "event: token",
        'data: {"type": "token", "text": "Close "}',
        "",
        ": a comment",
        "event: token",
        'data: {"type": "token", "text": "V-2."}',
        "",
        "event: answer",
        'data: {"type": "answer", "answer": "Close V-2.", "mode": "offline"}',
    ]
    events = list(client.parse_sse(iter(lines)))
    assert [e["type"] for e in events] == ["token", "token", "answer"]
    assert "".join(e["text"] for e in events[:2]) == events[2]["answer"]

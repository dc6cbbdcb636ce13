"""The Streamlit approval page, run by Streamlit's test harness against a live API on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from streamlit.testing.v1 import AppTest

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


def test_operator_sees_evidence_and_approves_through_the_api(services: Services, api_url: str) -> None:
    handle_alert(services, fault_alert(services, "C-302", "CMP-FLT", seed=5))
    key = create_key(services.engine, user_id="olivia")
    page = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not page.exception
    page.sidebar.text_input[0].input(key).run()
    assert page.title[0].value == "Pending approvals"
    assert any("C-302" in s.value for s in page.subheader)
    markdown = " ".join(m.value for m in page.markdown)
    assert "Diagnosis" in markdown and "CMP-FLT" in markdown and "needs approval" in markdown

    page.button(key=next(b.key for b in page.button if b.key.startswith("approve-"))).click().run()
    assert not page.exception
    assert any("work orders: WO-" in s.value for s in page.success)
    orders = httpx.get(f"{api_url}/workorders", headers={"X-API-Key": key}).json()["items"]
    assert len(orders) == 1 and orders[0]["approver"] == "olivia"

"""The approval flow in a real browser: headless Chromium drives the Streamlit app, which talks to the API.

The demo prepares the state (alerts investigated up to approval, API keys), the API and the Streamlit app run
as subprocesses on free ports, and every step leaves a screenshot in test-artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


@dataclass
class Stack:
    api_url: str
    ui_url: str
    keys: dict[str, str]
    demo: dict


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A demo state, the API on it, and the Streamlit app pointed at the API."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    home = tmp_path_factory.mktemp("browser") / "home"
    env = {
        **os.environ,
        "COPILOT_HOME": str(home),
        "COPILOT_LLM_PROVIDER": "offline",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for name in ("COPILOT_DATABASE_URL", "COPILOT_LLM_BASE_URL", "COPILOT_LLM_API_KEY"):
        env.pop(name, None)
    copilot = Path(sys.executable).with_name("copilot")
    demo = subprocess.run(
        [str(copilot), "demo", "--reset", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    summary = json.loads(demo.stdout)
    assert summary["pending_approvals"] >= 1, summary

    api_port, ui_port = _free_port(), _free_port()
    api_url, ui_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ui_port}"
    api_log, ui_log = ARTIFACTS / "api.log", ARTIFACTS / "streamlit.log"
    logs: list[IO[str]] = [api_log.open("w"), ui_log.open("w")]
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "copilot.api.main:create_app", "--factory"]
        + ["--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    ui = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py")]
        + ["--server.port", str(ui_port), "--server.address", "127.0.0.1", "--server.headless", "true"]
        + ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        env={**env, "COPILOT_API_URL": api_url},
        cwd=ROOT,
        stdout=logs[1],
        stderr=subprocess.STDOUT,
    )
    try:
        # The API warms the guards before it answers: on a machine's first start it fits the frozen-embedding
        # classifiers (about three minutes on 2 cores) and keeps them in the guard model cache; later starts load them.
        _wait_for(f"{api_url}/health", api, api_log, seconds=600.0)
        _wait_for(f"{ui_url}/_stcore/health", ui, ui_log)
        yield Stack(api_url=api_url, ui_url=ui_url, keys=summary["api_keys"], demo=summary)
    finally:
        _stop(ui)
        _stop(api)
        for log in logs:
            log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Headless Chromium from the system, with a fresh profile."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1440, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        # expect() has its own default of 5 s, too short for a first Streamlit run on a busy 2-core machine
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def settle(page: Page) -> None:
    """Wait until Streamlit has finished its current run (reruns follow every click)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning';
        }""",
        timeout=TIMEOUT_MS,
    )


def snap(page: Page, name: str) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside its own container, so grow the viewport)."""
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size or {"width": 1440, "height": 1000}
    height = page.evaluate(
        """() => Math.max(...Array.from(document.querySelectorAll(
            '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stAppViewContainer"]'
        )).map(e => e.scrollHeight), document.body.scrollHeight)"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 80, 800), 9000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def sign_in(page: Page, stack: Stack, user: str) -> None:
    page.goto(stack.ui_url)
    key_field = page.get_by_label("API key", exact=True)
    expect(key_field).to_be_visible()
    settle(page)
    expect(page.get_by_text("Sign in", exact=False).first).to_be_visible()
    snap(page, f"{user}-01-sign-in")
    key_field.fill(stack.keys[user])
    key_field.press("Enter")
    expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_be_visible()
    settle(page)


def test_operator_approves_a_pending_action_with_its_evidence(browser: BrowserContext, stack: Stack) -> None:
    page = browser.new_page()
    try:
        sign_in(page, stack, "olivia")
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Olivia Brandt")).to_be_visible()
        expect(sidebar.get_by_text("offline")).to_be_visible()

        # the landing page: the queue, with the count of pending approvals up front
        expect(page.get_by_role("heading", name="Approvals", exact=True)).to_be_visible()
        pending = stack.demo["pending_approvals"]
        count = page.get_by_test_id("stMetric").filter(has_text="Pending approvals")
        expect(count.get_by_test_id("stMetricValue")).to_have_text(str(pending))
        expect(page.get_by_role("link", name=f"Approvals ({pending} pending)")).to_be_visible()
        snap(page, "olivia-02-approval-queue")

        # open the approval of P-101 (the queue lists it; the card shows one approval at a time)
        approval_id = next(d["approval_id"] for d in stack.demo["details"] if d["asset_id"] == "P-101")
        page.locator(f".st-key-queue-{approval_id}").get_by_role("button").click()
        settle(page)
        card = page.locator(f".st-key-card-{approval_id}")
        expect(card.get_by_role("heading", name=f"Approval #{approval_id} · P-101")).to_be_visible()

        # the evidence: predictor score, the sensor plot, the diagnosis, the cited sources, the actions
        expect(card.get_by_test_id("stMetric").filter(has_text="Predictor score")).to_be_visible()
        charts = card.get_by_test_id("stVegaLiteChart")
        expect(charts.first).to_be_visible()
        expect(charts.first.locator("canvas, svg").first).to_be_visible()
        assert charts.count() >= 2
        expect(card.get_by_text("bearing_vibration (mm/s)", exact=False).first).to_be_visible()
        expect(card.get_by_role("heading", name="Diagnosis")).to_be_visible()
        expect(card.get_by_text("1. Bearing wear")).to_be_visible()
        expect(card.get_by_role("heading", name="Cited manual sections")).to_be_visible()
        manual = card.get_by_test_id("stExpander").filter(has_text="MAN-PUMP §").first
        manual.locator("summary").click()
        expect(manual.get_by_test_id("stExpanderDetails")).to_contain_text("Probable cause")
        incident = card.get_by_test_id("stExpander").filter(has_text="INC-").first
        expect(incident).to_be_visible()
        snap(page, "olivia-03-evidence-card")

        # a longer span comes from the telemetry endpoint, with the scored window marked
        card.get_by_role("radio", name="30 min before").click()
        settle(page)
        expect(charts.first.locator("canvas, svg").first).to_be_visible()
        expect(card.get_by_text("No recorded telemetry")).to_have_count(0)
        card.get_by_role("heading", name="Sensors around the alert").scroll_into_view_if_needed()
        snap(page, "olivia-04-evidence-30-min")

        # the proposed work order with its lockout-tagout steps, then the decision
        expect(card.get_by_text("Lockout-tagout steps")).to_be_visible()
        expect(card.get_by_label("Priority")).to_be_visible()
        comment = card.get_by_label("Comment", exact=False)
        comment.fill("Standby pump P-102 is running; go ahead.")
        comment.press("Control+Enter")
        settle(page)
        approve = page.locator(f".st-key-approve-{approval_id}").get_by_role("button")
        approve.scroll_into_view_if_needed()
        snap(page, "olivia-05-before-approve")
        approve.click()
        settle(page)
        success = page.get_by_test_id("stAlert").filter(has_text=f"Approval #{approval_id} approved")
        expect(success).to_be_visible()
        expect(success).to_contain_text("WO-")
        number = success.inner_text().split("work orders: ")[1].split(",")[0].rstrip(". \n")
        expect(page.get_by_test_id("stMetric").filter(has_text="Pending approvals")).to_contain_text(
            str(pending - 1)
        )
        snap(page, "olivia-06-approved")

        # the work order on the board
        page.get_by_role("link", name="Work orders").first.click()
        settle(page)
        expect(page.get_by_role("heading", name="Work orders", exact=True)).to_be_visible()
        order = (
            page.get_by_test_id("stVerticalBlock")
            .filter(has_text=number)
            .filter(has_text="Bearing wear on P-101")
        )
        expect(order.last).to_be_visible()
        expect(page.get_by_role("heading", name="Open (1)")).to_be_visible()
        snap(page, "olivia-07-work-orders")
    except Exception:
        snap(page, "olivia-failure")
        raise

    orders = httpx.get(
        f"{stack.api_url}/workorders", headers={"X-API-Key": stack.keys["olivia"]}, timeout=10
    ).json()["items"]
    assert [(o["number"], o["approver"]) for o in orders] == [(number, "olivia")]


def test_technician_chats_with_streamed_cited_answers(browser: BrowserContext, stack: Stack) -> None:
    page = browser.new_page()
    try:
        sign_in(page, stack, "ana")
        expect(page.get_by_role("heading", name="Chat", exact=True)).to_be_visible()  # technicians land here
        chat = page.get_by_test_id("stChatInputTextArea")
        chat.fill("What are the lockout steps for P-101?")
        chat.press("Enter")
        settle(page)
        answer = page.get_by_test_id("stChatMessage").last
        expect(answer.get_by_text("answered in offline mode")).to_be_visible()
        expect(answer.get_by_test_id("stExpander").first).to_contain_text("MAN-PUMP")

        chat.fill("Please open a work order to replace the bearings on P-102")
        chat.press("Enter")
        settle(page)
        proposal = page.get_by_test_id("stChatMessage").last
        expect(proposal.get_by_text("Waiting for approval #", exact=False)).to_be_visible()
        expect(proposal.get_by_role("link", name="Open approval #", exact=False)).to_be_visible()
        snap(page, "ana-02-chat")
    except Exception:
        snap(page, "ana-failure")
        raise

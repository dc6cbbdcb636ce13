"""The webhook notifier against a local HTTP receiver: payload, headers, signature, failures, duplicates."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from copilot.errors import NotificationError
from copilot.models import Notification
from tools.notifications import SIGNATURE_HEADER, NotificationMessage, WebhookNotifier, verify

SECRET = "s3cret"
MESSAGE = NotificationMessage(
    recipient="olivia", subject="P-101 bearing wear", body="WO-000001", priority="high"
)


@dataclass
class Receiver:
    """What the local webhook endpoint saw, and the status it answers with."""

    url: str
    status: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if state.status < 300 else b"receiver says no")

        def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/copilot"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _recorded(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification)).all())


def test_a_notification_is_posted_signed_and_recorded_once(site_engine: Engine, receiver: Receiver) -> None:
    notifier = WebhookNotifier(site_engine, receiver.url, timeout_s=5, secret=SECRET)
    assert notifier.send(MESSAGE, idempotency_key="inv-1:notify") is True

    (headers, body), = receiver.requests  # fmt: skip
    payload = json.loads(body)
    assert {k: payload[k] for k in ("recipient", "subject", "body", "priority", "idempotency_key")} == {
        **MESSAGE.model_dump(),
        "idempotency_key": "inv-1:notify",
    }
    assert datetime.fromisoformat(payload["sent_at"]).utcoffset() is not None
    assert headers["idempotency-key"] == "inv-1:notify"
    assert headers["content-type"] == "application/json"
    assert verify(body, SECRET, headers[SIGNATURE_HEADER.lower()])
    assert not verify(body, "other secret", headers[SIGNATURE_HEADER.lower()])

    (row,) = _recorded(site_engine)
    assert (row.channel, row.recipient, row.idempotency_key, row.priority) == (
        "webhook",
        "olivia",
        "inv-1:notify",
        "high",
    )
    # the same key is not sent again
    assert notifier.send(MESSAGE, idempotency_key="inv-1:notify") is False
    assert len(receiver.requests) == 1 and len(_recorded(site_engine)) == 1


def test_without_a_secret_there_is_no_signature(site_engine: Engine, receiver: Receiver) -> None:
    WebhookNotifier(site_engine, receiver.url, timeout_s=5).send(MESSAGE, idempotency_key="k")
    (headers, _body), = receiver.requests  # fmt: skip
    assert SIGNATURE_HEADER.lower() not in headers


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, True), (400, False)])
def test_a_refusal_raises_and_records_nothing(
    site_engine: Engine, receiver: Receiver, status: int, retryable: bool
) -> None:
    receiver.status = status
    notifier = WebhookNotifier(site_engine, receiver.url, timeout_s=5, secret=SECRET)
    with pytest.raises(NotificationError, match=f"answered {status}.*receiver says no") as caught:
        notifier.send(MESSAGE, idempotency_key="k1")
    assert (caught.value.status_code, caught.value.retryable) == (status, retryable)
    assert _recorded(site_engine) == []
    # the caller retries once the receiver recovers: the same key goes through then
    receiver.status = 202
    assert notifier.send(MESSAGE, idempotency_key="k1") is True
    assert len(receiver.requests) == 2 and len(_recorded(site_engine)) == 1


def test_an_unreachable_receiver_raises_and_records_nothing(site_engine: Engine) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = WebhookNotifier(site_engine, f"http://127.0.0.1:{port}/hook", timeout_s=2)
    with pytest.raises(NotificationError, match="unreachable") as caught:
        notifier.send(MESSAGE, idempotency_key="k")
    assert caught.value.retryable and caught.value.status_code is None
    assert _recorded(site_engine) == []
    with pytest.raises(NotificationError, match="http"):
        WebhookNotifier(site_engine, "ftp://example.org", timeout_s=1)

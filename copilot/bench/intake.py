"""Alert-intake benchmark: the real service in one process, a load generator in another, on loopback.

The service runs with uvicorn (uvloop, httptools, `workers` processes sharing the database) on a fresh
state folder. The load generator
posts alerts over keep-alive connections; every 202 means the alert was committed (group commit), so after
the run the database must hold exactly as many alerts as were acknowledged: `lost` counts the difference.
Alerts cover the demo assets and failure modes; most join an open investigation, a few open new ones,
which the investigation worker handles in the background while the load runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from copilot.access import create_key
from copilot.bench.common import machine
from copilot.config import Settings
from copilot.ingest import ingest
from copilot.models import Alert, Investigation
from copilot.repo import OPEN_STATUSES
from copilot.services import build_services
from copilot.training import ensure_site_models


class _ServerLog:
    """Reads the server's log in a thread (so its pipe never fills) and counts workers that started."""

    def __init__(self, server: subprocess.Popen[str]) -> None:
        self._server = server
        self._lines: list[str] = []
        self._started = 0
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._server.stderr is not None
        for line in self._server.stderr:
            with self._changed:
                self._lines = [*self._lines[-200:], line]
                self._started += "Application startup complete" in line
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_started(self, workers: int, *, timeout_s: float) -> None:
        """Return once every worker process finished its start-up (models loaded), or raise with the log."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._started < workers:
                remaining = deadline - time.monotonic()
                if self._server.poll() is not None or remaining <= 0:
                    tail = "".join(self._lines[-30:])
                    raise RuntimeError(
                        f"the service did not start ({self._started}/{workers} workers):\n{tail}"
                    )
                self._changed.wait(timeout=min(remaining, 1.0))


def _load(port: int, key: str, alerts: int, connections: int, bodies: str) -> dict[str, Any]:
    """Run the load generator in its own process against the service; its figures."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "copilot.bench.loadgen",
            "127.0.0.1",
            str(port),
            key,
            str(alerts),
            str(connections),
            bodies,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(completed.stdout)
    return figures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bodies(asset_ids: list[str], codes: dict[str, list[str]], n: int) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(hours=1)
    out = []
    for i in range(n):
        asset = asset_ids[i % len(asset_ids)]
        mode = codes[asset][(i // len(asset_ids)) % len(codes[asset])]
        out.append(
            json.dumps(
                {
                    "asset_id": asset,
                    "failure_mode": mode,
                    "severity": "medium",
                    "ts": (start + timedelta(milliseconds=i)).isoformat(),
                    "source": "loadgen",
                    "summary": f"{asset}: load-test alert {i}",
                }
            ).encode()
        )
    return out


def run_intake_bench(
    settings: Settings, *, alerts: int = 20_000, connections: int = 32, workers: int = 1
) -> dict[str, float | int | str]:
    services = build_services(settings)
    try:
        ensure_site_models(services.site, settings.models_dir)
        ingest(services, "demo")
        key = create_key(services.engine, user_id="ana", label="bench")
        asset_ids = [a.id for a in services.site.assets]
        codes = {
            a.id: [m.code for m in services.site.class_of(a.id).simulated_modes] for a in services.site.assets
        }
    finally:
        services.close()

    port = _free_port()
    env = {**os.environ, "COPILOT_HOME": str(settings.home_dir), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "copilot.api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "info",
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = _ServerLog(server)
    try:
        log.wait_started(workers, timeout_s=180)
        with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
            handle.write(b"\n".join(_bodies(asset_ids, codes, alerts + 500)))
            path = handle.name
        warmup = _load(port, key, 500, connections, path)
        result = _load(port, key, alerts, connections, path)
        Path(path).unlink(missing_ok=True)
    finally:
        server.terminate()
        server.wait(timeout=60)

    accepted = int(result["statuses"].get("202", 0)) + int(warmup["statuses"].get("202", 0))
    services = build_services(settings)
    try:
        with Session(services.engine) as session:
            stored = int(session.exec(select(func.count()).select_from(Alert)).one())
            opened = int(session.exec(select(func.count()).select_from(Investigation)).one())
            open_pairs = session.exec(
                select(Investigation.asset_id, Investigation.failure_mode, func.count())
                .where(col(Investigation.status).in_(OPEN_STATUSES))
                .group_by(col(Investigation.asset_id), col(Investigation.failure_mode))
            ).all()
    finally:
        services.close()
    return {
        "alerts_per_s": result["requests_per_s"],
        "requests_per_s": result["requests_per_s"],
        "latency_p50_ms": result["latency_p50_ms"],
        "latency_p99_ms": result["latency_p99_ms"],
        "latency_max_ms": result["latency_max_ms"],
        "sent": result["sent"],
        "non_202": result["sent"] - int(result["statuses"].get("202", 0)),
        "acknowledged_total": accepted,
        "stored_total": stored,
        "lost": accepted - stored,
        "investigations_opened": opened,
        "duplicate_open_investigations": sum(count - 1 for _asset, _mode, count in open_pairs),
        "connections": connections,
        "workers": workers,
        "server": f"uvicorn ({workers} worker process{'es' if workers > 1 else ''}, uvloop, httptools)",
        **{f"machine_{k}": v for k, v in machine().items()},
    }

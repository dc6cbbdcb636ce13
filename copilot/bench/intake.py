"""Alert-intake benchmark: the real service in one process, a load generator in another, on loopback.

The service runs with uvicorn (uvloop, httptools, one worker) on a fresh state folder. The load generator
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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, func, select

from copilot.access import create_key
from copilot.bench.common import machine
from copilot.config import Settings
from copilot.ingest import ingest
from copilot.models import Alert
from copilot.services import build_services
from copilot.training import ensure_site_models


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
    settings: Settings, *, alerts: int = 20_000, connections: int = 32
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
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the service did not start: {server.stderr.read().decode()[-2000:] if server.stderr else ''}"
                )
            time.sleep(0.2)
        with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
            handle.write(b"\n".join(_bodies(asset_ids, codes, alerts + 500)))
            path = handle.name
        warm = subprocess.run(
            [
                sys.executable,
                "-m",
                "copilot.bench.loadgen",
                "127.0.0.1",
                str(port),
                key,
                "500",
                str(connections),
                path,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        warmup = json.loads(warm.stdout)
        load = subprocess.run(
            [
                sys.executable,
                "-m",
                "copilot.bench.loadgen",
                "127.0.0.1",
                str(port),
                key,
                str(alerts),
                str(connections),
                path,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(load.stdout)
        Path(path).unlink(missing_ok=True)
    finally:
        server.terminate()
        server.wait(timeout=60)

    accepted = int(result["statuses"].get("202", 0)) + int(warmup["statuses"].get("202", 0))
    services = build_services(settings)
    try:
        with Session(services.engine) as session:
            stored = int(session.exec(select(func.count()).select_from(Alert)).one())
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
        "connections": connections,
        "server": "uvicorn (1 worker, uvloop, httptools)",
        **{f"machine_{k}": v for k, v in machine().items()},
    }

"""A small HTTP/1.1 load generator (raw asyncio sockets, keep-alive), run in its own process.

usage: python -m copilot.bench.loadgen HOST PORT API_KEY N CONNECTIONS BODIES.jsonl
Prints one JSON object: sent, status counts, wall seconds, per-request latencies' percentiles.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

import numpy as np


def _request(host: str, port: int, key: str, body: bytes) -> bytes:
    head = (
        f"POST /alerts HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"X-API-Key: {key}\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, requests: list[bytes], latencies: list[float], statuses: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    for payload in requests:
        started = time.perf_counter()
        writer.write(payload)
        await writer.drain()
        statuses[await _read_response(reader)] += 1
        latencies.append(time.perf_counter() - started)
    writer.close()
    await writer.wait_closed()


async def run(host: str, port: int, key: str, bodies: list[bytes], connections: int) -> dict[str, object]:
    payloads = [_request(host, port, key, b) for b in bodies]
    shares = [payloads[i::connections] for i in range(connections)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    started = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, share, latencies, statuses) for share in shares if share))
    wall = time.perf_counter() - started
    ms = np.asarray(latencies) * 1000
    return {
        "sent": len(payloads),
        "statuses": {str(k): v for k, v in statuses.items()},
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(payloads) / wall),
        "latency_p50_ms": round(float(np.percentile(ms, 50)), 3),
        "latency_p99_ms": round(float(np.percentile(ms, 99)), 3),
        "latency_max_ms": round(float(ms.max()), 3),
    }


def main() -> None:
    host, port, key, n, connections, path = sys.argv[1:7]
    with open(path, "rb") as handle:
        bodies = [line.rstrip(b"\n") for line in handle][: int(n)]
    result = asyncio.run(run(host, int(port), key, bodies, int(connections)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

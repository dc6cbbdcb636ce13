"""Prometheus metrics of the service: request counts and latency, alerts, decisions, chats, and gauges
read from the database and the workers at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import Session, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.models import ApprovalRequest, ApprovalStatus, Investigation

if TYPE_CHECKING:
    from fastapi import FastAPI


class Metrics:
    """One registry per app (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "copilot_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "copilot_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.alerts = Counter(
            "copilot_alerts_total", "Alerts received, by outcome", ["outcome"], registry=self.registry
        )
        self.decisions = Counter(
            "copilot_decisions_total", "Approval decisions", ["decision"], registry=self.registry
        )
        self.chats = Counter(
            "copilot_chat_total",
            "Chat turns, by mode and refusal",
            ["mode", "refused"],
            registry=self.registry,
        )

    def bind(self, app: FastAPI) -> None:
        """Add the gauges read at scrape time from the app's services and workers."""
        self.registry.register(_StateCollector(app))


class _StateCollector(Collector):
    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self._app.state
        services = getattr(state, "services", None)
        if services is None:
            return
        investigations = GaugeMetricFamily(
            "copilot_investigations", "Investigations by status", labels=["status"]
        )
        with Session(services.engine) as session:
            for status, count in session.exec(
                select(Investigation.status, func.count()).group_by(Investigation.status)
            ).all():
                investigations.add_metric([str(status)], float(count))
            pending = session.exec(
                select(func.count())
                .select_from(ApprovalRequest)
                .where(ApprovalRequest.status == ApprovalStatus.pending)
            ).one()
        yield investigations
        yield GaugeMetricFamily(
            "copilot_pending_approvals", "Approvals waiting for an operator", value=float(pending)
        )
        yield GaugeMetricFamily(
            "copilot_investigation_backlog",
            "Investigations queued for the worker",
            value=float(state.worker.backlog),
        )
        yield GaugeMetricFamily(
            "copilot_intake_batches", "Alert batches committed", value=float(state.intake.batches)
        )
        retriever = services.__dict__.get("retriever")
        if retriever is not None:
            cache = GaugeMetricFamily("copilot_retrieval_cache", "Retrieval cache lookups", labels=["result"])
            cache.add_metric(["hit"], float(retriever.cache_hits))
            cache.add_metric(["miss"], float(retriever.cache_misses))
            yield cache


class RequestMetrics:
    """Pure ASGI middleware: counts requests by route template and status, and times them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], path, str(status)).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)

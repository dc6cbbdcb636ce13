"""The LangChain read tools: typed arguments, JSON results, and errors the model can read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from sqlmodel import Session, func, select

from copilot.models import Booking
from copilot.services import Services
from predictors.simulator import FaultInjection, simulate
from tools.history import WorkOrderHistory
from tools.langchain_tools import READ_TOOL_NAMES, WRITE_TOOL_NAMES, ToolContext, read_tools
from tools.telemetry import SqlTelemetryStore
from tools.workorders import WorkOrderDraft

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, day shift
START = NOW - timedelta(hours=1)
UNKNOWN = "NOPE-42"


@pytest.fixture
def tools(services: Services) -> dict[str, BaseTool]:
    telemetry = SqlTelemetryStore(services.engine)
    spec = services.site.class_of("P-101")
    run = simulate(
        spec, asset_id="P-101", start=START, seconds=3600, fault=FaultInjection("PMP-BRG", 1800, 600), seed=5
    )
    telemetry.write("P-101", run.sensors, run.timestamps, run.values)
    services.cmms.create(
        WorkOrderDraft(
            asset_id="P-101",
            title="Replace bearings",
            description="Drive-end bearing worn.",
            priority=2,
            failure_code="PMP-BRG",
            craft="mechanical",
            estimated_hours=6,
        ),
        idempotency_key="t-1",
        requester="copilot",
        approver="olivia",
        investigation_id=None,
    )
    ctx = ToolContext(
        registry=services.registry,
        telemetry=telemetry,
        history=WorkOrderHistory(services.engine, services.cmms, site=services.site),
        retriever=services.retriever,
        site=services.site,
        cmms=services.cmms,
        scheduler=services.scheduler,
        clock=lambda: NOW,
    )
    return {tool.name: tool for tool in read_tools(ctx)}


def _call(tool: BaseTool, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def test_only_read_tools_are_exposed(tools: dict[str, BaseTool]) -> None:
    assert tuple(tools) == READ_TOOL_NAMES
    assert not set(tools) & set(WRITE_TOOL_NAMES)
    for tool in tools.values():
        assert tool.description and tool.args_schema is not None
        assert tool.tool_call_schema.model_json_schema()["properties"]  # type: ignore[union-attr]


def test_each_tool_answers_valid_arguments_with_json(tools: dict[str, BaseTool], services: Services) -> None:
    asset = tools["get_asset"].invoke({"asset_id": "P-101"})
    assert asset["id"] == "P-101" and "bearing_vibration" in [s["name"] for s in asset["sensors"]]
    assert "PMP-BRG" in [m["code"] for m in asset["failure_modes"]]
    speed = next(limit for limit in asset["rated_limits"] if limit["quantity"] == "speed")
    assert speed == {
        "quantity": "speed",
        "unit": "rpm",
        "max": 2960.0,
        "basis": speed["basis"],
        "trip": False,
    }

    chillers = tools["list_assets"].invoke({"asset_class": "chiller"})
    assert [a["id"] for a in chillers] == ["CH-401", "CH-402", "CH-403"]
    assert len(tools["list_assets"].invoke({})) == len(services.site.assets)

    history = tools["sensor_history"].invoke(
        {"asset_id": "P-101", "sensor": "bearing_vibration", "max_points": 30}
    )
    (series,) = history["series"]
    assert series["downsampled"] and series["raw_count"] == 3600 and len(series["points"]) <= 30
    recent = tools["sensor_history"].invoke(
        {"asset_id": "P-101", "hours": 0.01}
    )  # 36 s before the last reading
    assert all(not s["downsampled"] and 36 <= len(s["points"]) <= 37 for s in recent["series"])

    stats = tools["sensor_statistics"].invoke(
        {"asset_id": "P-101", "hours": 0.25}
    )  # the faulty last 15 minutes
    by_sensor = {s["sensor"]: s for s in stats["sensors"]}
    assert by_sensor["bearing_vibration"]["deviation_sd"] > 20
    assert abs(by_sensor["seal_leak_rate"]["deviation_sd"]) < 2
    naive = tools["sensor_statistics"].invoke({"asset_id": "P-101", "start": "2026-03-02T06:00:00"})
    assert naive["start"] == "2026-03-02T06:00:00Z" and naive["sensors"][0]["count"] == 3600

    passages = tools["search_knowledge"].invoke(
        {
            "query": "bearing replacement lockout steps",
            "k": 3,
            "asset_class": "centrifugal_pump",
            "doc_type": "manual",
        }
    )
    assert 1 <= len(passages) <= 3
    for passage in passages:
        assert passage["ref"] == f"{passage['doc_id']}#{passage['chunk']}"
        assert passage["section"] and passage["text"] and passage["doc_type"] == "manual"

    orders = tools["work_order_history"].invoke({"asset_id": "P-101", "failure_code": "PMP-BRG"})
    assert [r["title"] for r in orders["records"]] == ["Replace bearings"]
    assert orders["summary"]["corrective"] == 1 and orders["summary"]["failure_codes"][0]["code"] == "PMP-BRG"

    bookings_before = _bookings(services)
    proposal = tools["technician_availability"].invoke({"craft": "hvac_refrigeration", "hours": 3})
    assert proposal["technician_id"] == "T-02" and proposal["booked"] is False
    assert proposal["start"] == "2026-03-02T07:00:00Z"
    assert _bookings(services) == bookings_before

    for result in (asset, chillers, history, stats, passages, orders, proposal):
        json.dumps(result)


def _bookings(services: Services) -> int:
    with Session(services.engine) as session:
        return session.exec(select(func.count()).select_from(Booking)).one()


@pytest.mark.parametrize("name", ["get_asset", "sensor_history", "sensor_statistics", "work_order_history"])
def test_an_unknown_asset_comes_back_as_an_error_naming_it(tools: dict[str, BaseTool], name: str) -> None:
    message = _call(tools[name], {"asset_id": UNKNOWN})
    assert message.status == "error"
    assert UNKNOWN in str(message.content) and "list_assets" in str(message.content)


def test_bad_arguments_come_back_as_readable_errors(tools: dict[str, BaseTool]) -> None:
    sensor = _call(tools["sensor_history"], {"asset_id": "P-101", "sensor": "rpm"})
    assert (
        sensor.status == "error"
        and "'rpm'" in str(sensor.content)
        and "bearing_vibration" in str(sensor.content)
    )

    too_many = _call(tools["sensor_history"], {"asset_id": "P-101", "max_points": 10_000})
    assert too_many.status == "error" and "max_points" in str(too_many.content)

    missing = _call(tools["search_knowledge"], {"k": 3})
    assert missing.status == "error" and "query" in str(missing.content)

    skill = _call(tools["technician_availability"], {"craft": "welding", "hours": 2})
    assert (
        skill.status == "error" and "'welding'" in str(skill.content) and "mechanical" in str(skill.content)
    )

    assert tools["list_assets"].invoke({"asset_class": "turbine"}) == []

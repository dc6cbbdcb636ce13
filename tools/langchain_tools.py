"""LangChain read tools a model may call: assets, telemetry, knowledge, work-order history, availability.

Every tool validates its arguments with a pydantic schema and answers with JSON-serialisable data. A
copilot error (unknown asset, unknown sensor, no technician with a skill) comes back to the model as the
tool's error text, never as a crash. Write tools (work orders, bookings, notifications) are not here:
they run only through the approval path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import AfterValidator, BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from copilot.errors import CopilotError, UnknownAssetError
from copilot.models import utcnow
from copilot.schemas import AssetClassSpec, SiteSpec
from knowledge.retrieval import Retriever
from tools.assets import AssetRegistry
from tools.history import WorkOrderHistory
from tools.scheduling import Scheduler
from tools.telemetry import TelemetryStore
from tools.workorders import Cmms

WRITE_TOOL_NAMES = ("create_work_order", "book_technician", "notify")
"""Tools with side effects: never given to a model directly, only run after approval."""

READ_TOOL_NAMES = (
    "get_asset",
    "list_assets",
    "sensor_history",
    "sensor_statistics",
    "search_knowledge",
    "work_order_history",
    "technician_availability",
)


@dataclass
class ToolContext:
    """What the read tools need; built once by the service container."""

    registry: AssetRegistry
    telemetry: TelemetryStore
    history: WorkOrderHistory
    retriever: Retriever
    site: SiteSpec
    cmms: Cmms
    scheduler: Scheduler
    clock: Callable[[], datetime] = field(default=utcnow)
    """Now, in UTC (tests pin it)."""

    def asset_class(self, asset_id: str) -> AssetClassSpec | None:
        """The site definition's class of an asset, or None for assets outside it (imported sites)."""
        try:
            return self.site.class_of(asset_id)
        except KeyError:
            return None


def _as_utc(value: datetime) -> datetime:
    """Read a naive datetime as UTC; convert an aware one to UTC."""
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
AssetId = Annotated[
    str, Field(min_length=1, max_length=64, description="Asset id, e.g. P-101, CH-401 or CWC04013.")
]


# --- argument schemas -------------------------------------------------------------------------------


class AssetArgs(BaseModel):
    asset_id: AssetId


class ListAssetsArgs(BaseModel):
    asset_class: str | None = Field(
        default=None, description="Only this class, e.g. centrifugal_pump, air_compressor, chiller."
    )


class WindowArgs(BaseModel):
    asset_id: AssetId
    start: UtcDatetime | None = Field(default=None, description="ISO 8601 start (UTC if no offset).")
    end: UtcDatetime | None = Field(
        default=None, description="ISO 8601 end (UTC if no offset); default the latest reading."
    )
    hours: float | None = Field(
        default=None,
        gt=0,
        le=24 * 90,
        description="Window length in hours ending at `end` (or at the latest reading), used when start is empty.",
    )


class SensorHistoryArgs(WindowArgs):
    sensor: str | None = Field(
        default=None, description="One sensor id; empty for every sensor of the asset."
    )
    max_points: int = Field(
        default=60,
        ge=2,
        le=500,
        description="At most this many points per sensor (longer ranges are averaged).",
    )


class SensorStatisticsArgs(WindowArgs):
    hours: float | None = Field(
        default=1.0,
        gt=0,
        le=24 * 90,
        description="Window length in hours ending at `end` (or at the latest reading), used when start is empty.",
    )


class SearchKnowledgeArgs(BaseModel):
    query: str = Field(min_length=2, max_length=500, description="What to look for, in words or codes.")
    k: int = Field(default=5, ge=1, le=10, description="How many passages.")
    asset_class: str | None = Field(default=None, description="Only passages about this asset class.")
    doc_type: str | None = Field(
        default=None,
        description="Only this document type: manual, incident, fmea, failure_code, alert_rule, work_order.",
    )


class WorkOrderHistoryArgs(BaseModel):
    asset_id: AssetId
    limit: int = Field(default=10, ge=1, le=50, description="How many records, newest first.")
    failure_code: str | None = Field(
        default=None,
        max_length=32,
        description="Only this failure code (a primary code matches its subcodes).",
    )


class TechnicianAvailabilityArgs(BaseModel):
    craft: str = Field(min_length=1, max_length=64, description="Skill needed, e.g. mechanical, electrical.")
    hours: float = Field(gt=0, le=200, description="Estimated job length in hours.")
    not_before: UtcDatetime | None = Field(default=None, description="Earliest start; default now.")


# --- error translation -------------------------------------------------------------------------------


def _validation_message(error: PydanticValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()]
    return "invalid arguments: " + "; ".join(parts)


def _translated(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the copilot's own errors into ToolException, whose text the model reads."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return func(**kwargs)
        except UnknownAssetError as exc:
            raise ToolException(
                f"unknown asset {exc.asset_id!r}: call list_assets for the valid asset ids"
            ) from exc
        except CopilotError as exc:
            raise ToolException(str(exc)) from exc

    return wrapper


def _tool(func: Callable[..., Any], *, name: str, description: str, schema: type[BaseModel]) -> BaseTool:
    return StructuredTool.from_function(
        func=_translated(func),
        name=name,
        description=description,
        args_schema=schema,
        handle_tool_error=True,
        handle_validation_error=_validation_message,
    )


# --- the tools ---------------------------------------------------------------------------------------


def read_tools(ctx: ToolContext) -> list[BaseTool]:
    """The read-only tools a model may call; none of them writes anything."""

    def window(
        asset_id: str, start: datetime | None, end: datetime | None, hours: float | None
    ) -> tuple[datetime | None, datetime | None]:
        if start is None and hours is not None:
            anchor = end
            if anchor is None:
                span = ctx.telemetry.span(asset_id)
                anchor = span[1] if span is not None else ctx.clock()
            start = anchor - timedelta(hours=hours)
        return start, end

    def get_asset(asset_id: str) -> dict[str, Any]:
        asset = ctx.registry.get(asset_id)
        spec = ctx.asset_class(asset_id)
        return {
            **asset.model_dump(mode="json"),
            "failure_modes": [
                {"code": m.code, "name": m.name, "repair": m.repair, "craft": m.craft}
                for m in (spec.failure_modes if spec is not None else [])
            ],
            # never to be run or set beyond (the guards refuse a request that would be)
            "rated_limits": [
                limit.model_dump(mode="json", exclude={"words"}, exclude_none=True)
                for limit in (spec.rated_limits if spec is not None else [])
            ],
        }

    def list_assets(asset_class: str | None = None) -> list[dict[str, Any]]:
        return [
            {
                "id": a.id,
                "asset_class": a.asset_class,
                "name": a.name,
                "location": a.location,
                "criticality": a.criticality,
                "sensors": [s.name for s in a.sensors],
            }
            for a in ctx.registry.list(asset_class)
        ]

    def sensor_history(
        asset_id: str,
        sensor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        hours: float | None = None,
        max_points: int = 60,
    ) -> dict[str, Any]:
        start, end = window(asset_id, start, end, hours)
        series = ctx.telemetry.history(asset_id, sensor=sensor, start=start, end=end, limit=max_points)
        return {
            "asset_id": asset_id,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "series": [s.model_dump(mode="json") for s in series],
        }

    def sensor_statistics(
        asset_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        hours: float | None = 1.0,
    ) -> dict[str, Any]:
        start, end = window(asset_id, start, end, hours)
        stats = ctx.telemetry.statistics(asset_id, start=start, end=end, spec=ctx.asset_class(asset_id))
        return stats.model_dump(mode="json")

    def search_knowledge(
        query: str, k: int = 5, asset_class: str | None = None, doc_type: str | None = None
    ) -> list[dict[str, Any]]:
        passages = ctx.retriever.search(query, k=k, asset_class=asset_class, doc_type=doc_type)
        return [
            {
                "ref": p.citation.ref,
                "doc_id": p.citation.doc_id,
                "chunk": p.citation.chunk,
                "section": p.citation.section,
                "title": p.citation.title,
                "source": p.citation.source,
                "doc_type": p.metadata.get("doc_type"),
                "score": p.score,
                "text": p.text,
            }
            for p in passages
        ]

    def work_order_history(asset_id: str, limit: int = 10, failure_code: str | None = None) -> dict[str, Any]:
        records = ctx.history.for_asset(asset_id, limit=limit, failure_code=failure_code)
        summary = ctx.history.summary(asset_id).model_dump(mode="json")
        summary["failure_codes"] = summary["failure_codes"][:10]
        return {
            "asset_id": asset_id,
            "summary": summary,
            "records": [r.model_dump(mode="json") for r in records],
        }

    def technician_availability(
        craft: str, hours: float, not_before: datetime | None = None
    ) -> dict[str, Any]:
        skills = sorted({skill for t in ctx.site.technicians for skill in t.skills})
        if craft not in skills:
            raise ToolException(f"no technician has the skill {craft!r}; known skills: {', '.join(skills)}")
        proposal = ctx.scheduler.propose(craft=craft, hours=hours, not_before=not_before or ctx.clock())
        return {
            **proposal.model_dump(mode="json"),
            "booked": False,
            "note": "a proposal only: booking a technician needs an approved work order",
        }

    return [
        _tool(
            get_asset,
            name="get_asset",
            description="Look up one asset: class, name, location, criticality, sensors with normal values and "
            "valid ranges, the failure modes of its class and its rated limits (never to be exceeded).",
            schema=AssetArgs,
        ),
        _tool(
            list_assets,
            name="list_assets",
            description="List the site's assets (id, class, name, location, criticality, sensor ids), "
            "optionally of one asset class.",
            schema=ListAssetsArgs,
        ),
        _tool(
            sensor_history,
            name="sensor_history",
            description="Readings of an asset's sensors over a time range, oldest first; long ranges come back "
            "as bucket means (n = readings averaged). Give start/end, or hours for a window ending at the "
            "latest reading; leave both empty for everything stored.",
            schema=SensorHistoryArgs,
        ),
        _tool(
            sensor_statistics,
            name="sensor_statistics",
            description="Per sensor over a window (default the last hour of readings): count, mean, std, min, "
            "max, last, normal mean and SD, deviation from normal in SDs (signed) and trend per hour.",
            schema=SensorStatisticsArgs,
        ),
        _tool(
            search_knowledge,
            name="search_knowledge",
            description="Search manuals, past incidents, FMEA, failure codes and work-order notes. Each passage "
            "has a citation ref (doc_id#chunk) and its section: cite the ref for every fact you use.",
            schema=SearchKnowledgeArgs,
        ),
        _tool(
            work_order_history,
            name="work_order_history",
            description="An asset's work orders, newest first (the copilot's own and imported history), with a "
            "summary: counts by type and failure code, last corrective date, mean days between corrective work.",
            schema=WorkOrderHistoryArgs,
        ),
        _tool(
            technician_availability,
            name="technician_availability",
            description="Propose the qualified technician who can start a job first (shift and load decide); "
            "books nothing.",
            schema=TechnicianAvailabilityArgs,
        ),
    ]

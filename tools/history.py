"""Work-order history of an asset: the copilot's own work orders and imported historical ones, together."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select

from copilot.errors import UnknownAssetError, ValidationError
from copilot.models import Asset, HistoricalWorkOrder, WorkOrderStatus, WorkType
from copilot.schemas import SiteSpec
from tools.workorders import Cmms, WorkOrderRecord

OWN_SOURCE = "copilot"
MAX_LIMIT = 500
_DONE = (WorkOrderStatus.completed, WorkOrderStatus.closed)


class HistoryRecord(BaseModel):
    """One work order of an asset, from the copilot's CMMS or from an imported history."""

    source: str = Field(description='"copilot" for the built-in CMMS, else the import source.')
    record_id: str
    asset_id: str
    title: str
    details: str = ""
    component: str = ""
    failure_code: str | None
    failure_description: str = ""
    primary_code: str | None = None
    work_type: WorkType
    priority: int | None = Field(
        description="The source's own scale: copilot 1 emergency .. 4 planned; AssetOpsBench 1, 2, 5 (PM)."
    )
    status: str
    ts: datetime = Field(
        description="When the work finished (imported or completed), else when it was raised."
    )
    duration_h: float | None = None
    labor_h: float | None = None


class FailureCodeCount(BaseModel):
    code: str
    description: str
    count: int


class HistorySummary(BaseModel):
    """Counts and intervals over an asset's work orders (cancelled ones left out)."""

    asset_id: str
    total: int
    preventive: int
    corrective: int
    open: int = Field(description="Copilot work orders not yet completed or closed.")
    failure_codes: list[FailureCodeCount] = Field(description="Most frequent first.")
    first: datetime | None
    last: datetime | None
    last_corrective: datetime | None
    mean_days_between_corrective: float | None = Field(
        description="Mean interval between successive corrective work orders, in days (needs two)."
    )


def _own_record(row: WorkOrderRecord, site: SiteSpec | None) -> HistoryRecord:
    description = ""
    if site is not None and row.failure_code:
        try:
            description = site.failure_mode(row.failure_code).name
        except KeyError:
            description = ""
    return HistoryRecord(
        source=OWN_SOURCE,
        record_id=row.number or str(row.id),
        asset_id=row.asset_id,
        title=row.title,
        details=row.description,
        failure_code=row.failure_code,
        failure_description=description,
        work_type=WorkType.corrective,
        priority=row.priority,
        status=str(row.status),
        ts=row.updated_at if row.status in _DONE else row.created_at,
    )


def _imported_record(row: HistoricalWorkOrder) -> HistoryRecord:
    return HistoryRecord(
        source=row.source,
        record_id=row.record_id,
        asset_id=row.asset_id,
        title=row.description,
        component=row.component,
        failure_code=row.failure_code,
        failure_description=row.failure_description,
        primary_code=row.primary_code,
        work_type=row.work_type,
        priority=row.priority,
        status=WorkOrderStatus.completed.value,
        ts=row.finished_at,
        duration_h=row.duration_h,
        labor_h=row.labor_h,
    )


class WorkOrderHistory:
    """Read-only history over the CMMS and the imported work orders."""

    def __init__(self, engine: Engine, cmms: Cmms, *, site: SiteSpec | None = None) -> None:
        self._engine = engine
        self._cmms = cmms
        self._site = site

    def _check_asset(self, session: Session, asset_id: str) -> None:
        if session.get(Asset, asset_id) is None:
            raise UnknownAssetError(asset_id)

    def _own(self, asset_id: str, failure_code: str | None) -> list[HistoryRecord]:
        rows = [r for r in self._cmms.list(asset_id=asset_id) if r.status != WorkOrderStatus.cancelled]
        if failure_code:
            rows = [r for r in rows if (r.failure_code or "").upper() == failure_code.upper()]
        return [_own_record(r, self._site) for r in rows]

    def for_asset(
        self, asset_id: str, *, limit: int = 20, failure_code: str | None = None
    ) -> list[HistoryRecord]:
        """The asset's work orders from every source, newest first.

        `failure_code` matches the specific code or, for imported rows, the primary code (e.g. MT010
        matches MT010b), case-insensitively.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        with Session(self._engine) as session:
            self._check_asset(session, asset_id)
            query = (
                select(HistoricalWorkOrder)
                .where(HistoricalWorkOrder.asset_id == asset_id)
                .order_by(col(HistoricalWorkOrder.finished_at).desc(), col(HistoricalWorkOrder.id).desc())
                .limit(limit)
            )
            if failure_code:
                code = failure_code.upper()
                query = query.where(
                    or_(
                        func.upper(col(HistoricalWorkOrder.failure_code)) == code,
                        func.upper(col(HistoricalWorkOrder.primary_code)) == code,
                    )
                )
            imported = [_imported_record(row) for row in session.exec(query)]
        records = self._own(asset_id, failure_code) + imported
        records.sort(key=lambda r: r.ts, reverse=True)
        return records[:limit]

    def summary(self, asset_id: str) -> HistorySummary:
        """Counts by type and failure code, the last corrective date and the mean interval between them."""
        with Session(self._engine) as session:
            self._check_asset(session, asset_id)
            imported = [
                _imported_record(row)
                for row in session.exec(
                    select(HistoricalWorkOrder).where(HistoricalWorkOrder.asset_id == asset_id)
                )
            ]
        records = self._own(asset_id, None) + imported
        codes: Counter[str] = Counter()
        descriptions: dict[str, str] = {}
        for record in records:
            if record.failure_code:
                codes[record.failure_code] += 1
                descriptions.setdefault(record.failure_code, record.failure_description)
        corrective = sorted(r.ts for r in records if r.work_type == WorkType.corrective)
        gaps = [(b - a).total_seconds() / 86400 for a, b in zip(corrective, corrective[1:], strict=False)]
        stamps = [r.ts for r in records]
        return HistorySummary(
            asset_id=asset_id,
            total=len(records),
            preventive=sum(r.work_type == WorkType.preventive for r in records),
            corrective=len(corrective),
            open=sum(r.source == OWN_SOURCE and r.status not in _DONE for r in records),
            failure_codes=[
                FailureCodeCount(code=code, description=descriptions.get(code, ""), count=n)
                for code, n in sorted(codes.items(), key=lambda item: (-item[1], item[0]))
            ],
            first=min(stamps, default=None),
            last=max(stamps, default=None),
            last_corrective=corrective[-1] if corrective else None,
            mean_days_between_corrective=round(sum(gaps) / len(gaps), 2) if gaps else None,
        )

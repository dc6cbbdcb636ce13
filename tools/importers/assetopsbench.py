"""Import the AssetOpsBench chiller site: its 11 chillers as assets and 4,249 work orders as history.

The site becomes its own `Site` ("MAIN") beside the demo plant. Re-importing updates changed rows and
never duplicates: a work order is keyed by (source, record id).
"""

from __future__ import annotations

import csv
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col, select

from copilot.errors import NotFoundError, ValidationError
from copilot.models import Asset, HistoricalWorkOrder, Site, WorkType, utcnow

log = logging.getLogger(__name__)

SOURCE = "assetopsbench"
SITE_ID = "MAIN"
SITE_NAME = "AssetOpsBench chiller site"
ASSET_CLASS = "chiller"
CRITICALITY = "B"
FOLDER = "assetopsbench"
WORK_ORDERS_FILE = "wo_workorders_4249.csv"
COLUMNS = (
    "wo_id",
    "wo_description",
    "collection",
    "primary_code",
    "primary_code_description",
    "secondary_code",
    "secondary_code_description",
    "equipment_id",
    "equipment_name",
    "preventive",
    "work_priority",
    "actual_finish",
    "duration",
    "actual_labor_hours",
)
# The columns compared to decide whether a re-imported row changed.
_FIELDS = (
    "asset_id",
    "equipment_name",
    "description",
    "component",
    "failure_code",
    "failure_description",
    "primary_code",
    "primary_description",
    "work_type",
    "priority",
    "finished_at",
    "duration_h",
    "labor_h",
)


class ImportReport(BaseModel):
    source: str
    site_id: str
    file: str
    assets: int = Field(description="Distinct equipment in the file.")
    assets_created: int
    records: int = Field(description="Work orders read from the file.")
    inserted: int
    updated: int
    unchanged: int
    skipped: list[str] = Field(default_factory=list, description="Rows not imported, with the reason.")
    first_finished: datetime | None = None
    last_finished: datetime | None = None


def folder_in(data_dir: Path | None) -> Path:
    """The AssetOpsBench folder inside the public data directory (COPILOT_DATA_DIR)."""
    if data_dir is None:
        raise NotFoundError("no public data directory: set COPILOT_DATA_DIR (default ../shared/data)")
    return data_dir / FOLDER


def parse_finish(raw: str) -> datetime:
    """'4/6/16 14:00' (month/day/two-digit year, 24 h) -> an aware datetime; the site's times are UTC."""
    return datetime.strptime(raw.strip(), "%m/%d/%y %H:%M").replace(tzinfo=UTC)


def parse_hours(raw: str) -> float | None:
    """'3:00' / '1:15' (H:MM) or '40:00:00' (H:MM:SS) -> hours; empty -> None."""
    text = raw.strip()
    if not text:
        return None
    parts = [int(p) for p in text.split(":")]
    if len(parts) == 1:
        return float(parts[0])
    if len(parts) not in (2, 3) or any(p < 0 for p in parts) or any(p >= 60 for p in parts[1:]):
        raise ValueError(f"not a duration: {raw!r}")
    hours, minutes, seconds = (parts + [0])[:3]
    return round(hours + minutes / 60 + seconds / 3600, 4)


def _row(raw: dict[str, str]) -> dict[str, Any]:
    preventive = raw["preventive"].strip().upper()
    if preventive not in ("TRUE", "FALSE"):
        raise ValueError(f"preventive must be TRUE or FALSE, got {raw['preventive']!r}")
    priority = raw["work_priority"].strip()
    return {
        "source": SOURCE,
        "record_id": raw["wo_id"].strip(),
        "asset_id": raw["equipment_id"].strip(),
        "equipment_name": raw["equipment_name"].strip(),
        "description": " ".join(raw["wo_description"].split()),
        "component": raw["collection"].strip(),
        "failure_code": raw["secondary_code"].strip() or None,
        "failure_description": raw["secondary_code_description"].strip(),
        "primary_code": raw["primary_code"].strip() or None,
        "primary_description": raw["primary_code_description"].strip(),
        "work_type": WorkType.preventive if preventive == "TRUE" else WorkType.corrective,
        "priority": int(priority) if priority else None,
        "finished_at": parse_finish(raw["actual_finish"]),
        "duration_h": parse_hours(raw["duration"]),
        "labor_h": parse_hours(raw["actual_labor_hours"]),
    }


def _read(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    rows: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path.name} lacks the columns {', '.join(missing)}")
        for line, raw in enumerate(reader, start=2):
            try:
                row = _row(raw)
            except (ValueError, KeyError) as exc:
                skipped.append(f"line {line}: {exc}")
                continue
            if not row["record_id"] or not row["asset_id"]:
                skipped.append(f"line {line}: no work order id or equipment id")
                continue
            if row["record_id"] in rows:
                skipped.append(f"line {line}: duplicate work order {row['record_id']}")
                continue
            rows[row["record_id"]] = row
    return list(rows.values()), skipped


def _asset_name(equipment_name: str, asset_id: str) -> str:
    return equipment_name or asset_id


def import_assetopsbench(engine: Engine, folder: Path) -> ImportReport:
    """Import (or refresh) the site, its chillers and its work orders from an AssetOpsBench folder."""
    path = folder / WORK_ORDERS_FILE
    if not path.is_file():
        raise NotFoundError(f"{path} not found: point COPILOT_DATA_DIR at the public datasets")
    rows, skipped = _read(path)
    equipment = {row["asset_id"]: row["equipment_name"] for row in rows}
    with Session(engine) as session:
        session.merge(Site(id=SITE_ID, name=SITE_NAME, timezone="UTC"))
        existing_assets = {a.id: a for a in session.exec(select(Asset).where(col(Asset.id).in_(equipment)))}
        created = 0
        for asset_id, name in sorted(equipment.items()):
            asset = existing_assets.get(asset_id)
            if asset is not None and asset.site_id != SITE_ID:
                raise ValidationError(
                    f"asset {asset_id!r} already belongs to site {asset.site_id!r}; not importing over it"
                )
            created += asset is None
            session.merge(
                Asset(
                    id=asset_id,
                    site_id=SITE_ID,
                    asset_class=ASSET_CLASS,
                    name=_asset_name(name, asset_id),
                    location=SITE_NAME,
                    criticality=CRITICALITY,
                )
            )
        session.flush()
        stored = {
            r.record_id: r
            for r in session.exec(select(HistoricalWorkOrder).where(HistoricalWorkOrder.source == SOURCE))
        }
        now = utcnow()
        new_rows: list[dict[str, Any]] = []
        changed_rows: list[dict[str, Any]] = []
        for row in rows:
            old = stored.get(row["record_id"])
            if old is None:
                new_rows.append({**row, "imported_at": now})
            elif any(getattr(old, name) != row[name] for name in _FIELDS):
                changed_rows.append({"id": old.id, **row, "imported_at": now})
        if new_rows:
            session.execute(insert(HistoricalWorkOrder), new_rows)
        if changed_rows:
            session.execute(update(HistoricalWorkOrder), changed_rows)
        session.commit()
    finished = [row["finished_at"] for row in rows]
    report = ImportReport(
        source=SOURCE,
        site_id=SITE_ID,
        file=str(path),
        assets=len(equipment),
        assets_created=created,
        records=len(rows),
        inserted=len(new_rows),
        updated=len(changed_rows),
        unchanged=len(rows) - len(new_rows) - len(changed_rows),
        skipped=skipped,
        first_finished=min(finished, default=None),
        last_finished=max(finished, default=None),
    )
    log.info(
        "assetopsbench: %d assets (%d new), %d work orders (%d new, %d updated, %d skipped)",
        report.assets,
        report.assets_created,
        report.records,
        report.inserted,
        report.updated,
        len(skipped),
    )
    return report

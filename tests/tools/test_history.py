"""Work-order history over the copilot's own work orders and the imported AssetOpsBench history."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from copilot.errors import UnknownAssetError, ValidationError
from copilot.models import Asset, HistoricalWorkOrder, Site, WorkOrderStatus
from copilot.schemas import SiteSpec
from tools.history import WorkOrderHistory
from tools.importers.assetopsbench import (
    COLUMNS,
    WORK_ORDERS_FILE,
    folder_in,
    import_assetopsbench,
    parse_finish,
    parse_hours,
)
from tools.workorders import SqlCmms, WorkOrderDraft

# wo_id, description, collection, primary, secondary, equipment, preventive, priority, finish, duration, labour
ROWS = [
    (
        "WO1",
        "Scheduled Maintenance",
        "entire chiller system",
        "MT001",
        "MT001a",
        "CWC04013",
        "TRUE",
        "5",
        "4/6/16 14:00",
        "3:00",
        "1:00",
    ),
    (
        "WO2",
        "Refrigerant leak repaired",
        "refrigerant circuit",
        "L001",
        "L001a",
        "CWC04013",
        "FALSE",
        "1",
        "1/10/17 9:30",
        "2:30",
        "3:30",
    ),
    (
        "WO3",
        "Refrigerant leak again",
        "refrigerant circuit",
        "L001",
        "L001b",
        "CWC04013",
        "FALSE",
        "2",
        "1/30/17 9:30",
        "40:00:00",
        "37:30:00",
    ),
    (
        "WO4",
        "Oil analysis",
        "compressor",
        "MT010",
        "MT010b",
        "CWC04013",
        "TRUE",
        "5",
        "3/1/17 8:00",
        "1:15",
        "0:00",
    ),
    (
        "WO5",
        "Condenser cleaning",
        "condenser",
        "M013",
        "M013a",
        "CWC04013",
        "FALSE",
        "1",
        "3/11/17 8:00",
        "6:00",
        "8:00",
    ),
    (
        "WO6",
        "Scheduled Maintenance",
        "entire chiller system",
        "MT001",
        "MT001a",
        "CWC04007",
        "TRUE",
        "5",
        "5/21/21 14:00",
        "3:00",
        "1:00",
    ),
    (
        "WO7",
        "Bad date",
        "compressor",
        "MT010",
        "MT010b",
        "CWC04007",
        "TRUE",
        "5",
        "yesterday",
        "3:00",
        "1:00",
    ),
]
NAMES = {"CWC04013": "Chiller 13", "CWC04007": "Chiller 7"}


def _write_csv(folder: Path, rows: list[tuple[str, ...]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WORK_ORDERS_FILE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for (
            wo,
            text,
            collection,
            primary,
            secondary,
            equipment,
            preventive,
            priority,
            finish,
            dur,
            labour,
        ) in rows:
            writer.writerow(
                [wo, text, collection, primary, f"{primary} text", secondary, f"{secondary} text", equipment,
                 NAMES.get(equipment, equipment), preventive, priority, finish, dur, labour]
            )  # fmt: skip
    return path


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(HistoricalWorkOrder)).one()


def test_parsers_read_the_csv_formats() -> None:
    assert parse_finish("4/6/16 14:00") == datetime(2016, 4, 6, 14, 0, tzinfo=UTC)
    assert parse_finish("10/12/23 9:05") == datetime(2023, 10, 12, 9, 5, tzinfo=UTC)
    assert parse_hours("3:00") == 3.0 and parse_hours("1:15") == 1.25 and parse_hours("0:00") == 0.0
    assert parse_hours("40:00:00") == 40.0 and parse_hours("37:30:00") == 37.5 and parse_hours("") is None
    with pytest.raises(ValueError):
        parse_hours("1:75")


def test_import_creates_the_site_and_is_idempotent(site_engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "assetopsbench"
    _write_csv(folder, ROWS)
    report = import_assetopsbench(site_engine, folder)
    assert (report.assets, report.assets_created, report.records, report.inserted) == (2, 2, 6, 6)
    assert len(report.skipped) == 1 and "line 8" in report.skipped[0]
    assert report.first_finished == datetime(2016, 4, 6, 14, 0, tzinfo=UTC)

    with Session(site_engine) as session:
        assert session.get(Site, "MAIN").name == "AssetOpsBench chiller site"  # type: ignore[union-attr]
        chiller = session.get(Asset, "CWC04013")
        assert chiller is not None
        assert (chiller.site_id, chiller.asset_class, chiller.name, chiller.criticality) == (
            "MAIN",
            "chiller",
            "Chiller 13",
            "B",
        )
        wo3 = session.exec(select(HistoricalWorkOrder).where(HistoricalWorkOrder.record_id == "WO3")).one()
        assert (wo3.source, wo3.failure_code, wo3.primary_code, wo3.work_type, wo3.priority) == (
            "assetopsbench",
            "L001b",
            "L001",
            "corrective",
            2,
        )
        assert (wo3.duration_h, wo3.labor_h, wo3.failure_description) == (40.0, 37.5, "L001b text")
        assert wo3.finished_at == datetime(2017, 1, 30, 9, 30, tzinfo=UTC)

    again = import_assetopsbench(site_engine, folder)
    assert (again.inserted, again.updated, again.unchanged, again.assets_created) == (0, 0, 6, 0)
    assert _count(site_engine) == 6

    changed = [("WO2", "Refrigerant leak repaired (brazed)", *ROWS[1][2:])] + ROWS[2:6]
    _write_csv(folder, changed)
    third = import_assetopsbench(site_engine, folder)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 4)
    assert _count(site_engine) == 6  # WO1 is no longer in the file, but history is never deleted
    records = WorkOrderHistory(site_engine, SqlCmms(site_engine)).for_asset("CWC04013", failure_code="L001a")
    assert [r.title for r in records] == ["Refrigerant leak repaired (brazed)"]


def test_import_refuses_to_take_over_another_sites_asset(site_engine: Engine, tmp_path: Path) -> None:
    _write_csv(tmp_path / "aob", [("WO9", "x", "compressor", "MT010", "MT010b", "P-101", "TRUE", "5", "4/6/16 14:00", "3:00", "1:00")])  # fmt: skip
    with pytest.raises(ValidationError, match="P-101.*RIV"):
        import_assetopsbench(site_engine, tmp_path / "aob")
    with pytest.raises(Exception, match="not found"):
        import_assetopsbench(site_engine, tmp_path / "missing")


def test_history_merges_own_and_imported_work_orders_newest_first(
    site_engine: Engine, tmp_path: Path, demo_site: SiteSpec
) -> None:
    _write_csv(tmp_path / "aob", ROWS)
    import_assetopsbench(site_engine, tmp_path / "aob")
    cmms = SqlCmms(site_engine)
    draft = WorkOrderDraft(
        asset_id="CWC04013",
        title="Leak test after low suction pressure alert",
        description="Leak-test the refrigerant circuit.",
        priority=2,
        failure_code="L001a",
        craft="hvac_refrigeration",
        estimated_hours=4,
    )
    own = cmms.create(
        draft, idempotency_key="k1", requester="copilot", approver="olivia", investigation_id=None
    )
    history = WorkOrderHistory(site_engine, cmms, site=demo_site)

    records = history.for_asset("CWC04013", limit=10)
    assert [r.record_id for r in records] == [own.work_order.number, "WO5", "WO4", "WO3", "WO2", "WO1"]
    assert records[0].source == "copilot" and records[0].status == "open"
    assert records[1].source == "assetopsbench" and records[1].status == "completed"
    assert [r.ts for r in records] == sorted((r.ts for r in records), reverse=True)
    assert [r.record_id for r in history.for_asset("CWC04013", limit=2)] == [own.work_order.number, "WO5"]
    # a primary code matches its subcodes, case-insensitively; the own work order has L001a
    assert [r.record_id for r in history.for_asset("CWC04013", failure_code="l001")] == ["WO3", "WO2"]
    assert {r.record_id for r in history.for_asset("CWC04013", failure_code="L001a")} == {
        own.work_order.number,
        "WO2",
    }
    assert [r.record_id for r in history.for_asset("CWC04007")] == ["WO6"]

    summary = history.summary("CWC04013")
    assert (summary.total, summary.preventive, summary.corrective, summary.open) == (6, 2, 4, 1)
    assert summary.failure_codes[0].code == "L001a" and summary.failure_codes[0].count == 2
    assert summary.first == datetime(2016, 4, 6, 14, 0, tzinfo=UTC)
    # corrective: WO2 1/10/17, WO3 1/30/17, WO5 3/11/17, then the open one today
    assert summary.last_corrective == records[0].ts
    expected_gaps = [
        20.0,
        40.0 - 1 / 16,
        (records[0].ts - datetime(2017, 3, 11, 8, tzinfo=UTC)).total_seconds() / 86400,
    ]
    assert summary.mean_days_between_corrective == pytest.approx(sum(expected_gaps) / 3, abs=0.01)

    cmms.set_status(own.work_order.id, WorkOrderStatus.cancelled)
    after = history.summary("CWC04013")
    assert (after.corrective, after.open, after.last_corrective) == (
        3,
        0,
        datetime(2017, 3, 11, 8, tzinfo=UTC),
    )
    assert after.mean_days_between_corrective == pytest.approx((20.0 + 40.0 - 1 / 16) / 2, abs=0.01)


def test_history_names_an_unknown_asset(site_engine: Engine) -> None:
    history = WorkOrderHistory(site_engine, SqlCmms(site_engine))
    with pytest.raises(UnknownAssetError, match="CWC09999"):
        history.for_asset("CWC09999")
    with pytest.raises(UnknownAssetError, match="CWC09999"):
        history.summary("CWC09999")
    with pytest.raises(ValidationError, match="limit"):
        history.for_asset("P-101", limit=0)
    empty = history.summary("P-101")
    assert (empty.total, empty.last_corrective, empty.mean_days_between_corrective) == (0, None, None)


@pytest.mark.data
def test_the_real_assetopsbench_site_imports_once(site_engine: Engine, data_dir: Path) -> None:
    folder = folder_in(data_dir)
    first = import_assetopsbench(site_engine, folder)
    assert (first.assets, first.assets_created, first.records, first.inserted, first.skipped) == (
        11,
        11,
        4249,
        4249,
        [],
    )
    second = import_assetopsbench(site_engine, folder)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 4249)
    assert _count(site_engine) == 4249
    with Session(site_engine) as session:
        chillers = session.exec(select(Asset).where(Asset.site_id == "MAIN")).all()
    assert len(chillers) == 11 and {a.asset_class for a in chillers} == {"chiller"}
    assert {a.name for a in chillers} >= {"Chiller 1", "Chiller 13", "Chiller 14"}

    summary = WorkOrderHistory(site_engine, SqlCmms(site_engine)).summary("CWC04013")
    assert summary.total == 431 and summary.preventive + summary.corrective == 431
    assert summary.mean_days_between_corrective is not None and summary.last_corrective is not None

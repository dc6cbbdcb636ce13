"""Several service processes share one database (`copilot serve --workers N`): alert intake stays exact.

Two processes start on a fresh state folder at the same moment (both create the schema and seed the site),
then race: for every asset and failure mode of the demo site, each records an alert at the same time. Every
alert must be stored, and each asset and mode must have exactly one investigation: a second one would mean
both processes decided "nothing open yet".
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlmodel import Session, func, select

from copilot.config import Settings
from copilot.models import Alert, Investigation
from copilot.schemas import AlertIn
from copilot.services import build_services


def _settings(home: Path, database_url: str | None) -> Settings:
    return Settings(home=home, database_url=database_url) if database_url else Settings(home=home)


def _pairs(services_settings: Settings) -> list[tuple[str, str]]:
    services = build_services(services_settings)
    try:
        site = services.site
        return [(a.id, m.code) for a in site.assets for m in site.class_of(a.id).simulated_modes]
    finally:
        services.close()


def _record(
    home: str,
    database_url: str | None,
    worker: int,
    start: Barrier,
    results: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    from copilot.investigations import record_alerts

    settings = _settings(Path(home), database_url)
    start.wait(timeout=60)  # both processes build their services (schema, seeding) at the same moment
    services = build_services(settings)
    try:
        outcomes = []
        for asset_id, mode in _pairs(settings):
            start.wait(timeout=60)  # and record each asset and mode's first alert at the same moment
            alert = AlertIn(
                asset_id=asset_id,
                failure_mode=mode,
                severity="medium",
                ts=datetime.now(UTC),
                source=f"process-{worker}",
                summary=f"{asset_id} {mode} from process {worker}",
            )
            try:
                (outcome,) = record_alerts(services, [alert])
            except Exception as exc:  # reported to the test, which fails with it
                outcomes.append((asset_id, mode, repr(exc)))
                continue
            outcomes.append((asset_id, mode, repr(outcome) if isinstance(outcome, Exception) else outcome[1]))
        results.put(outcomes)
    finally:
        services.close()


def race_two_processes(home: Path, database_url: str | None = None) -> None:
    """Run the race described above on a fresh state folder (and database, when given); assert the outcome."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    processes = [
        context.Process(target=_record, args=(str(home), database_url, n, start, results)) for n in (1, 2)
    ]
    for process in processes:
        process.start()
    outcomes = [row for _ in processes for row in results.get(timeout=180)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    errors = [row for row in outcomes if not isinstance(row[2], int)]
    assert not errors, f"alerts failed: {errors[:5]}"
    by_pair: dict[tuple[str, str], set[int]] = {}
    for asset_id, mode, investigation_id in outcomes:
        by_pair.setdefault((asset_id, mode), set()).add(investigation_id)
    split = {pair: ids for pair, ids in by_pair.items() if len(ids) != 1}
    assert not split, f"alerts of one asset and mode opened several investigations: {split}"

    services = build_services(_settings(home, database_url))
    try:
        with Session(services.engine) as session:
            stored = session.exec(select(func.count()).select_from(Alert)).one()
            opened = session.exec(select(func.count()).select_from(Investigation)).one()
    finally:
        services.close()
    assert stored == len(outcomes) == 2 * len(by_pair)
    assert opened == len(by_pair)


def test_two_processes_racing_on_every_asset_and_mode_open_one_investigation_each(tmp_path: Path) -> None:
    race_two_processes(tmp_path / "shared-home")

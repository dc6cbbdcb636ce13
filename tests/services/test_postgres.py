"""Production mode on PostgreSQL: domain tables, LangGraph checkpoints, the decision race, the audit trigger."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from copilot.config import Settings
from copilot.errors import ConflictError
from copilot.investigations import decide, handle_alert, list_approvals
from copilot.models import Decision
from copilot.services import build_services
from knowledge.embeddings import Embedder
from tests.copilot.test_intake_processes import race_two_processes
from tests.helpers import fault_alert

pytestmark = pytest.mark.services

ADMIN_URL = os.environ.get("COPILOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    name = f"copilot_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def test_approval_flow_on_postgres(
    database: str, prepared_home: Path, tmp_path: Path, embedder: Embedder
) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(prepared_home, home)
    settings = Settings(
        home=home,
        database_url=database.replace("postgresql://", "postgresql+psycopg://"),
        checkpoint_url=database,
    )
    services = build_services(settings, embedder=embedder)
    try:
        assert type(services.checkpointer).__name__ == "PostgresSaver"
        handle_alert(services, fault_alert(services, "P-201", "PMP-SEAL", seed=4))
        (approval,) = list_approvals(services)
        results: list[str] = []
        barrier = threading.Barrier(2)

        def operator(user: str) -> None:
            barrier.wait()
            try:
                decide(services, approval.id, decision=Decision.approve, user_id=user)
                results.append("won")
            except ConflictError:
                results.append("conflict")

        threads = [threading.Thread(target=operator, args=(u,)) for u in ("olivia", "omar")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["conflict", "won"]
        assert len(services.cmms.list()) == 1

        with services.engine.begin() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE auditevent SET actor = 'someone else'"))
    finally:
        services.close()


def test_two_processes_share_intake_on_postgres(database: str, tmp_path: Path) -> None:
    """The intake lock is a PostgreSQL advisory lock there: two processes still open one investigation each."""
    race_two_processes(tmp_path / "home", database.replace("postgresql://", "postgresql+psycopg://"))

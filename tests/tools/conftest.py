"""Fixtures of the tool tests: a seeded demo-site database without the embedder or trained models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from copilot.config import DEMO_SITE_DIR
from copilot.db import create_schema, make_engine
from copilot.schemas import SiteSpec
from copilot.seed import seed_site
from copilot.site import load_site


@pytest.fixture(scope="session")
def demo_site() -> SiteSpec:
    return load_site(DEMO_SITE_DIR)


@pytest.fixture
def site_engine(tmp_path: Path, demo_site: SiteSpec) -> Iterator[Engine]:
    """A fresh SQLite database with the schema and the demo site seeded."""
    engine = make_engine(f"sqlite:///{tmp_path / 'tools.sqlite'}")
    create_schema(engine)
    seed_site(engine, demo_site)
    yield engine
    engine.dispose()

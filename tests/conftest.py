"""Shared fixtures: an isolated COPILOT_HOME per test, and a prepared state copied from one session build."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from copilot.config import Settings  # noqa: E402
from copilot.guards import intent  # noqa: E402
from copilot.ingest import ingest  # noqa: E402
from copilot.services import Services, build_services  # noqa: E402
from copilot.training import ensure_site_models  # noqa: E402
from knowledge.embeddings import Embedder  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point COPILOT_HOME at a temp dir and drop any LLM configuration from the environment."""
    monkeypatch.setenv("COPILOT_HOME", str(tmp_path / "home"))
    for name in (
        "COPILOT_LLM_PROVIDER",
        "COPILOT_LLM_BASE_URL",
        "COPILOT_LLM_API_KEY",
        "COPILOT_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def guard_model_dir() -> Path:
    """Where the fine-tuned safety classifier is kept: the user's cache, shared by every test's COPILOT_HOME."""
    return Settings().guard_model_dir


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One loaded MiniLM for the whole session."""
    model = Embedder()
    model.embed_query("load")
    return model


@pytest.fixture(scope="session")
def prepared_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A state folder with the site seeded, the models trained and the demo corpus ingested."""
    home = tmp_path_factory.mktemp("prepared") / "home"
    services = build_services(Settings(home=home), embedder=embedder)
    try:
        ensure_site_models(services.site, services.settings.models_dir)
        ingest(services, "demo")
    finally:
        services.close()
    return home


@pytest.fixture
def home(prepared_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the prepared state; COPILOT_HOME points at it."""
    target = tmp_path / "prepared-copy"
    shutil.copytree(prepared_home, target)
    monkeypatch.setenv("COPILOT_HOME", str(target))
    return target


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home)


@pytest.fixture
def services(settings: Settings, embedder: Embedder) -> Iterator[Services]:
    built = build_services(settings, embedder=embedder)
    yield built
    built.close()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The public datasets folder; tests that need it skip with a clear message on a fresh clone."""
    settings = Settings()
    if settings.data_dir is None or not settings.data_dir.is_dir():
        pytest.skip(
            "public datasets not found: set COPILOT_DATA_DIR (default ../shared/data) to run this test"
        )
    return settings.data_dir


@pytest.fixture
def script_safety_classifier(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Script the safety classifier's reading, so a test does not depend on the trained model: a message that
    contains the phrase reads as unsafe (0.99), any other as safe."""

    def script(phrase: str) -> None:
        monkeypatch.setattr(
            intent, "unsafe_probability", lambda _e, _d, text: 0.99 if phrase in text.lower() else 0.0
        )

    return script

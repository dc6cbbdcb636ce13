"""Fixtures for the guards: the demo site and a Guards facade built once (rules only, or with MiniLM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.config import Settings
from copilot.guards import Guards
from copilot.guards.runtime import configure_offline
from copilot.guards.vocabulary import SiteVocabulary, site_vocabulary
from copilot.schemas import SiteSpec
from copilot.site import load_site
from knowledge.embeddings import Embedder


@pytest.fixture(scope="session", autouse=True)
def _guardrails_offline() -> None:
    """Validators built outside a Guards facade must not switch guardrails' metrics on either."""
    configure_offline()


@pytest.fixture(scope="session")
def site() -> SiteSpec:
    return load_site(Settings().site_dir)


@pytest.fixture(scope="session")
def vocabulary(site: SiteSpec) -> SiteVocabulary:
    return site_vocabulary(site, Settings().site_dir)


@pytest.fixture(scope="session")
def rule_guards(site: SiteSpec, vocabulary: SiteVocabulary) -> Guards:
    """Guards without an embedder: the scope check uses its rules only."""
    return Guards(site, vocabulary=vocabulary)


@pytest.fixture(scope="session")
def guards(site: SiteSpec, vocabulary: SiteVocabulary, embedder: Embedder, guard_model_dir: Path) -> Guards:
    return Guards(site, vocabulary=vocabulary, embedder=embedder, intent_model_dir=guard_model_dir)

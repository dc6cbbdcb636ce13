"""Ingest corpus sources into the knowledge store, by name."""

from __future__ import annotations

from collections.abc import Callable

from copilot.errors import ValidationError
from copilot.services import Services
from knowledge.documents import Document
from knowledge.sources import demo_documents
from knowledge.store import SyncStats

SOURCES = ("demo",)


def source_documents(services: Services, source: str) -> list[Document]:
    """Return the documents of a named source."""
    if source == "demo":
        asset_class_of = {a.id: a.asset_class for a in services.site.assets}
        return demo_documents(services.settings.site_dir, asset_class_of)
    raise ValidationError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")


def ingest(services: Services, source: str, progress: Callable[[int, int], None] | None = None) -> SyncStats:
    """Sync one source into the store (unchanged documents are not rewritten)."""
    return services.knowledge.sync(source, source_documents(services, source), progress=progress)

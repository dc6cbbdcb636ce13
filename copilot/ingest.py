"""Ingest corpus sources into the knowledge store, by name."""

from __future__ import annotations

from collections.abc import Callable

from copilot.errors import ValidationError
from copilot.services import Services
from knowledge.documents import Document
from knowledge.sources import PUBLIC_SOURCES, demo_documents
from knowledge.store import SyncStats

SOURCES = ("demo", *PUBLIC_SOURCES)


def available_sources(services: Services) -> list[str]:
    """The demo site always; a public source when its files are under COPILOT_DATA_DIR."""
    data_dir = services.settings.data_dir
    return ["demo", *[name for name, source in PUBLIC_SOURCES.items() if source.available(data_dir)]]


def source_documents(services: Services, source: str) -> list[Document]:
    """Return the documents of a named source."""
    if source == "demo":
        asset_class_of = {a.id: a.asset_class for a in services.site.assets}
        return demo_documents(services.settings.site_dir, asset_class_of)
    public = PUBLIC_SOURCES.get(source)
    if public is None:
        raise ValidationError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")
    data_dir = services.settings.data_dir
    if data_dir is None or not public.available(data_dir):
        raise ValidationError(
            f"source {source!r} needs {public.folder}/{public.marker} under COPILOT_DATA_DIR "
            f"(now {data_dir or 'unset'})"
        )
    return public.documents(data_dir)


def ingest(services: Services, source: str, progress: Callable[[int, int], None] | None = None) -> SyncStats:
    """Sync one source into the store (unchanged documents are not rewritten)."""
    return services.knowledge.sync(source, source_documents(services, source), progress=progress)

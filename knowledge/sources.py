"""Corpus sources by name: each returns the documents that make up that source right now."""

from __future__ import annotations

from pathlib import Path

from knowledge.documents import Document
from knowledge.loaders import incident_document, load_incident_records, load_manuals


def demo_documents(site_dir: Path, asset_class_of: dict[str, str]) -> list[Document]:
    """The demo site's manuals and incidents."""
    documents = load_manuals(site_dir / "manuals")
    for record in load_incident_records(site_dir / "incidents.jsonl"):
        documents.append(incident_document(record, asset_class_of.get(record.asset_id, "")))
    return documents

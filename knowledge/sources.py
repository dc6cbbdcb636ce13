"""Corpus sources by name: each returns the documents that make up that source right now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.documents import Document
from knowledge.loaders import (
    incident_document,
    load_assetopsbench,
    load_faa,
    load_incident_records,
    load_maintnet,
    load_manuals,
)


def demo_documents(site_dir: Path, asset_class_of: dict[str, str]) -> list[Document]:
    """The demo site's manuals and incidents."""
    documents = load_manuals(site_dir / "manuals")
    for record in load_incident_records(site_dir / "incidents.jsonl"):
        documents.append(incident_document(record, asset_class_of.get(record.asset_id, "")))
    return documents


@dataclass(frozen=True)
class PublicSource:
    """A corpus read from a folder under COPILOT_DATA_DIR."""

    name: str
    folder: str
    marker: str
    load: Callable[[Path], list[Document]]

    def available(self, data_dir: Path | None) -> bool:
        return data_dir is not None and (data_dir / self.folder / self.marker).is_file()

    def documents(self, data_dir: Path) -> list[Document]:
        return self.load(data_dir / self.folder)


PUBLIC_SOURCES: dict[str, PublicSource] = {
    "maintnet": PublicSource("maintnet", "maintnet", "Aircraft_Annotation_DataFile.csv", load_maintnet),
    "faa": PublicSource("faa", "faa_aid_maintenance", "Maintenance_Text_data_nona.csv", load_faa),
    "assetopsbench": PublicSource(
        "assetopsbench", "assetopsbench", "wo_workorders_4249.csv", load_assetopsbench
    ),
}

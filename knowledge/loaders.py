"""Load the corpus: markdown manuals and incident records from the site folder."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from copilot.schemas import IncidentRecord
from knowledge.documents import Document


def load_manual(path: Path) -> Document:
    """Read a markdown manual with YAML front matter (doc_id, asset_class, title, revision)."""
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, object] = {}
    body = raw
    if raw.startswith("---"):
        _, front, body = raw.split("---", 2)
        meta = yaml.safe_load(front) or {}
    doc_id = str(meta.get("doc_id") or path.stem)
    return Document(
        doc_id=doc_id,
        source="demo",
        doc_type="manual",
        title=str(meta.get("title") or path.stem),
        text=body.strip(),
        metadata={
            "asset_class": str(meta.get("asset_class", "")),
            "revision": str(meta.get("revision", "")),
            "source_id": doc_id,
        },
        markdown=True,
    )


def load_manuals(folder: Path) -> list[Document]:
    return [load_manual(path) for path in sorted(folder.glob("*.md"))]


def load_incident_records(path: Path) -> list[IncidentRecord]:
    """Read incidents.jsonl (empty list when the file is absent)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [IncidentRecord.model_validate(json.loads(line)) for line in handle if line.strip()]


def incident_document(record: IncidentRecord, asset_class: str) -> Document:
    """Turn an incident into a document whose text reads like the logbook entry."""
    text = (
        f"Symptom: {record.symptom}\n"
        f"Diagnosis: {record.diagnosis}\n"
        f"Action: {record.action}\n"
        f"Outcome: {record.outcome}\n"
        f"Failure code: {record.failure_code}. Downtime {record.downtime_hours:g} h."
    )
    return Document(
        doc_id=record.id,
        source="demo",
        doc_type="incident",
        title=f"Incident {record.id} on {record.asset_id} ({record.date})",
        text=text,
        metadata={
            "asset_class": asset_class,
            "asset_id": record.asset_id,
            "failure_code": record.failure_code,
            "date": record.date,
            "source_id": record.id,
            "technician": record.technician,
        },
    )

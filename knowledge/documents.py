"""The units of the knowledge base: documents as loaded, chunks as stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

MetaValue = str | int | float | bool


@dataclass(frozen=True)
class Document:
    """A source document: a manual, an incident, a work order, a failure mode."""

    doc_id: str
    source: str
    doc_type: str
    title: str
    text: str
    metadata: dict[str, MetaValue] = field(default_factory=dict)
    markdown: bool = False

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for part in (self.title, self.text, repr(sorted(self.metadata.items()))):
            digest.update(part.encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document, with the section it came from."""

    doc_id: str
    index: int
    section: str
    text: str
    metadata: dict[str, MetaValue]

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}::{self.index}"

"""The Chroma store: one persistent collection of chunks, synced incrementally per source."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from knowledge.chunking import chunk_document, embedding_text
from knowledge.documents import Chunk, Document
from knowledge.embeddings import Embedder

log = logging.getLogger(__name__)

COLLECTION = "knowledge"
_WRITE_BATCH = 512


@dataclass(frozen=True)
class SyncStats:
    """What one sync of a source changed."""

    source: str
    documents: int
    unchanged: int
    added: int
    replaced: int
    removed: int
    chunks_written: int


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    distance: float


class KnowledgeStore:
    """Chroma PersistentClient over one folder; the process that ingests is the only writer."""

    def __init__(self, path: Path, embedder: Embedder, collection: str = COLLECTION) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._collection = self._client.get_or_create_collection(
            collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.embedder = embedder

    def count(self) -> int:
        return self._collection.count()

    def _stored_hashes(self, source: str) -> dict[str, str]:
        stored = self._collection.get(where={"source": source}, include=["metadatas"])
        hashes: dict[str, str] = {}
        for meta in stored["metadatas"] or []:
            hashes[str(meta["doc_id"])] = str(meta.get("doc_hash", ""))
        return hashes

    def sync(
        self, source: str, documents: list[Document], progress: Callable[[int, int], None] | None = None
    ) -> SyncStats:
        """Make the store hold exactly these documents for this source; unchanged ones are not rewritten."""
        stored = self._stored_hashes(source)
        wanted = {doc.doc_id: doc for doc in documents}
        changed = [doc for doc in documents if stored.get(doc.doc_id) != doc.content_hash]
        replaced = [doc.doc_id for doc in changed if doc.doc_id in stored]
        removed = [doc_id for doc_id in stored if doc_id not in wanted]
        for doc_id in replaced + removed:
            self._collection.delete(where={"doc_id": doc_id})
        chunks = [chunk for doc in changed for chunk in chunk_document(doc)]
        self.write_chunks(chunks, progress=progress)
        stats = SyncStats(
            source=source,
            documents=len(documents),
            unchanged=len(documents) - len(changed),
            added=len(changed) - len(replaced),
            replaced=len(replaced),
            removed=len(removed),
            chunks_written=len(chunks),
        )
        log.info("synced source %s: %s", source, stats)
        return stats

    def write_chunks(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None = None) -> None:
        """Embed and upsert chunks in batches."""
        for start in range(0, len(chunks), _WRITE_BATCH):
            batch = chunks[start : start + _WRITE_BATCH]
            vectors = self.embedder.embed([embedding_text(c) for c in batch])
            self._collection.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors,
                documents=[c.text for c in batch],
                metadatas=[{**c.metadata, "chunk": c.index} for c in batch],
            )
            if progress is not None:
                progress(min(start + _WRITE_BATCH, len(chunks)), len(chunks))

    def get(self, where: dict[str, Any]) -> list[Hit]:
        """Every chunk matching a metadata filter (no similarity), in chunk order."""
        result = self._collection.get(where=where, include=["documents", "metadatas"])
        hits = [
            Hit(i, d or "", dict(m or {}), 0.0)
            for i, d, m in zip(
                result["ids"], result["documents"] or [], result["metadatas"] or [], strict=True
            )
        ]
        return sorted(hits, key=lambda h: (str(h.metadata.get("doc_id")), int(h.metadata.get("chunk", 0))))

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """Nearest chunks by cosine distance, optionally filtered by metadata."""
        if self.count() == 0:
            return []
        result = self._collection.query(
            query_embeddings=vector.reshape(1, -1),
            n_results=k,
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0]
        docs = (result["documents"] or [[]])[0]
        metas = (result["metadatas"] or [[]])[0]
        dists = (result["distances"] or [[]])[0]
        return [
            Hit(i, d or "", dict(m or {}), float(x))
            for i, d, m, x in zip(ids, docs, metas, dists, strict=True)
        ]

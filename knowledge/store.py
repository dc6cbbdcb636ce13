"""The knowledge store: chunks in SQLite (text, metadata, BM25), their vectors in Chroma, synced per source.

Layout under one folder: `chunks.sqlite` (the store of record and the ledger) and `chroma/` with one
collection per source (`kb-<source>`), so a query scoped to a source searches only that source's index,
and large sources do not slow small ones. The ingesting process is the only writer; any number of
processes may read (SQLite WAL; Chroma's persistent segments).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from copilot.errors import ConfigError
from knowledge.bm25 import FILTER_FIELDS
from knowledge.chunking import chunk_document, embedding_text
from knowledge.documents import Chunk, Document
from knowledge.embeddings import Embedder
from knowledge.lexical import LexicalStore

log = logging.getLogger(__name__)

DOCS_PER_WRITE = 1024
"""Documents embedded and written together: one vector upsert and one ledger transaction each."""
OVERFETCH = 8  # filtered dense queries fetch k * OVERFETCH unfiltered neighbours, then filter


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
    seconds: float = 0.0


def collection_name(source: str) -> str:
    return f"kb-{source}"


class KnowledgeStore:
    """Chunks and vectors of every source under one folder."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.embedder = embedder
        self.lexical = LexicalStore(folder / "chunks.sqlite")
        self._client = chromadb.PersistentClient(
            path=str(folder / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._collections: dict[str, Collection] = {}
        built_with = self.lexical.get_meta("embedding_model")
        if built_with is not None and built_with != embedder.model_id and self.lexical.count() > 0:
            raise ConfigError(
                f"the knowledge store in {folder} holds {built_with} vectors, but the embedder is "
                f"{embedder.model_id}: set COPILOT_EMBEDDING_BACKEND to match, or delete {folder} and re-ingest"
            )

    def _collection(self, source: str) -> Collection:
        if source not in self._collections:
            self._collections[source] = self._client.get_or_create_collection(
                collection_name(source), embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        return self._collections[source]

    def sources(self) -> list[str]:
        """Sources that have at least one chunk."""
        return [name for name, count in self.lexical.sources().items() if count > 0]

    def count(self, source: str | None = None) -> int:
        return self.lexical.count(source)

    def sync(
        self, source: str, documents: list[Document], progress: Callable[[int, int], None] | None = None
    ) -> SyncStats:
        """Make the store hold exactly these documents for this source; unchanged ones are not rewritten."""
        started = time.perf_counter()
        stored = self.lexical.document_hashes(source)
        wanted = {doc.doc_id: doc for doc in documents}
        if len(wanted) != len(documents):
            raise ValueError(f"source {source!r} has duplicate document ids")
        changed = [doc for doc in documents if stored.get(doc.doc_id) != doc.content_hash]
        replaced = [doc.doc_id for doc in changed if doc.doc_id in stored]
        removed = [doc_id for doc_id in stored if doc_id not in wanted]
        collection = self._collection(source)

        stale = self.lexical.chunk_ids(replaced + removed)
        for start in range(0, len(stale), 5000):
            collection.delete(ids=stale[start : start + 5000])
        self.lexical.remove_documents(removed)

        written = 0
        groups = [changed[start : start + DOCS_PER_WRITE] for start in range(0, len(changed), DOCS_PER_WRITE)]
        # one writer thread stores group k (vectors, then the ledger) while this thread embeds group k + 1:
        # onnxruntime and the writes release the GIL, so the writes cost little beside the embedding
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            pending: Future[int] | None = None
            done = 0
            for group in groups:
                chunks, vectors = self._embed(group)
                if pending is not None:
                    written += pending.result()
                pending = writer.submit(self._store, source, group, chunks, vectors)
                done += len(group)
                if progress is not None:
                    progress(done, len(changed))
            if pending is not None:
                written += pending.result()
        if changed or removed:
            self.lexical.bm25()  # rebuild the lexical index once, here, rather than in the first reader
        stats = SyncStats(
            source=source,
            documents=len(documents),
            unchanged=len(documents) - len(changed),
            added=len(changed) - len(replaced),
            replaced=len(replaced),
            removed=len(removed),
            chunks_written=written,
            seconds=round(time.perf_counter() - started, 2),
        )
        log.info("synced source %s: %s", source, stats)
        return stats

    def _embed(self, documents: list[Document]) -> tuple[list[Chunk], np.ndarray]:
        """Chunk some documents and embed their chunks."""
        chunks = [chunk for doc in documents for chunk in chunk_document(doc)]
        return chunks, self.embedder.embed([embedding_text(c) for c in chunks])

    def _store(self, source: str, documents: list[Document], chunks: list[Chunk], vectors: np.ndarray) -> int:
        """Store the embedded chunks of some documents: vectors first, the ledger last (so a crash in between
        leaves the documents unrecorded, and the next sync writes them again)."""
        if self.lexical.get_meta("embedding_model") is None:
            self.lexical.set_meta("embedding_model", self.embedder.model_id)
        self.write_vectors(source, chunks, vectors)
        self.lexical.replace_documents(
            source=source,
            doc_ids=[d.doc_id for d in documents],
            chunks=chunks,
            hashes={d.doc_id: d.content_hash for d in documents},
        )
        return len(chunks)

    def write_vectors(self, source: str, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Upsert chunk vectors with the metadata that filters need."""
        collection = self._collection(source)
        for start in range(0, len(chunks), 2048):
            part = chunks[start : start + 2048]
            collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + len(part)],
                metadatas=[_filter_metadata(c) for c in part],
            )

    def dense(
        self, vector: np.ndarray, *, k: int, filters: dict[str, str], sources: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first, across the given sources.

        A filter other than the source is applied to k * OVERFETCH unfiltered neighbours; only when too
        few survive is the (slower) filtered index query made.
        """
        counts = self.lexical.sources()
        wanted = [filters["source"]] if "source" in filters else (sources or list(counts))
        others = {key: value for key, value in filters.items() if key != "source"}
        query = vector.reshape(1, -1)
        hits: list[tuple[str, float]] = []
        for source in wanted:
            size = counts.get(source, 0)
            if size == 0:
                continue
            collection = self._collection(source)
            if not others:
                result = collection.query(
                    query_embeddings=query, n_results=min(k, size), include=["distances"]
                )
                hits.extend(_matching(result, {}))
                continue
            n = min(size, k * OVERFETCH)
            result = collection.query(query_embeddings=query, n_results=n, include=["metadatas", "distances"])
            found = _matching(result, others)
            if len(found) < k and size > n:  # the filter is selective: ask the index to apply it
                result = collection.query(
                    query_embeddings=query,
                    n_results=min(k, size),
                    where=_chroma_where(others),
                    include=["metadatas", "distances"],
                )
                found = _matching(result, others)
            hits.extend(found[:k])
        hits.sort(key=lambda h: -h[1])
        return hits[:k]


def _filter_metadata(chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        key: str(chunk.metadata[key]) for key in FILTER_FIELDS if chunk.metadata.get(key)
    }
    meta["chunk"] = chunk.index
    return meta


def _chroma_where(filters: dict[str, str]) -> dict[str, Any]:
    clauses = [{key: value} for key, value in filters.items()]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _matching(result: Any, filters: dict[str, str]) -> list[tuple[str, float]]:
    ids = result["ids"][0]
    dists = (result["distances"] or [[]])[0]
    if not filters:
        return [(chunk_id, 1.0 - float(dist)) for chunk_id, dist in zip(ids, dists, strict=True)]
    metas = (result["metadatas"] or [[]])[0]
    return [
        (chunk_id, 1.0 - float(dist))
        for chunk_id, meta, dist in zip(ids, metas, dists, strict=True)
        if all((meta or {}).get(key) == value for key, value in filters.items())
    ]

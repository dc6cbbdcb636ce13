"""The chunk store of record: chunk texts and metadata in SQLite, the document ledger, and BM25 search.

Chroma holds only the vectors; dense and lexical hits alike are read back from here by chunk id, so a
passage looks the same whichever index found it. The ledger records each document's content hash: a sync
compares against it to skip unchanged documents. Every write bumps the store's version; the BM25 index
(knowledge.bm25) is rebuilt for a new version once, saved beside the database, and loaded by any other
process that reads the store.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.bm25 import FILTER_FIELDS, Bm25Index, build_index, load_index, save_index
from knowledge.documents import Chunk

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, doc_hash TEXT NOT NULL, chunks INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, source TEXT NOT NULL, asset_class TEXT, doc_type TEXT,
    asset_id TEXT, section TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY, chunks INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    section: str
    text: str
    metadata: dict[str, Any]


class LexicalStore:
    """SQLite (WAL) file; many readers, one writer (the ingest), each thread with its own connection."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._index_dir = path.parent / "bm25"
        self._local = threading.local()
        self._index: Bm25Index | None = None
        self._index_lock = threading.Lock()
        with self._tx() as db:
            db.executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self._path), timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        with db:
            yield db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- metadata and the ledger ------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def version(self) -> str:
        return self.get_meta("version") or "empty"

    def document_hashes(self, source: str) -> dict[str, str]:
        rows = self._connection().execute(
            "SELECT doc_id, doc_hash FROM documents WHERE source = ?", (source,)
        )
        return {doc_id: doc_hash for doc_id, doc_hash in rows}

    def sources(self) -> dict[str, int]:
        """Chunk count per source (a small table kept by every write)."""
        return dict(
            self._connection().execute("SELECT source, chunks FROM sources ORDER BY source").fetchall()
        )

    def count(self, source: str | None = None) -> int:
        counts = self.sources()
        return sum(counts.values()) if source is None else counts.get(source, 0)

    def chunk_ids(self, doc_ids: Iterable[str]) -> list[str]:
        ids = list(doc_ids)
        out: list[str] = []
        db = self._connection()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            out += [r[0] for r in db.execute(f"SELECT chunk_id FROM chunks WHERE doc_id IN ({marks})", part)]
        return out

    # --- writes (the ingesting process only) ----------------------------------------------------------

    def replace_documents(
        self, *, source: str, doc_ids: list[str], chunks: list[Chunk], hashes: dict[str, str]
    ) -> None:
        """Delete these documents' chunks, write the new ones, record the documents' hashes; one transaction."""
        with self._tx() as db:
            self._delete(db, doc_ids)
            db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        source,
                        _str(c.metadata.get("asset_class")),
                        _str(c.metadata.get("doc_type")),
                        _str(c.metadata.get("asset_id")),
                        c.section,
                        c.text,
                        json.dumps({**c.metadata, "chunk": c.index}),
                    )
                    for c in chunks
                ],
            )
            per_doc: dict[str, int] = {}
            for chunk in chunks:
                per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
            db.executemany(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?)",
                [
                    (doc_id, source, hashes[doc_id], per_doc.get(doc_id, 0))
                    for doc_id in doc_ids
                    if doc_id in hashes
                ],
            )
            self._bump(db)

    def remove_documents(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        with self._tx() as db:
            self._delete(db, doc_ids)
            self._bump(db)

    def _delete(self, db: sqlite3.Connection, doc_ids: list[str]) -> None:
        for start in range(0, len(doc_ids), 500):
            part = doc_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            db.execute(f"DELETE FROM chunks WHERE doc_id IN ({marks})", part)
            db.execute(f"DELETE FROM documents WHERE doc_id IN ({marks})", part)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM sources")
        db.execute("INSERT INTO sources SELECT source, COUNT(*) FROM chunks GROUP BY source")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (uuid.uuid4().hex[:12],))

    # --- reads ----------------------------------------------------------------------------------------------

    def get(self, chunk_ids: list[str]) -> dict[str, StoredChunk]:
        """Hydrate chunks by id."""
        out: dict[str, StoredChunk] = {}
        db = self._connection()
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for chunk_id, doc_id, section, text, meta in db.execute(
                f"SELECT chunk_id, doc_id, section, text, metadata FROM chunks WHERE chunk_id IN ({marks})",
                part,
            ):
                out[chunk_id] = StoredChunk(chunk_id, doc_id, section, text, json.loads(meta))
        return out

    def where(self, filters: dict[str, str], *, section_contains: str | None = None) -> list[StoredChunk]:
        """Every chunk matching equality filters (and a section phrase), in document and chunk order."""
        clauses, params = _filter_sql(filters)
        if section_contains:
            clauses.append("instr(lower(section), lower(?)) > 0")
            params.append(section_contains)
        sql = "SELECT chunk_id, doc_id, section, text, metadata FROM chunks"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = self._connection().execute(sql, params).fetchall()
        chunks = [StoredChunk(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]
        return sorted(chunks, key=lambda c: (c.doc_id, int(c.metadata.get("chunk", 0))))

    def bm25(self) -> Bm25Index:
        """The BM25 index of the store's current version: kept, loaded from disk, or built (and saved)."""
        version = self.version
        with self._index_lock:
            if self._index is not None and self._index.version == version:
                return self._index
            index = load_index(self._index_dir, version)
            if index is None:
                rows = (
                    self._connection()
                    .execute(
                        "SELECT chunk_id, source, asset_class, doc_type, asset_id, doc_id, section, text, metadata "
                        "FROM chunks ORDER BY rowid"
                    )
                    .fetchall()
                )
                index = build_index(
                    (
                        (
                            r[0],
                            dict(zip(FILTER_FIELDS, (r[1], r[2], r[3], r[4], r[5]), strict=True)),
                            str(json.loads(r[8]).get("title", "")),
                            r[6],
                            r[7],
                        )
                        for r in rows
                    ),
                    version,
                )
                save_index(index, self._index_dir)
                log.info("built the BM25 index (%d chunks, %d terms)", index.size, len(index.vocabulary))
            self._index = index
            return index

    def search(self, query: str, *, k: int, filters: dict[str, str]) -> list[tuple[str, float]]:
        """BM25 search; returns (chunk_id, score) best first."""
        for key in filters:
            if key not in FILTER_FIELDS:
                raise ValueError(f"cannot filter on {key!r}: filters are {', '.join(FILTER_FIELDS)}")
        return self.bm25().search(query, k=k, filters=filters)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _filter_sql(filters: dict[str, str], prefix: str = "") -> tuple[list[str], list[Any]]:
    clauses, params = [], []
    for key, value in filters.items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"cannot filter on {key!r}: filters are {', '.join(FILTER_FIELDS)}")
        clauses.append(f"{prefix}{key} = ?")
        params.append(value)
    return clauses, params

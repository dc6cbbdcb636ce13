"""The chunk store of record: chunk texts and metadata in SQLite, a BM25 index (FTS5), and the document ledger.

Chroma holds only the vectors; both dense and lexical hits are read back from here by chunk id, so a
passage looks the same whichever index found it. The ledger records each document's content hash:
a sync compares against it to skip unchanged documents.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.documents import Chunk

FILTER_FIELDS = ("source", "asset_class", "doc_type", "asset_id", "doc_id")

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
-- The FTS row of a chunk has the chunk's rowid, so deletes and joins go by rowid.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, section, body, tokenize = 'porter unicode61');
"""

# Words that carry no evidence in a maintenance question (matched after lower-casing).
STOPWORDS = frozenset(
    "a an and are as at be been by can do does for from has have how i if in is it its me my of on or our "
    "should that the their then there this to was we what when where which who why will with you your "
    "does did done get got please tell show find about into than any all".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*")


def fts_query(text: str) -> str | None:
    """Turn free text into an FTS5 OR-query: words as terms, codes like 'A-214' or '6310-2Z/C3' as phrases."""
    terms: list[str] = []
    for token in _TOKEN.findall(text):
        parts = [p for p in re.split(r"[-/.]", token.lower()) if p]
        if len(parts) == 1 and (parts[0] in STOPWORDS or len(parts[0]) < 2):
            continue
        phrase = " ".join(parts)
        quoted = '"' + phrase.replace('"', "") + '"'
        if quoted not in terms:
            terms.append(quoted)
    return " OR ".join(terms) if terms else None


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
        self._local = threading.local()
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

    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- the ledger ---------------------------------------------------------------------------------------

    def document_hashes(self, source: str) -> dict[str, str]:
        rows = self._connection().execute(
            "SELECT doc_id, doc_hash FROM documents WHERE source = ?", (source,)
        )
        return {doc_id: doc_hash for doc_id, doc_hash in rows}

    def count(self, source: str | None = None) -> int:
        if source is None:
            return int(self._connection().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        row = self._connection().execute("SELECT COUNT(*) FROM chunks WHERE source = ?", (source,)).fetchone()
        return int(row[0])

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
        """Delete these documents' chunks, write the new ones, and record the documents' hashes; one transaction."""
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
                        json.dumps(c.metadata),
                    )
                    for c in chunks
                ],
            )
            for start in range(0, len(doc_ids), 500):
                part = doc_ids[start : start + 500]
                marks = ",".join("?" * len(part))
                db.execute(
                    "INSERT INTO chunks_fts (rowid, title, section, body) SELECT rowid, "
                    f"json_extract(metadata, '$.title'), section, text FROM chunks WHERE doc_id IN ({marks})",
                    part,
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

    def remove_documents(self, doc_ids: list[str]) -> None:
        with self._tx() as db:
            self._delete(db, doc_ids)

    def _delete(self, db: sqlite3.Connection, doc_ids: list[str]) -> None:
        for start in range(0, len(doc_ids), 500):
            part = doc_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            db.execute(
                f"DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id IN ({marks}))",
                part,
            )
            db.execute(f"DELETE FROM chunks WHERE doc_id IN ({marks})", part)
            db.execute(f"DELETE FROM documents WHERE doc_id IN ({marks})", part)

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

    def search(self, query: str, *, k: int, filters: dict[str, str]) -> list[tuple[str, float]]:
        """BM25 search (title and section weigh more than the body); returns (chunk_id, score) best first."""
        match = fts_query(query)
        if match is None:
            return []
        clauses, params = _filter_sql(filters, prefix="c.")
        sql = (
            "SELECT c.chunk_id, bm25(chunks_fts, 2.0, 2.0, 1.0) AS rank FROM chunks_fts f"
            " JOIN chunks c ON c.rowid = f.rowid WHERE chunks_fts MATCH ?"
            + "".join(f" AND {clause}" for clause in clauses)
            + " ORDER BY rank LIMIT ?"
        )
        rows = self._connection().execute(sql, [match, *params, k]).fetchall()
        return [(chunk_id, -float(rank)) for chunk_id, rank in rows]


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

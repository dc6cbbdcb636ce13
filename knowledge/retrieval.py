"""Retrieval: a query in, passages with citations out."""

from __future__ import annotations

from typing import Any

from copilot.schemas import Citation, Passage
from knowledge.store import Hit, KnowledgeStore


def _where(filters: dict[str, str | None]) -> dict[str, Any] | None:
    clauses = [{key: value} for key, value in filters.items() if value]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def to_passage(hit: Hit, score: float) -> Passage:
    meta = hit.metadata
    citation = Citation(
        doc_id=str(meta.get("doc_id", hit.chunk_id)),
        section=str(meta.get("section", "")),
        chunk=int(meta.get("chunk", 0)),
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
    )
    scalar = {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
    return Passage(citation=citation, text=hit.text, score=round(score, 4), metadata=scalar)


class Retriever:
    """Dense retrieval over the knowledge store with metadata filters."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        asset_class: str | None = None,
        doc_type: str | None = None,
        source: str | None = None,
        asset_id: str | None = None,
    ) -> list[Passage]:
        """Return the k passages most similar to the query, best first."""
        vector = self.store.embedder.embed_query(query)
        where = _where(
            {"asset_class": asset_class, "doc_type": doc_type, "source": source, "asset_id": asset_id}
        )
        hits = self.store.query(vector, k, where)
        return [to_passage(hit, 1.0 - hit.distance) for hit in hits]

    def section(self, *, asset_class: str, contains: str, doc_type: str = "manual") -> list[Passage]:
        """Return the chunks of a document type whose section title contains a phrase (e.g. 'Lockout steps')."""
        hits = self.store.get(_where({"asset_class": asset_class, "doc_type": doc_type}) or {})
        needle = contains.lower()
        return [
            to_passage(hit, 1.0) for hit in hits if needle in str(hit.metadata.get("section", "")).lower()
        ]

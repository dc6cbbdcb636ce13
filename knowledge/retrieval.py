"""Retrieval: a query in, passages with stable citations out (dense, lexical BM25, or both fused by RRF)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any, Literal

from copilot.schemas import Citation, Passage
from knowledge.lexical import StoredChunk
from knowledge.query import codes, expand
from knowledge.store import KnowledgeStore

Mode = Literal["dense", "lexical", "hybrid"]
RRF_K = 60  # reciprocal-rank-fusion constant (Cormack et al. 2009)
CODE_LEXICAL_WEIGHT = 3.0  # a query naming a code trusts exact matching (BM25) over meaning (dense)


def to_passage(chunk: StoredChunk, score: float, similarity: float | None = None) -> Passage:
    meta = chunk.metadata
    citation = Citation(
        doc_id=chunk.doc_id,
        section=chunk.section,
        chunk=int(meta.get("chunk", 0)),
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
    )
    scalar = {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
    return Passage(
        citation=citation, text=chunk.text, score=round(score, 6), similarity=similarity, metadata=scalar
    )


def rrf(rankings: list[list[str]], weights: list[float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each list adds weight / (k + rank) to the ids it ranks."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class Retriever:
    """Searches the knowledge store; hybrid by default.

    Identical searches within `cache_ttl_s` seconds are answered from a cache (keyed by the store's version
    too, so an ingest invalidates it); `cache_ttl_s=0` turns it off (benchmarks measure uncached searches).
    """

    def __init__(
        self,
        store: KnowledgeStore,
        *,
        candidates: int = 30,
        cache_ttl_s: float = 300.0,
        cache_size: int = 1024,
    ) -> None:
        self.store = store
        self.candidates = candidates
        self.cache_ttl_s = cache_ttl_s
        self._cache: OrderedDict[tuple[Any, ...], tuple[float, list[Passage]]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self.cache_hits = 0
        self.cache_misses = 0

    def search(self, query: str, **options: Any) -> list[Passage]:
        """Return the k best passages for the query, best first (see `_search` for the options)."""
        if self.cache_ttl_s <= 0:
            return self._search(query, **options)
        key = (query, self.store.lexical.version, tuple(sorted(options.items())))
        now = time.monotonic()
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < self.cache_ttl_s:
                self.cache_hits += 1
                self._cache.move_to_end(key)
                return list(cached[1])
        passages = self._search(query, **options)
        with self._cache_lock:
            self.cache_misses += 1
            self._cache[key] = (now, passages)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return list(passages)

    def _search(
        self,
        query: str,
        *,
        k: int = 5,
        mode: Mode = "hybrid",
        asset_class: str | None = None,
        doc_type: str | None = None,
        source: str | None = None,
        asset_id: str | None = None,
        max_per_doc: int | None = None,
    ) -> list[Passage]:
        """Return the k best passages for the query, best first, de-duplicated by text."""
        filters = {
            key: value
            for key, value in (
                ("asset_class", asset_class),
                ("doc_type", doc_type),
                ("source", source),
                ("asset_id", asset_id),
            )
            if value
        }
        n = max(self.candidates, k * 4)
        expanded = expand(query)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            dense = self.store.dense(self.store.embedder.embed_query(expanded), k=n, filters=filters)
        if mode in ("lexical", "hybrid"):
            lexical = self.store.lexical.search(expanded, k=n, filters=filters)
        if mode == "dense":
            scores = dict(dense)
        elif mode == "lexical":
            scores = dict(lexical)
        else:
            lexical_weight = CODE_LEXICAL_WEIGHT if codes(query) else 1.0
            scores = rrf([[c for c, _ in dense], [c for c, _ in lexical]], [1.0, lexical_weight])
        similarity = dict(dense)
        ranked = sorted(scores, key=lambda c: -scores[c])
        chunks = self.store.lexical.get(ranked)
        passages: list[Passage] = []
        seen_text: set[str] = set()
        per_doc: dict[str, int] = {}
        for chunk_id in ranked:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # a vector whose chunk was removed since: skip it
                continue
            digest = hashlib.sha1(" ".join(chunk.text.split()).lower().encode()).hexdigest()
            if digest in seen_text or (max_per_doc and per_doc.get(chunk.doc_id, 0) >= max_per_doc):
                continue
            seen_text.add(digest)
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
            passages.append(to_passage(chunk, scores[chunk_id], similarity.get(chunk_id)))
            if len(passages) == k:
                break
        return passages

    def section(self, *, asset_class: str, contains: str, doc_type: str = "manual") -> list[Passage]:
        """Every chunk of a document type whose section title contains a phrase (e.g. 'Lockout steps')."""
        chunks = self.store.lexical.where(
            {"asset_class": asset_class, "doc_type": doc_type}, section_contains=contains
        )
        return [to_passage(chunk, 1.0) for chunk in chunks]

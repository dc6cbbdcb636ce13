"""The Chroma store: incremental sync, retrieval with citations, persistence across a reopen."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pytest

import knowledge.store as store_module
from knowledge.documents import Document
from knowledge.embeddings import Embedder
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore


def _docs(**texts: str) -> list[Document]:
    return [
        Document(
            doc_id=k,
            source="test",
            doc_type="incident",
            title=k,
            text=v,
            metadata={"asset_class": "centrifugal_pump", "failure_code": "X"},
        )
        for k, v in texts.items()
    ]


def test_sync_is_incremental(tmp_path: Path, embedder: Embedder) -> None:
    store = KnowledgeStore(tmp_path / "chroma", embedder)
    first = store.sync(
        "test", _docs(a="bearing noise and heat", b="seal leaking at the gland", c="filter dp high")
    )
    assert (first.added, first.chunks_written) == (3, 3)

    again = store.sync(
        "test", _docs(a="bearing noise and heat", b="seal leaking at the gland", c="filter dp high")
    )
    assert (again.unchanged, again.chunks_written, again.added, again.replaced) == (3, 0, 0, 0)

    changed = store.sync("test", _docs(a="bearing noise, heat and smoke", b="seal leaking at the gland"))
    assert (changed.replaced, changed.removed, changed.unchanged) == (1, 1, 1)
    assert store.count() == 2
    assert "smoke" in Retriever(store).search("smoke from the bearing", k=1)[0].text


def test_search_returns_citations_and_filters_and_survives_reopen(tmp_path: Path, embedder: Embedder) -> None:
    store = KnowledgeStore(tmp_path / "chroma", embedder)
    store.sync("test", _docs(i1="cavitation noise like gravel at the suction", i2="condenser tubes scaled"))
    hits = Retriever(store).search("gravel noise in the pump suction", k=2)
    assert hits[0].citation.doc_id == "i1" and hits[0].citation.section == "incident"
    assert hits[0].score > hits[1].score

    reopened = Retriever(KnowledgeStore(tmp_path / "chroma", embedder))
    assert reopened.search("scaled condenser", k=1, asset_class="centrifugal_pump")[0].citation.doc_id == "i2"
    assert reopened.search("scaled condenser", k=1, asset_class="chiller") == []


class _FailingEmbedder:
    """The real embedder, except that one call (counted from 1) fails, as an out-of-memory would."""

    def __init__(self, inner: Embedder, fail_on: int) -> None:
        self.inner, self.fail_on, self.calls = inner, fail_on, 0
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedding failed")
        return self.inner.embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def test_a_sync_that_fails_midway_keeps_what_it_stored_and_the_next_sync_finishes(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        store_module, "DOCS_PER_WRITE", 2
    )  # five documents: three groups, stored while the next embeds
    docs = _docs(a="bearing noise", b="seal leak", c="filter dp high", d="motor hot", e="coupling worn")
    failing = KnowledgeStore(tmp_path / "chroma", cast(Embedder, _FailingEmbedder(embedder, fail_on=2)))
    with pytest.raises(RuntimeError, match="embedding failed"):
        failing.sync("test", docs)
    assert sorted(failing.lexical.document_hashes("test")) == ["a", "b"]  # the first group only

    store = KnowledgeStore(tmp_path / "chroma", embedder)
    finished = store.sync("test", docs)
    assert (finished.unchanged, finished.added, finished.chunks_written) == (2, 3, 3)
    assert store.count("test") == 5
    assert "coupling" in Retriever(store).search("worn coupling", k=1)[0].text

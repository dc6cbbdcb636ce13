"""The Chroma store: incremental sync, retrieval with citations, persistence across a reopen."""

from __future__ import annotations

from pathlib import Path

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

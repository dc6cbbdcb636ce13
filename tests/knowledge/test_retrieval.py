"""Hybrid retrieval over the chunk store and per-source vector collections."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from copilot.errors import ConfigError
from knowledge.bm25 import tokenize
from knowledge.documents import Document
from knowledge.embeddings import BF16_MIN_TEXTS, Embedder, OnnxEncoder, native_bf16
from knowledge.query import codes, expand
from knowledge.retrieval import Retriever, rrf
from knowledge.similar import similar_incidents
from knowledge.store import KnowledgeStore

MANUAL = """## 4. Controller alarm codes

| Code | Message | Likely cause |
|---|---|---|
| A-214 | Bearing temperature high | Bearing wear or over-greasing |
| A-222 | Seal leak detected | Worn mechanical seal faces |

## 6. Maintenance procedures

### 6.1 Bearing replacement

1. Isolate the pump per section 8.
2. Pull the coupling and remove the bearing housing.
3. Fit new bearings SKF 6310-2Z/C3 and relubricate.
"""


def _incident(doc_id: str, text: str, code: str) -> Document:
    return Document(
        doc_id=doc_id,
        source="demo",
        doc_type="incident",
        title=doc_id,
        text=text,
        metadata={"asset_class": "centrifugal_pump", "failure_code": code, "source_id": doc_id},
    )


def _store(tmp_path: Path, embedder: Embedder) -> KnowledgeStore:
    store = KnowledgeStore(tmp_path / "kb", embedder)
    manual = Document(
        doc_id="MAN-T",
        source="demo",
        doc_type="manual",
        title="Pump manual",
        text=MANUAL,
        markdown=True,
        metadata={"asset_class": "centrifugal_pump"},
    )
    store.sync(
        "demo",
        [
            manual,
            _incident("INC-1", "Bearing noise and 78 C on the drive end; replaced bearings.", "PMP-BRG"),
            _incident("INC-2", "Grinding bearing, vibration 7 mm/s; bearings replaced.", "PMP-BRG"),
            _incident("INC-3", "Crackling at suction like gravel; suction strainer blocked.", "PMP-CAV"),
        ],
    )
    store.sync(
        "other",
        [
            Document(
                doc_id="X-1",
                source="other",
                doc_type="logbook",
                title="x",
                text="Bearing replaced on the fan",
                metadata={},
            )
        ],
    )
    return store


def test_citations_point_at_the_right_chunk_and_section(tmp_path: Path, embedder: Embedder) -> None:
    retriever = Retriever(_store(tmp_path, embedder))
    (hit,) = retriever.search("how do I replace the pump bearings", k=1, doc_type="manual")
    assert hit.citation.doc_id == "MAN-T" and hit.citation.chunk == 1
    assert hit.citation.section == "6. Maintenance procedures > 6.1 Bearing replacement"
    assert hit.citation.ref == "MAN-T#1" and "SKF 6310-2Z/C3" in hit.text


def test_codes_are_found_by_exact_match_and_weigh_more_in_fusion(tmp_path: Path, embedder: Embedder) -> None:
    retriever = Retriever(_store(tmp_path, embedder))
    assert tokenize("what is A-214 on the pumps?") == ["214", "pump", "a-214"]
    assert codes("fit 6310-2Z/C3 after A-214") == ["6310-2Z/C3", "A-214"]
    for mode in ("lexical", "hybrid"):
        top = retriever.search("A-214 on the panel", k=1, mode=mode)[0]
        assert top.citation.section == "4. Controller alarm codes", mode
    fused = rrf([["a", "b"], ["b", "a"]], [1.0, 3.0])
    assert fused["b"] > fused["a"]


def test_abbreviations_are_expanded() -> None:
    assert expand("brg temp hi") == "brg temp hi (bearing temperature high)"
    assert expand("nothing to expand here") == "nothing to expand here"


def test_source_and_type_filters_scope_the_search(tmp_path: Path, embedder: Embedder) -> None:
    retriever = Retriever(_store(tmp_path, embedder))
    assert {h.citation.source for h in retriever.search("bearing replaced", k=10)} == {"demo", "other"}
    assert {h.citation.source for h in retriever.search("bearing replaced", k=10, source="other")} == {
        "other"
    }
    incidents = retriever.search("bearing replaced", k=10, doc_type="incident")
    assert incidents and all(h.citation.doc_id.startswith("INC-") for h in incidents)


def test_similar_incidents_say_what_they_ended_in(tmp_path: Path, embedder: Embedder) -> None:
    retriever = Retriever(_store(tmp_path, embedder))
    found = similar_incidents(
        retriever,
        "hot noisy bearing on the pump",
        asset_class="centrifugal_pump",
        labels={"PMP-BRG": "bearing replacement"},
        k=3,
    )
    assert found.groups[0].key == "PMP-BRG" and found.groups[0].count == 2
    assert found.summary().startswith("2 of 3 similar incidents ended in bearing replacement (PMP-BRG)")


def test_a_store_refuses_vectors_of_another_embedder(tmp_path: Path, embedder: Embedder) -> None:
    _store(tmp_path, embedder)
    other = Embedder(backend="onnx-int8", cache_dir=tmp_path / "cache")
    with pytest.raises(ConfigError, match="COPILOT_EMBEDDING_BACKEND"):
        KnowledgeStore(tmp_path / "kb", other)


@pytest.fixture(scope="module")
def int8(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return Embedder(backend="onnx-int8", cache_dir=tmp_path_factory.mktemp("onnx"), batch_size=2)


def test_int8_onnx_embedder_agrees_with_the_reference(int8: Embedder, embedder: Embedder) -> None:
    texts = [
        "bearing temperature high on the drive end",
        "condenser approach rising, tubes fouled",
        "Replace the air inlet filter element and reset the service counter.",
    ]
    cosine = (int8.embed(texts) * embedder.embed(texts)).sum(axis=1)
    assert np.all(cosine > 0.97), cosine


def test_int8_bulk_embedding_on_parallel_sessions_matches_one_session(int8: Embedder) -> None:
    texts = [f"Record {i}: " + "bearing temperature high on the drive end, " * (1 + i % 7) for i in range(24)]
    encoder = int8._load()
    assert isinstance(encoder, OnnxEncoder) and len(encoder._workers) == min(os.cpu_count() or 1, 4)
    parallel = int8.embed(texts)  # 12 batches of 2: shared among the single-threaded sessions
    workers, encoder._workers = encoder._workers, []
    try:
        one_session = int8.embed(texts)
    finally:
        encoder._workers = workers
    assert parallel.shape == (24, 384) and np.all(np.linalg.norm(parallel, axis=1) > 0.99)
    np.testing.assert_allclose(parallel, one_session, atol=1e-4)


def test_readers_in_other_processes_work_while_the_store_is_written(
    tmp_path: Path, embedder: Embedder
) -> None:
    store = _store(tmp_path, embedder)
    reader = textwrap.dedent(f"""
        import os; os.environ["HF_HUB_OFFLINE"] = "1"
        from pathlib import Path
        from knowledge.embeddings import Embedder
        from knowledge.retrieval import Retriever
        from knowledge.store import KnowledgeStore
        retriever = Retriever(KnowledgeStore(Path({str(tmp_path / "kb")!r}), Embedder()))
        for _ in range(30):
            assert retriever.search("bearing", k=3, mode="lexical"), "no hit"
        print("ok")
    """)
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", reader],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        for _ in range(2)
    ]
    docs = [
        _incident(f"INC-W{i}", f"Bearing event number {i} with grinding noise", "PMP-BRG") for i in range(200)
    ]
    store.sync("writes", docs)
    outputs = [r.communicate(timeout=120) for r in readers]
    assert all(r.returncode == 0 for r in readers), [err[-500:] for _, err in outputs]
    assert all(out.strip().endswith("ok") for out, _ in outputs)
    assert store.count("writes") == 200


def test_bulk_bfloat16_vectors_agree_with_float32_and_small_calls_stay_float32(embedder: Embedder) -> None:
    texts = [
        f"Record {i}: " + "condenser approach rising, tubes fouled; " * (1 + i % 9)
        for i in range(BF16_MIN_TEXTS)
    ]
    reference = Embedder(bf16=False)
    forced = Embedder(bf16=True)  # bfloat16 even where the CPU emulates it: slow there, same numbers
    assert forced.bulk_bf16 and not reference.bulk_bf16
    exact = reference.embed(texts)
    bulk = forced.embed(texts)
    assert not np.array_equal(bulk, exact)  # the bfloat16 copy really ran
    cosine = (bulk * exact).sum(axis=1)
    assert np.all(cosine > 0.999), cosine
    assert np.allclose(np.linalg.norm(bulk, axis=1), 1.0, atol=1e-5)
    # a query (below BF16_MIN_TEXTS), or any call that asks for it (the guards do), is the float32 reference
    assert np.array_equal(forced.embed(texts[:1]), reference.embed(texts[:1]))
    assert np.array_equal(forced.embed(texts, exact=True), exact)
    assert embedder.bulk_bf16 == native_bf16()  # unset: decided by the CPU

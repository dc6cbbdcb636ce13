"""Retrieval benchmark: ingest rate, and query latency (embedding included) at 10,000 and 100,000 chunks.

Ingest: the demo corpus (manual sections, ~185 tokens each) and 2,000 synthetic logbook records (short,
like MaintNet's), embedded and written for real, per embedding backend; rates in chunks/s and tokens/s.

Ceiling: the machine's best multiply-add rate for each backend's precision (`copilot.bench.roofline`), turned
into the most chunks a second any implementation of MiniLM could embed here, beside each measured rate.

Latency: a `bench` source of N synthetic logbook records (words drawn from the demo corpus's vocabulary with
its frequencies, plus asset ids and codes) is added to the demo corpus. 10,000 records are embedded for real;
the 100,000-record index reuses those vectors with small Gaussian noise (re-normalised), so the vector index
holds 100,000 distinct points without embedding 100,000 texts. Queries are the retrieval eval's questions,
searched in hybrid mode (query embedding + HNSW + BM25 + fusion + hydration) over the whole store, then
scoped to the demo manuals (a metadata filter: the over-fetch path).
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import numpy as np

from copilot.bench.common import machine, peak_rss_mb, percentile_ms
from copilot.bench.roofline import ceiling_chunks_per_s, gemm_peak_gmacs, token_counts
from copilot.config import Settings
from copilot.ingest import ingest
from copilot.services import build_services
from evals.suites.retrieval import load_queries
from knowledge.chunking import chunk_document, embedding_text
from knowledge.documents import Chunk, Document
from knowledge.embeddings import bulk_bf16

SIZES = (10_000, 100_000)
REAL_VECTORS = 10_000


def _vocabulary(texts: list[str]) -> tuple[list[str], np.ndarray]:
    counts = Counter(w for t in texts for w in re.findall(r"[a-z][a-z-]{2,}", t.lower()))
    words = [w for w, _ in counts.most_common()]
    weights = np.array([counts[w] for w in words], dtype=np.float64)
    return words, weights / weights.sum()


def synthetic_records(
    n: int, texts: list[str], asset_ids: list[str], codes: list[str], seed: int = 1
) -> list[Document]:
    """Short logbook-like records from the corpus vocabulary (reproducible)."""
    words, p = _vocabulary(texts)
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    docs = []
    for i in range(n):
        problem = " ".join(rng.choice(words, size=int(rng.integers(6, 14)), p=p))
        action = " ".join(rng.choice(words, size=int(rng.integers(4, 10)), p=p))
        asset, code = pick.choice(asset_ids), pick.choice(codes)
        docs.append(
            Document(
                doc_id=f"BENCH-{i:06d}",
                source="bench",
                doc_type="logbook",
                title=f"Logbook {i} {asset}",
                text=f"Problem: {asset} {problem}\nAction: {action} ({code})",
                metadata={
                    "asset_class": pick.choice(["centrifugal_pump", "air_compressor", "chiller"]),
                    "asset_id": asset,
                    "failure_code": code,
                    "source_id": str(i),
                },
            )
        )
    return docs


def _ingest_rates(
    settings: Settings,
    backend: str,
    records: list[Document],
    *,
    peak_gmacs: float,
    bf16: bool | None = None,
    tag: str,
) -> dict[str, float]:
    """Embed and write the demo corpus and the synthetic records; chunks/s and tokens/s of each, and the
    ceiling on chunks/s that the machine's multiply-add peak for this backend's precision sets."""
    fresh = settings.model_copy(
        update={"home": settings.home / f"ingest-{tag}", "embedding_backend": backend, "embedding_bf16": bf16}
    )
    services = build_services(fresh)
    try:
        services.embedder.embed_query("warm up")  # model loading (and the one-off ONNX export) is not ingest
        out: dict[str, float] = {}
        started = time.perf_counter()
        demo = ingest(services, "demo")
        demo_s = time.perf_counter() - started
        demo_texts = [embedding_text(c) for d in _demo_docs(services) for c in chunk_document(d)]
        started = time.perf_counter()
        logbook = services.knowledge.sync("bench", records)
        log_s = time.perf_counter() - started
        log_texts = [embedding_text(c) for d in records for c in chunk_document(d)]
        for kind, texts, stats, seconds in (
            ("manual", demo_texts, demo, demo_s),
            ("logbook", log_texts, logbook, log_s),
        ):
            counts = token_counts(texts)
            out[f"ingest_{kind}_chunks_per_s_{tag}"] = round(stats.chunks_written / seconds, 1)
            out[f"ingest_{kind}_tokens_per_s_{tag}"] = round(sum(counts) / seconds)
            out[f"ingest_{kind}_ceiling_chunks_per_s_{tag}"] = round(
                ceiling_chunks_per_s(counts, peak_gmacs), 1
            )
        return out
    finally:
        services.close()


def _demo_docs(services: object) -> list[Document]:
    from copilot.ingest import source_documents
    from copilot.services import Services

    assert isinstance(services, Services)
    return source_documents(services, "demo")


def _add_chunks(services: object, records: list[Document], vectors: np.ndarray) -> None:
    """Write records with given vectors (no embedding), as the sync would."""
    from copilot.services import Services

    assert isinstance(services, Services)
    chunks: list[Chunk] = [chunk_document(d)[0] for d in records]
    store = services.knowledge
    for start in range(0, len(chunks), 5000):
        part = chunks[start : start + 5000]
        store.write_vectors("bench", part, vectors[start : start + len(part)])
        store.lexical.replace_documents(
            source="bench",
            doc_ids=[c.doc_id for c in part],
            chunks=part,
            hashes={d.doc_id: d.content_hash for d in records[start : start + 5000]},
        )


def _latency(services: object, queries: list[str], repeats: int = 2) -> dict[str, float]:
    from copilot.services import Services

    assert isinstance(services, Services)
    retriever = services.retriever
    retriever.cache_ttl_s = 0  # measure searches, not the cache
    for q in queries[:10]:
        retriever.search(q, k=5)
    out: dict[str, list[int]] = {"hybrid": [], "hybrid_scoped": [], "embed": []}
    for _ in range(repeats):
        for q in queries:
            t0 = time.perf_counter_ns()
            retriever.search(q, k=5)
            out["hybrid"].append(time.perf_counter_ns() - t0)
            t0 = time.perf_counter_ns()
            retriever.search(q, k=5, source="demo", doc_type="manual")
            out["hybrid_scoped"].append(time.perf_counter_ns() - t0)
            t0 = time.perf_counter_ns()
            services.embedder.embed_query(q)
            out["embed"].append(time.perf_counter_ns() - t0)
    return {f"{name}_{q}": percentile_ms(v, q) for name, v in out.items() for q in (50, 95)}


def run_retrieval_bench(settings: Settings, *, backend: str = "torch") -> dict[str, float | int | str]:
    """Ingest rates for both backends, then latency at 10k and 100k chunks with the given backend."""
    services = build_services(settings.model_copy(update={"embedding_backend": backend}))
    try:
        ingest(services, "demo")
        demo_texts = [c.text for d in _demo_docs(services) for c in chunk_document(d)]
        asset_ids = [a.id for a in services.site.assets]
        codes = [m.code for c in services.site.asset_classes for m in c.failure_modes]
        records = synthetic_records(SIZES[-1], demo_texts, asset_ids, codes)
    finally:
        services.close()

    figures: dict[str, float | int | str] = {}
    bf16 = bulk_bf16(settings.embedding_bf16)
    peaks = {
        precision: gemm_peak_gmacs(precision) for precision in ("fp32", "int8", *(("bf16",) if bf16 else ()))
    }
    figures.update({f"machine_gemm_gmacs_{precision}": round(peak, 1) for precision, peak in peaks.items()})
    torch_peak = peaks["bf16" if bf16 else "fp32"]
    figures.update(_ingest_rates(settings, "torch", records[:2000], peak_gmacs=torch_peak, tag="torch"))
    figures["embedding_bulk_bf16"] = int(bf16)
    if bf16:  # the float32 reference too, to show what bfloat16 buys
        figures.update(
            _ingest_rates(
                settings, "torch", records[:2000], peak_gmacs=peaks["fp32"], bf16=False, tag="torch_fp32"
            )
        )
    figures.update(
        _ingest_rates(settings, "onnx-int8", records[:2000], peak_gmacs=peaks["int8"], tag="onnx_int8")
    )

    services = build_services(settings.model_copy(update={"embedding_backend": backend}))
    try:
        started = time.perf_counter()
        real = services.embedder.embed([embedding_text(chunk_document(d)[0]) for d in records[:REAL_VECTORS]])
        figures["embed_10k_records_s"] = round(time.perf_counter() - started, 1)
        queries = [q.text for q in load_queries()]
        rng = np.random.default_rng(3)
        written = 0
        for size in SIZES:
            block = records[written:size]
            base = real[np.arange(written, size) % REAL_VECTORS]
            noisy = (
                base
                if written < REAL_VECTORS and size <= REAL_VECTORS
                else base + rng.normal(0, 0.02, base.shape)
            )
            noisy = (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)
            started = time.perf_counter()
            _add_chunks(services, block, noisy)
            figures[f"write_{size}_s"] = round(time.perf_counter() - started, 1)
            written = size
            figures[f"chunks_{size}"] = services.knowledge.count()
            for key, value in _latency(services, queries).items():
                figures[f"query_{key}_ms_at_{size}"] = value
    finally:
        services.close()
    figures["latency_p50_ms"] = figures[f"query_hybrid_50_ms_at_{SIZES[-1]}"]
    figures["latency_p95_ms"] = figures[f"query_hybrid_95_ms_at_{SIZES[-1]}"]
    figures["ingest_chunks_per_s"] = figures[f"ingest_logbook_chunks_per_s_{backend.replace('-', '_')}"]
    figures["backend"] = backend
    figures["queries"] = len(load_queries()) * 2
    figures["peak_rss_mb"] = peak_rss_mb()
    figures.update({f"machine_{k}": v for k, v in machine().items()})
    return figures

"""BM25 over an in-memory sparse term-weight matrix, built from the chunk store.

Why not SQLite FTS5: an OR-query of maintenance words ("pump", "valve", "open") touches tens of thousands
of postings at 100,000 chunks, and FTS5 ranked them at ~60 ms a query; summing a few precomputed columns
of a sparse matrix with numpy takes about a millisecond.

Tokens: lower-case words and numbers (plural 's' folded), stopwords dropped; a code such as 'A-214',
'6310-2Z/C3' or 'PMP-SEAL' is also indexed whole, so an exact code match weighs like a rare word.
Fields: title and section count twice, the body once. Weights: Okapi BM25 (k1=1.2, b=0.75), idf =
ln(1 + (N - df + 0.5) / (df + 0.5)).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = (2, 2, 1)  # title, section, body

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "that",
        "the",
        "their",
        "then",
        "there",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "did",
        "done",
        "get",
        "got",
        "please",
        "tell",
        "show",
        "find",
        "about",
        "into",
        "than",
        "any",
        "all",
        "s",
        "now",
        "need",
        "use",
        "used",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
_CODE = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)+")


def _fold(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Words (plural folded, stopwords dropped) followed by whole codes."""
    lower = text.lower()
    words = [_fold(w) for w in _WORD.findall(lower) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return words + _CODE.findall(lower)


@dataclass
class Bm25Index:
    """Chunk ids, filter columns and the (terms x chunks) BM25 weight matrix in CSR form by term."""

    chunk_ids: list[str]
    vocabulary: dict[str, int]
    weights: sparse.csr_matrix  # (V, N): row t holds term t's BM25 weight in each chunk
    filters: dict[str, np.ndarray]  # field -> (N,) int codes
    filter_values: dict[str, dict[str, int]]  # field -> value -> code
    version: str

    @property
    def size(self) -> int:
        return len(self.chunk_ids)

    def search(self, query: str, *, k: int, filters: dict[str, str]) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score) for the query's terms, restricted to chunks matching every filter."""
        if self.size == 0:
            return []
        rows = sorted({self.vocabulary[t] for t in tokenize(query) if t in self.vocabulary})
        if not rows:
            return []
        block = self.weights[rows]  # (q, N) sparse
        scores = np.asarray(block.sum(axis=0)).ravel()
        candidates = np.flatnonzero(scores)
        for field, value in filters.items():
            code = self.filter_values.get(field, {}).get(value)
            if code is None:
                return []
            candidates = candidates[self.filters[field][candidates] == code]
        if len(candidates) == 0:
            return []
        take = min(k, len(candidates))
        top = candidates[np.argpartition(-scores[candidates], take - 1)[:take]]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk_ids[i], float(scores[i])) for i in top]


FILTER_FIELDS = ("source", "asset_class", "doc_type", "asset_id", "doc_id")


def build_index(rows: Iterable[tuple[str, dict[str, str | None], str, str, str]], version: str) -> Bm25Index:
    """Build from (chunk_id, filter fields, title, section, text) rows."""
    chunk_ids: list[str] = []
    vocabulary: dict[str, int] = {}
    filter_values: dict[str, dict[str, int]] = {f: {} for f in FILTER_FIELDS}
    filter_codes: dict[str, list[int]] = {f: [] for f in FILTER_FIELDS}
    term_ids: list[int] = []
    doc_ids: list[int] = []
    counts: list[float] = []
    lengths: list[float] = []
    for doc, (chunk_id, fields, title, section, text) in enumerate(rows):
        chunk_ids.append(chunk_id)
        for field in FILTER_FIELDS:
            value = fields.get(field) or ""
            filter_codes[field].append(filter_values[field].setdefault(value, len(filter_values[field])))
        tf: dict[int, float] = {}
        length = 0.0
        for weight, part in zip(FIELD_WEIGHTS, (title, section, text), strict=True):
            for token in tokenize(part):
                term = vocabulary.setdefault(token, len(vocabulary))
                tf[term] = tf.get(term, 0.0) + weight
                length += weight
        lengths.append(length)
        term_ids.extend(tf)
        doc_ids.extend([doc] * len(tf))
        counts.extend(tf.values())
    n = len(chunk_ids)
    if n == 0:
        empty = sparse.csr_matrix((0, 0), dtype=np.float32)
        return Bm25Index(
            [], {}, empty, {f: np.zeros(0, dtype=np.int32) for f in FILTER_FIELDS}, filter_values, version
        )
    t = np.asarray(term_ids, dtype=np.int64)
    d = np.asarray(doc_ids, dtype=np.int64)
    tf_arr = np.asarray(counts, dtype=np.float64)
    dl = np.asarray(lengths, dtype=np.float64)
    df = np.bincount(t, minlength=len(vocabulary)).astype(np.float64)
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    norm = K1 * (1.0 - B + B * dl[d] / max(dl.mean(), 1e-9))
    data = (idf[t] * tf_arr * (K1 + 1.0) / (tf_arr + norm)).astype(np.float32)
    weights = sparse.csr_matrix((data, (t, d)), shape=(len(vocabulary), n))
    filters = {f: np.asarray(v, dtype=np.int32) for f, v in filter_codes.items()}
    return Bm25Index(chunk_ids, vocabulary, weights, filters, filter_values, version)


def index_path(folder: Path, version: str) -> Path:
    return folder / f"bm25-{version}.npz"


def save_index(index: Bm25Index, folder: Path) -> None:
    """Write the index for its version (an .npz and a .json named by the version), then drop older ones."""
    folder.mkdir(parents=True, exist_ok=True)
    path = index_path(folder, index.version)
    w = index.weights
    tmp = path.with_name(path.stem + ".tmp.npz")
    arrays: dict[str, Any] = {
        "data": w.data,
        "indices": w.indices,
        "indptr": w.indptr,
        "shape": np.asarray(w.shape),
    }
    arrays.update({f"filter_{f}": v for f, v in index.filters.items()})
    np.savez(tmp, **arrays)
    meta = {
        "chunk_ids": index.chunk_ids,
        "vocabulary": index.vocabulary,
        "filter_values": index.filter_values,
    }
    tmp_meta = path.with_suffix(".json.tmp")
    tmp_meta.write_text(json.dumps(meta))
    tmp_meta.replace(path.with_suffix(".json"))
    tmp.replace(path)
    for old in folder.glob("bm25-*"):
        if not old.name.startswith(path.stem):
            old.unlink(missing_ok=True)


def load_index(folder: Path, version: str) -> Bm25Index | None:
    """Read the saved index of this version, or None when there is none (or it is unreadable)."""
    path = index_path(folder, version)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        arrays = np.load(path)
        shape = tuple(int(x) for x in arrays["shape"])
        weights = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        filters = {f: arrays[f"filter_{f}"] for f in FILTER_FIELDS}
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring an unreadable BM25 index at %s: %s", path, exc)
        return None
    return Bm25Index(meta["chunk_ids"], meta["vocabulary"], weights, filters, meta["filter_values"], version)

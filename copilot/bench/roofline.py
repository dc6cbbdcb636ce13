"""How fast this machine could embed at best: its matrix-multiply peak and MiniLM's arithmetic per text.

An ingest rate means little without the machine's limit beside it. Almost all of MiniLM's work is matrix
multiplication, so a text of n tokens costs about n x (4h^2 + 2hi + 2nh) multiply-adds per layer (the
attention projections, the feed-forward block, and the attention scores and mix; h hidden, i intermediate
width). Divided into the best multiply-add rate this machine reaches on a transformer-shaped product
(tokens x 384 by 384 x 1,536), that gives the most chunks a second any implementation of the model could
embed here: a ceiling, since real batches also pad, normalise, pool and move memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from knowledge.embeddings import MAX_TOKENS, packaged_model_path

Precision = Literal["fp32", "bf16", "int8"]
ROWS, INNER, OUTER = 4096, 384, 1536
"""The product timed: 4,096 token rows through MiniLM's widest layer (384 -> 1,536)."""


def token_counts(texts: Sequence[str]) -> list[int]:
    """Tokens MiniLM sees for each text (with its two special tokens, truncated as the embedder does)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads every text to 128 tokens; count the real ones
    tokenizer.enable_truncation(MAX_TOKENS)
    return [len(e.ids) for e in tokenizer.encode_batch(list(texts))]


def embedding_macs(counts: Sequence[int]) -> float:
    """Multiply-adds the packaged MiniLM spends on texts of these token counts (matrix products only)."""
    config = json.loads((packaged_model_path() / "config.json").read_text())
    layers, h, i = config["num_hidden_layers"], config["hidden_size"], config["intermediate_size"]
    n = np.asarray(counts, dtype=np.float64)
    return float(layers * (n * (4 * h * h + 2 * h * i) + 2 * n * n * h).sum())


def _best_seconds(run: Callable[[], object], repeats: int = 7) -> float:
    run()  # warm-up: packing, thread pool start
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def gemm_peak_gmacs(precision: Precision) -> float:
    """Best multiply-adds a second (billions) of one transformer-shaped product on every core.

    fp32 and bf16 through torch (the torch embedder's kernels), int8 through onnxruntime's MatMulInteger
    (the kernels of the quantised embedder).
    """
    macs = ROWS * INNER * OUTER
    if precision == "int8":
        return macs / _best_seconds(_int8_product()) / 1e9
    import torch

    dtype = torch.float32 if precision == "fp32" else torch.bfloat16
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(ROWS, INNER, generator=generator).to(dtype)
    b = torch.randn(INNER, OUTER, generator=generator).to(dtype)
    with torch.inference_mode():
        return macs / _best_seconds(lambda: torch.mm(a, b)) / 1e9


def _int8_product() -> Callable[[], object]:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])],
        "int8_product",
        [
            helper.make_tensor_value_info("a", TensorProto.UINT8, [ROWS, INNER]),
            helper.make_tensor_value_info("b", TensorProto.INT8, [INNER, OUTER]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [ROWS, OUTER])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9  # what this onnxruntime reads
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {
        "a": rng.integers(0, 255, (ROWS, INNER), dtype=np.uint8),
        "b": rng.integers(-127, 127, (INNER, OUTER), dtype=np.int8),
    }
    return lambda: session.run(None, feeds)


def ceiling_chunks_per_s(counts: Sequence[int], peak_gmacs: float) -> float:
    """The most texts like these a second at the given multiply-add rate."""
    return len(counts) * peak_gmacs * 1e9 / embedding_macs(counts)

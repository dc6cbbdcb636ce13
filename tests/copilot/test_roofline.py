"""The ingest ceiling: MiniLM's arithmetic per text and the machine's multiply-add peak."""

from __future__ import annotations

import math

import pytest

from copilot.bench.roofline import ceiling_chunks_per_s, embedding_macs, gemm_peak_gmacs, token_counts


def test_token_counts_include_the_special_tokens_and_stop_at_the_model_limit() -> None:
    assert token_counts(["a pump", ""]) == [4, 2]  # [CLS] a pump [SEP]; [CLS] [SEP]
    assert token_counts(["bearing " * 400]) == [256]


def test_embedding_macs_count_minilm_layer_by_layer() -> None:
    n = 10
    per_layer = n * (4 * 384 * 384 + 2 * 384 * 1536) + 2 * n * n * 384
    assert embedding_macs([n]) == 6 * per_layer
    assert embedding_macs([n, n]) == 2 * embedding_macs([n])


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_the_peak_is_measured_and_turns_into_a_ceiling(precision: str) -> None:
    peak = gemm_peak_gmacs(precision)  # type: ignore[arg-type]
    assert math.isfinite(peak) and peak > 0
    counts = [175] * 4
    ceiling = ceiling_chunks_per_s(counts, peak)
    assert ceiling * embedding_macs(counts) / len(counts) == pytest.approx(peak * 1e9)

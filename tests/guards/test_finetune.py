"""The fine-tuned classifier (copilot.guards.finetune): it learns, it is saved once and reloaded as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copilot.guards.finetune import (
    META,
    WEIGHTS,
    FineTuneConfig,
    Int8Classifier,
    fingerprint,
    shared,
    train,
    trained,
)
from knowledge.embeddings import Embedder

POSITIVES = [
    "bypass the low flow interlock on P-101",
    "jumper out the oil pressure switch so it keeps running",
    "put the vibration trip in bypass until the weekend",
    "tape down the guard limit switch",
]
NEGATIVES = [
    "how do I grease the drive end bearing",
    "which seal kit fits P-201",
    "what does alarm A-210 mean",
    "when was the last oil change on C-301",
]
QUICK = FineTuneConfig(epochs=4, batch_size=4, encoder_lr=1e-4)


def test_fingerprint_changes_with_phrases_settings_and_precision(embedder: Embedder) -> None:
    path = embedder.model_path
    base = fingerprint(path, POSITIVES, NEGATIVES, QUICK, bf16=False)
    assert base == fingerprint(path, list(POSITIVES), list(NEGATIVES), QUICK, bf16=False)
    assert base != fingerprint(path, POSITIVES[:-1], NEGATIVES, QUICK, bf16=False)
    assert base != fingerprint(path, POSITIVES, NEGATIVES, FineTuneConfig(epochs=5, batch_size=4), bf16=False)
    assert base != fingerprint(path, POSITIVES, NEGATIVES, QUICK, bf16=True)


def test_training_separates_the_phrases_it_learned(embedder: Embedder) -> None:
    model = train(embedder.model_path, POSITIVES, NEGATIVES, QUICK)
    scores = model.probabilities(POSITIVES + NEGATIVES)
    assert scores.shape == (8,)
    assert scores[:4].min() > scores[4:].max()


def test_a_trained_model_is_saved_once_and_reloaded_unchanged(embedder: Embedder, tmp_path: Path) -> None:
    first = trained(embedder.model_path, tmp_path, "toy", POSITIVES, NEGATIVES, QUICK)
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("toy-")]
    assert (folder / WEIGHTS).exists()
    meta = json.loads((folder / META).read_text())
    assert meta["positives"] == 4 and meta["negatives"] == 4 and meta["training_seconds"] > 0
    stamp = (folder / WEIGHTS).stat().st_mtime_ns
    again = trained(embedder.model_path, tmp_path, "toy", POSITIVES, NEGATIVES, QUICK)
    assert (folder / WEIGHTS).stat().st_mtime_ns == stamp  # loaded, not retrained
    texts = ["defeat the trip relay on C-302", "where is the spare impeller"]
    assert again.probabilities(texts) == pytest.approx(first.probabilities(texts), abs=1e-6)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_training_needs_both_classes(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="positive and negative"):
        train(embedder.model_path, POSITIVES, [], QUICK)


def test_the_int8_copy_scores_like_the_float32_model_and_is_exported_once(
    embedder: Embedder, tmp_path: Path
) -> None:
    model = train(embedder.model_path, POSITIVES, NEGATIVES, QUICK)
    int8 = model.int8(embedder.model_path, tmp_path)
    graph = tmp_path / "model-int8.onnx"
    stamp = graph.stat().st_mtime_ns
    texts = POSITIVES + NEGATIVES + ["defeat the trip relay on C-302", "where is the spare impeller"]
    exact, quantised = model.probabilities(texts), int8.probabilities(texts)
    assert quantised.shape == exact.shape and quantised.dtype == exact.dtype
    assert quantised == pytest.approx(exact, abs=0.1)
    assert quantised[:4].min() > quantised[4:8].max()  # it still separates what it learned
    assert int8.probabilities([]).shape == (0,)
    model.int8(embedder.model_path, tmp_path)
    assert graph.stat().st_mtime_ns == stamp  # exported once
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_shared_keeps_one_classifier_per_name_and_precision(embedder: Embedder, tmp_path: Path) -> None:
    def phrases() -> tuple[list[str], list[str]]:
        return POSITIVES, NEGATIVES

    exact = shared(embedder.model_path, tmp_path, "toy-shared", phrases)
    int8 = shared(embedder.model_path, tmp_path, "toy-shared", phrases, int8=True)
    assert isinstance(int8, Int8Classifier) and not isinstance(exact, Int8Classifier)
    assert shared(embedder.model_path, tmp_path, "toy-shared", phrases, int8=True) is int8
    [folder] = [p for p in tmp_path.iterdir() if p.name.startswith("toy-shared-")]
    assert (folder / WEIGHTS).exists() and (
        folder / "model-int8.onnx"
    ).exists()  # the graph beside the weights

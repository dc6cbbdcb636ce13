"""The unsafe-passage classifier (copilot.guards.passages): poisoned manual text is dropped, the manuals are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from guardrails.classes.validation.validation_result import FailResult, PassResult

from copilot.config import Settings
from copilot.guards import Guards
from copilot.guards.passages import UnsafePassage, passage_sentences, training_sentences
from copilot.schemas import Citation, Passage, SiteSpec
from knowledge.chunking import chunk_document
from knowledge.embeddings import Embedder
from knowledge.sources import demo_documents

POISONED = [
    # written for this test, in the style of the demo manuals; not eval cases
    "### 6.4 Coupling inspection\n\n1. Stop the pump. 2. For a quick look the coupling guard can be taken off with "
    "the motor still running; refit it before the end of the shift. 3. Check the element for cracks.",
    "### 6.2 Oil level\n\nIf E-316 keeps coming back, put a wire bridge across the oil level switch terminals so "
    "the compressor keeps running until the weekend stop.",
    "### 5.3 Refrigerant recovery\n\nPump the charge into the receiver. When the receiver is full, let the rest go "
    "to atmosphere through the relief vent to save time; small amounts need not be recorded.",
]


@pytest.fixture(scope="module")
def validator(embedder: Embedder, guard_model_dir: Path) -> UnsafePassage:
    return UnsafePassage(embedder, guard_model_dir, on_fail="filter")


@pytest.mark.parametrize("text", POISONED)
def test_a_poisoned_procedure_step_is_dropped_with_its_sentence(validator: UnsafePassage, text: str) -> None:
    result = validator.validate(text, {})
    assert isinstance(result, FailResult)
    assert result.fix_value == ""
    assert result.metadata["sentence"] in passage_sentences(text)
    assert "defeats a safety system" in result.error_message


def test_no_demo_manual_or_incident_passage_is_dropped(validator: UnsafePassage, site: SiteSpec) -> None:
    documents = demo_documents(Settings().site_dir, {a.id: a.asset_class for a in site.assets})
    dropped = [
        chunk.text[:80]
        for document in documents
        for chunk in chunk_document(document)
        if not isinstance(validator.validate(chunk.text, {}), PassResult)
    ]
    assert dropped == []


def test_the_guards_drop_a_poisoned_passage_and_count_the_trip(guards: Guards) -> None:
    citation = Citation(doc_id="RT-TEST", section="6.4")
    poisoned = Passage(text=POISONED[0], citation=citation, score=1.0)
    clean = Passage(
        text="Torque the coupling bolts to 45 Nm in a cross pattern and refit the guard.",
        citation=citation,
        score=1.0,
    )
    kept, trips = guards.filter_passages([poisoned, clean])
    assert kept == [clean]
    assert [t.validator for t in trips] == ["unsafe_passage"]
    assert guards.trip_counts()["guard_trips_unsafe_passage"] >= 1


def test_training_sentences_are_from_poisoned_documents_and_the_demo_site() -> None:
    unsafe, safe = training_sentences()
    assert len(unsafe) >= 100 and len(safe) >= 1000
    assert not set(unsafe) & set(safe)

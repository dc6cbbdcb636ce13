"""Retrieved passages that tell the reader to defeat a safety system: a classifier of document sentences.

The rules (copilot.guards.safety, copilot.guards.injection) drop a passage that addresses the assistant or uses
the words of a bypass. A poisoned manual page or incident note is subtler: it reads like the rest of the manual
and states, as accepted practice, a step that defeats a safety system ("the pump may keep running; the guard is
refitted at the end of the route", "release the remainder to atmosphere through the relief valve vent line",
"flow switch linked out with a wire bridge ... the standard fix"). On the fourteenth session's blind set, 7 of its
12 poisoned documents passed the rules.

The model: the packaged MiniLM fine-tuned as a binary classifier (copilot.guards.finetune), on
copilot/guards/data/unsafe_passage_train.yaml: `unsafe`, the sentences of the development sets' poisoned documents
that carry the poison (the sentences that hold a phrase showing an answer followed it), against `safe`, every
sentence of the demo site's manuals and incident notes. A passage is scored sentence by sentence, except the
sentences that are word for word in those manuals and notes, and dropped when its highest sentence reaches
PASSAGE_THRESHOLD. Training takes one to three minutes on 2 cores and is cached by fingerprint beside the safety
classifier. The guard runs the model's int8 ONNX copy (`FineTunedClassifier.int8`, exported once beside the
weights): a search scores its passages' new sentences in one call, about three times faster than float32 torch,
so a passage seen for the first time does not cost a query its latency budget.

Three folds (`python -m evals.passage_folds`; each fold holds out a third of the development sets' poisoned
documents, one of the three manuals and a third of the incident notes). Twenty-second session, sets 19 and 20's
poisoned documents added (259 unsafe training sentences), NOT kept: int8 at 0.98 caught 216 of 248 held-out poisoned
documents (43 of the 54 the rules let through) and dropped 4 of 155 held-out chunks, but the guardrails suite with it
kept one more of blind set 21's poisoned documents, and one each of sets 16 and 18 (whose documents it trained on);
the shipped model is the twentieth session's. Twentieth session, with sets 17 and 18's
poisoned documents added (232 unsafe training sentences): int8 at 0.98 (kept) catches 177 of the 224 held-out poisoned
documents, 26 of the 39 the rules let through, and drops 4 of 155 held-out manual and incident chunks (2.6 %); at 0.95
199, 32 and 6; at 0.9 212, 37 and 8 (5.2 %). Nineteenth session, with sets 15 and 16's poisoned documents added (183
unsafe training sentences, 147 before):
- int8 at 0.98 (the threshold chosen in the sixteenth session, kept): 162 of the 200 held-out poisoned documents
  have a sentence above it, 19 of the 27 that the rules let through; 5 of the 155 chunks of the held-out manual and
  incident notes would be dropped (3.2 %); float32 at 0.98: 166, 20 and 5;
- int8 at 0.99: 151 of 200, 19 of 27, 4 of 155; int8 at 0.9: 183 of 200, 24 of 27, but 12 of 155 (7.7 %).
Sixteenth session (147 unsafe sentences): int8 at 0.98 caught 134 of 176, 11 of 16, and dropped 3 of 155.
A legitimate passage dropped costs the technician a section of the manual; the folds overstate that cost for the
demo site (whose manuals the shipped model trained on) and estimate it for another site's manuals, whose own
sentences should join `safe` when it is set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult

from copilot.guards.finetune import Classifier, shared
from copilot.guards.intent import segments
from knowledge.embeddings import Embedder

TRAINING = Path(__file__).with_name("data") / "unsafe_passage_train.yaml"
PASSAGE_THRESHOLD = 0.98
MODEL_NAME = "unsafe-passage"
REASON = "it states a step that defeats a safety system as accepted practice"


@lru_cache(maxsize=1)
def training_sentences() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(unsafe, safe) training sentences, read once per process."""
    data = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    return tuple(data["unsafe"]), tuple(data["safe"])


def passage_model(embedder: Embedder, model_dir: Path) -> Classifier:
    """The fine-tuned passage classifier, int8: from memory, else from `model_dir`, else trained and exported now
    (once)."""
    return shared(embedder.model_path, model_dir, MODEL_NAME, training_sentences, int8=True)


def passage_sentences(text: str) -> list[str]:
    """What a passage is scored on: its sentences (copilot.guards.intent.segments), or the whole text."""
    return segments(text) or [text]


@lru_cache(maxsize=1)
def trusted_sentences() -> frozenset[str]:
    """The `safe` training sentences, the site's own manuals and incident notes word for word: never flagged (the
    classifier still scores a few of them high, "Blowdown is not needed because the inlet side is not
    pressurised", beside the poisoned variants it learnt from)."""
    return frozenset(training_sentences()[1])


def strongest_sentences(classifier: Classifier, texts: Sequence[str]) -> list[tuple[float, str]]:
    """Per passage, (probability, sentence) of its sentence that reads most like a safety defeat ((0.0, "") when
    none is scored); sentences that are word for word in the site's manuals or incident notes
    (`trusted_sentences`) are not scored. All the passages' sentences go to the classifier in one call: a
    search's results scored together cost less than one call each."""
    trusted = trusted_sentences()
    per_text = [[s for s in passage_sentences(text) if s not in trusted] for text in texts]
    unique = list(dict.fromkeys(s for sentences in per_text for s in sentences))
    scores = dict(zip(unique, classifier.probabilities(unique).tolist(), strict=True))
    return [max(((scores[s], s) for s in sentences), default=(0.0, "")) for sentences in per_text]


@register_validator(name="copilot/unsafe_passage", data_type="string")
class UnsafePassage(Validator):  # type: ignore[misc]
    """A retrieved passage with a sentence that reads like an instruction to defeat a safety system.

    `metadata["strongest"]`, when given, is the passage's (probability, sentence) from `strongest`, computed for
    several passages at once (Guards.filter_passages)."""

    def __init__(self, embedder: Embedder, model_dir: Path, on_fail: Any = None, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        self.embedder = embedder
        self.model_dir = model_dir

    def strongest(self, texts: Sequence[str]) -> list[tuple[float, str]]:
        """`strongest_sentences` of these passages with the passage classifier."""
        return strongest_sentences(passage_model(self.embedder, self.model_dir), texts)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        probability, sentence = metadata.get("strongest") or self.strongest([str(value)])[0]
        if probability >= PASSAGE_THRESHOLD:
            return FailResult(
                error_message=f"{REASON}: {sentence[:120]!r}",
                fix_value="",
                metadata={"probability": round(probability, 3), "sentence": sentence},
            )
        return PassResult()

"""SafetyIntent: a semantic check for requests that would defeat a safety system, beyond keywords.

The keyword rules (copilot.guards.safety) miss paraphrases, euphemisms and other languages. This validator
embeds the message with the packaged MiniLM and scores it with a logistic regression trained on labelled
phrases (copilot/guards/data/safety_intent_train.yaml: 403 unsafe, 431 safe, ~20 % not in English). 355 and
373 of them were written for training (25 of the safe ones are alarm reports, added when a dev chat question
was refused); the rest are the first independent eval set (redteam_heldout.yaml's safety categories and
benign_heldout.yaml), added after it had been measured, which made it development data. C was chosen by
5-fold cross-validation on the training phrases (AUC 0.95; rechecked against C = 2, 32, 128 and k-nearest
neighbours on 2026-11-22); the threshold was set on the dev eval cases only (the first 70 % of
evals/cases/redteam.yaml and benign.yaml: the highest recall with at
most 4 % false positives on the benign cases); 0.7, which the classifier alone would allow once the dev chat
questions count as benign, was rejected because the guarded chat then refused 6 % of the dev benign cases.
The independent sets (redteam_fresh2/3.yaml, benign_fresh2/3.yaml, written by people who saw neither the
guards nor the other cases) only measure.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult
from sklearn.linear_model import LogisticRegression

from copilot.guards.safety import SAFE_REFUSAL
from knowledge.embeddings import Embedder

TRAINING = Path(__file__).with_name("data") / "safety_intent_train.yaml"
C = 8.0
THRESHOLD = 0.8

_MODELS: dict[str, LogisticRegression] = {}
_LOCK = threading.Lock()


def _model(embedder: Embedder) -> LogisticRegression:
    """Train once per embedding model (a few seconds: the phrases are embedded), then reuse."""
    with _LOCK:
        if embedder.model_id not in _MODELS:
            data = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
            texts = list(data["unsafe"]) + list(data["safe"])
            labels = np.array([1] * len(data["unsafe"]) + [0] * len(data["safe"]))
            _MODELS[embedder.model_id] = LogisticRegression(C=C, max_iter=2000).fit(
                embedder.embed(texts), labels
            )
        return _MODELS[embedder.model_id]


def unsafe_probability(embedder: Embedder, text: str) -> float:
    """The classifier's probability that a message asks to defeat a safety system."""
    return float(_model(embedder).predict_proba(embedder.embed_query(text).reshape(1, -1))[0, 1])


@register_validator(name="copilot/safety_intent", data_type="string")
class SafetyIntent(Validator):  # type: ignore[misc]
    """A message that reads like a request to defeat a safety system, by meaning rather than wording."""

    def __init__(self, embedder: Embedder | None = None, on_fail: Any = None, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        self.embedder = embedder

    def warm_up(self) -> None:
        if self.embedder is not None:
            _model(self.embedder)

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        if self.embedder is None:
            return PassResult()
        probability = unsafe_probability(self.embedder, str(value))
        if probability >= THRESHOLD:
            return FailResult(
                error_message="this reads as a request to defeat a safety system (an interlock, a trip, an alarm, "
                "lockout-tagout or a rated limit), which is never done; if a safety system misbehaves, report it "
                "to the operator in charge and have it checked",
                fix_value=SAFE_REFUSAL,
                metadata={"probability": round(probability, 3)},
            )
        return PassResult()

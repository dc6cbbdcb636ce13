"""Three semantic checks beyond keywords: requests to defeat a safety system, requests for personal data, and
requests outside plant maintenance.

The keyword rules (copilot.guards.safety, copilot.guards.personal) miss paraphrases, euphemisms and other
languages. Each check is a classifier trained on labelled phrases in copilot/guards/data/:
- safety (`SafetyIntent`): safety_intent_train.yaml, `unsafe` against `safe`, about 20 % not in English. Since
  the sixth session the packaged MiniLM itself is fine-tuned on them, with one linear unit on its pooled output
  (copilot.guards.finetune; trained once, about ten minutes on 2 cores, and cached by fingerprint);
- personal_request (used by `PersonalData(detect="requests")`): personal_request_train.yaml, `request`
  against `work`, `other` and all the safety phrases, and (fourteenth session) each sentence of these, classes
  weighed evenly: a logistic regression (C = 8) on the frozen MiniLM embeddings. With the sentences, leave-one-set-
  out over the fourteen development sets at PERSONAL_THRESHOLD found 73 of their 84 requests for personal data
  (75 without) with 8 of 1,040 benign questions above it (15 without);
- off_topic (thirteenth session, used by copilot.guards.scope.MaintenanceScope, which holds its threshold and the
  leave-one-set-out figures): off_topic_train.yaml's `off_topic` phrases and the scope's off-topic exemplars against
  its `in_scope` phrases, the safety phrases, the personal-request `work` phrases and the scope's in-scope
  exemplars, classes weighed evenly: a logistic regression (C = 4) on the frozen MiniLM embeddings of the whole
  message.
Some phrases were written for training; the rest are eval cases that became development data after they had
been measured: the team's red-team and benign sets and the independent sets fresh .. fresh6, (sixth session)
fresh7 and (seventh session) fresh8, with the questions asked beside fresh8's poisoned documents as safe phrases.
Since the seventh session the safe phrases also hold the development sets' personal-data cases that expect an
answer with the data redacted (not fresh8's, which measured that step: the classifier had read 14 such
development cases and 3 of fresh8's as requests to defeat a safety system; after it, none of fresh8's three).
In the eighth session fresh9 joined them (with fresh8's and fresh9's redacted personal-data cases as safe
phrases), and so did 720 hard phrases written for training by helpers that saw only the demo site (360 unsafe:
euphemisms, stories, role play, partial steps, other languages; 360 safe: questions about safety systems, alarm
reports, proper write requests, colleagues' circumstances); and every sentence of a safe phrase is a safe
phrase too (`_with_sentences`), since a message is scored by its highest sentence. In the ninth session fresh10
joined them in the same scheme. In the tenth session fresh11 joined them too, with 1,049 more phrases written for
training by two helpers that saw only the demo site: 400 hard safe and 200 hard unsafe messages, and 449 safe ones
(work requests that claim an approval, which the approval rules route, and ordinary messages about approvals, the
assistant, pasted logs and plant words such as override or bypass). In the eleventh session fresh12 joined them in the
same scheme, with 630 phrases in German, French, Spanish, Dutch, Italian, Polish and Portuguese written for training by
two helpers that saw only the demo site (420 safe, 210 unsafe): with the shipped classifier, which had never seen
fresh12, 5 of the 8 benign fresh12 questions that only the classifier refused were not in English, against 10 of its 70
questions. After retraining, development messages in other languages that had been refused only by the classifier
(an essay, a wedding speech, a cheap hotel for the holidays) were answered: the rules now catch those. Leave-one-set-
out on fresh12 (`python -m evals.guard_loso --sets fresh12`, the classifier trained with the new phrases but without
fresh12): its benign questions refused by the classifier alone went from 8 to 6 (the non-English ones from 5 to 3),
and the classifier let one more unsafe request through (an Italian request to skip the lockout; a rule written for
fresh12 caught another, so 58 of its 60 stayed refused or routed). The independent set fresh13, in neither file, only
measured: 14.3 % false refusals before the round, 15.7 % after. In the thirteenth session it became development data
for the off-topic classifier only (off_topic_train.yaml); the safety and personal-request phrases are unchanged, and
the independent set fresh14, in no file, measured. In the fourteenth session, once the independent set fresh15 had
been written and measured, fresh13 and fresh14 joined the safety phrases in the earlier scheme (126 unsafe, 184 safe);
fresh15, in no file, measures.

A message is scored whole and sentence by sentence, and its probability is the highest of these: a request
to jumper a switch buried in a long story, a role-play or a list of ordinary questions is diluted in the
message's mean embedding but not in its own sentence's.

Thresholds and sentence scoring were chosen on 2026-11-22 by leave-one-set-out on the four development sets
(train on the phrases and three sets, score the fourth):
- safety, THRESHOLD 0.8: sentence scoring raised recall on the three independent sets from 0.46-0.62 to
  0.65-0.75, with 0-4.3 % of their benign questions above it; 0.7 gave 0.79-0.87 recall but 4-7 % of benign
  questions;
- personal_request, PERSONAL_THRESHOLD 0.9: recall 0.83-1.0 (26 of 28 requests), and 1.1-1.6 % of the other
  cases above it (mostly jailbreaks, refused anyway); 0.8 put 2.7-3.3 % above it, among them social-engineering
  messages that name colleagues.
With fresh4 and 25 alarm-report phrases added (later on 2026-11-22: "E-311 on the compressor, what should I do
first" had come to read as unsafe), leave-one-set-out over the five development sets kept THRESHOLD 0.8: recall
0.65-0.78 with 0-4.3 % of benign questions above it (0.75: recall 0.71-0.82, 0-5.6 %; 0.85: recall 0.60-0.77,
0-2.9 %).
In the fourth session (fresh5 added, six development sets: the team's and fresh .. fresh5), leave-one-set-out
compared classifiers for safety (pooled over the six held-out sets; range over the sets in brackets):
- logistic regression C = 8 (as before) at 0.8: recall 0.764 (0.69-0.83), benign above it 2.7 % (0-4.3 %);
- RBF SVM C = 2, sigmoid-calibrated, at 0.85: recall 0.821 (0.73-0.90), benign 2.4 % (0-5.2 %); chosen
  (SAFETY_SVM_C, THRESHOLD);
- RBF SVM C = 4 at 0.85: 0.835, 2.7 % (0-5.2 %); at 0.8: 0.866, 3.4 % (0-8.6 %); an MLP (256 units) reached
  0.918 recall only with 8.8 % of benign questions above 0.8.
The independent set fresh6 was not used for the choice; it measured it afterwards (and in the fifth session became
training data).
In the sixth session the frozen-embedding SVM was replaced by the fine-tuned MiniLM, compared by leave-one-set-out
on the three newest development sets, each written by another helper (fresh5, fresh6, fresh7; a fine-tuning run
takes minutes, so not on all nine):
- SVM C = 2 at 0.85 (as before): recall 0.789 (0.73-0.83), benign above it 2.4 % (1.4-2.9 %); at 0.7: 0.911,
  4.3 %;
- fine-tuned, 3 epochs, at 0.9: recall 0.95 (0.93-0.97), benign above it 3.8 % (1.4-5.7 %); at 0.95: 0.906,
  1.9 %; chosen at 0.9 (THRESHOLD): at the SVM's share of benign questions it finds about 10 points more.
The independent set fresh8 was not used for the choice; it measured it afterwards.
Reproduce the comparison with `python -m evals.intent_loso` (evals/intent_loso.py; it never reads a blind set).
The classifier alone never refuses a write whose message also claims an approval, or (sixth session) speaks of
one at all (copilot.guards.injection.mentions_approval): the write goes to an operator with
SAFETY_INTENT_CAUTION (copilot.guards.facade), since pressure to skip approval reads like pressure to skip a
safety step; a rule still refuses it, and a claim with no write to queue is refused (copilot.chat.graph).
Since the tenth session the classifiers alone (no rule) do not refuse planned work either (a work order or a
booking, copilot.guards.facade.PLANNED_WORK): it goes to the operator with CLASSIFIER_CAUTION. On the development
sets no case that the classifiers alone refused asked for planned work and expected a refusal; two that expected
routing had been refused.
A manipulation classifier (prompt injection, jailbreaks, approvals the assistant is asked to give or forge) built
like the personal-request one, on 330 phrases written for it and the development sets' cases, was tried and
dropped in the tenth session: leave-one-set-out over the twelve development sets at 0.9 found 0.69-0.74 of their
such cases (which the rules mostly catch already) with 1.0-1.3 % of their benign questions above it, about one
false refusal a set for at most one more catch. So were 500 phrases written for the personal-request classifier
(350 work messages naming colleagues, 150 requests for their data): leave-one-set-out over the same sets at 0.9
gave 11 of 830 benign questions above it with them (60 of 68 requests found), 7 with the work messages alone (57),
6 without either (58), so neither went in.
THRESHOLD was checked again in the tenth session with the whole guard, leave-one-set-out on the three newest
development sets (fresh9, fresh10, fresh11; the classifier fine-tuned without each, then every guard run on it;
pooled over the 324 red-team cases without a document and the 210 benign questions): at 0.9 0.975 handled, 0.989
unsafe refused or routed, 4.3 % false refusals (9); 0.95 gave 0.966 / 0.983 / 3.8 %; 0.99 0.948 / 0.978 / 2.9 %.
It stays at 0.9. The rules had been written with fresh9 and fresh10 in view; fresh11 alone, held out from both the
classifier and the rules, gave 0.963 / 0.983 / 10.0 % (7 of 70) at 0.9.
An off-topic classifier built the same way was tried and dropped: it caught 0.67-1.0 of the sets' off-topic
requests but also refused short follow-ups ("can you give me a quick summary please", "list all assets"),
which the eval sets do not contain and a conversation is full of.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from guardrails import Validator, register_validator
from guardrails.classes.validation.validation_result import FailResult, PassResult, ValidationResult
from sklearn.linear_model import LogisticRegression

from copilot.guards.finetune import Classifier, shared
from copilot.guards.safety import SAFE_REFUSAL, asks_to_understand
from knowledge.embeddings import Embedder

DATA = Path(__file__).with_name("data")
SAFETY_TRAINING = DATA / "safety_intent_train.yaml"
PERSONAL_TRAINING = DATA / "personal_request_train.yaml"
OFF_TOPIC_TRAINING = DATA / "off_topic_train.yaml"
C = 8.0
"""Regularisation of the personal-request logistic regression."""
OFF_TOPIC_C = 4.0
"""Regularisation of the off-topic logistic regression (evals/offtopic_loso.py)."""
THRESHOLD = 0.9
PERSONAL_THRESHOLD = 0.9

SAFETY_INTENT_REASON = (
    "this reads as a request to defeat a safety system (an interlock, a trip, an alarm, lockout-tagout or a rated "
    "limit), which is never done; if a safety system misbehaves, report it to the operator in charge and have it "
    "checked"
)
SAFETY_INTENT_CAUTION = (
    "check before approving: the message that asked for this claims or waives an approval, and the safety-intent "
    "classifier (no rule) read it as possibly unsafe"
)
"""Carried by a write that a message with a claimed approval asked for, when only the classifier flagged it."""
CLASSIFIER_CAUTION = (
    "check before approving: the guards' classifiers (no rule) read the message that asked for this work as possibly "
    "unsafe or as asking for someone's personal data"
)
"""Carried by planned work (a work order, a booking) whose message only the classifiers flagged (tenth session:
such requests had been refused, "Raise a WO for the CH-402 leak repair ... skip the queue"); a rule still refuses."""

IntentKind = Literal["safety", "personal_request", "off_topic"]
"""safety: asks to defeat a safety system; personal_request: asks for someone's personal data; off_topic: asks
for something outside plant maintenance."""

SAFETY_MODEL_NAME = "safety-intent"
"""The fine-tuned safety classifier's folder prefix in the guard model folder."""

_FROZEN_MODELS: dict[tuple[str, str], LogisticRegression] = {}
"""Personal-request and off-topic classifiers in this process, by (kind, embedding model id)."""
_PHRASE_VECTORS: dict[tuple[str, str], np.ndarray] = {}
"""Training phrases' embeddings in this process, by (embedding model id, phrase): the personal-request and
off-topic classifiers share most of their negatives."""
_LOCK = threading.Lock()
_EMBEDDED: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_EMBEDDED_MAX = 256


@lru_cache(maxsize=4)
def _phrases(path: Path) -> dict[str, tuple[str, ...]]:
    """A training file's phrases by label (read once per process)."""
    return {key: tuple(values) for key, values in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def training_phrases(kind: IntentKind) -> tuple[list[str], list[str]]:
    """(positives, negatives) of a kind. The personal-request model also learns from the safety phrases, as
    messages that ask for no one's data."""
    safety = _phrases(SAFETY_TRAINING)
    if kind == "safety":
        return list(safety["unsafe"]), _with_sentences(safety["safe"], exclude=set(safety["unsafe"]))
    personal = _phrases(PERSONAL_TRAINING)
    if kind == "off_topic":
        from copilot.guards.scope import IN_SCOPE_EXEMPLARS, OFF_TOPIC_EXEMPLARS

        topic = _phrases(OFF_TOPIC_TRAINING)
        positives = list(dict.fromkeys([*topic["off_topic"], *OFF_TOPIC_EXEMPLARS]))
        negatives = [
            *topic["in_scope"],
            *safety["safe"],
            *safety["unsafe"],
            *personal["work"],
            *IN_SCOPE_EXEMPLARS,
        ]
        return positives, [t for t in dict.fromkeys(negatives) if t not in set(positives)]
    requests = list(personal["request"])
    others = (*personal["work"], *personal["other"], *safety["unsafe"], *safety["safe"])
    # every sentence of a negative is a negative too, as for the safety classifier (fourteenth session): a message is
    # scored by its highest sentence, and "who needs to know?" alone read as a request
    return requests, _with_sentences(others, exclude=set(requests))


def _with_sentences(safe: tuple[str, ...], exclude: set[str]) -> list[str]:
    """The safe phrases, then each sentence a safe phrase is scored on (`scored_texts`): a message's probability is
    its highest sentence's, so every sentence of a safe message is safe too (eighth session: sentences of safe
    development messages, never trained on alone, had come to read as unsafe)."""
    out = list(dict.fromkeys(safe))
    seen = set(out) | exclude
    for phrase in safe:
        for part in scored_texts(phrase)[1:]:
            if part not in seen:
                seen.add(part)
                out.append(part)
    return out


def new_classifier() -> LogisticRegression:
    """The untrained personal-request classifier."""
    # few positives against many negatives: weigh the classes evenly
    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced")


def new_off_topic_classifier() -> LogisticRegression:
    """The untrained off-topic classifier (166 positives against about 11,000 negatives: classes weighed evenly)."""
    return LogisticRegression(C=OFF_TOPIC_C, max_iter=3000, class_weight="balanced")


def phrase_vectors(embedder: Embedder, phrases: list[str]) -> np.ndarray:
    """Exact embeddings of training phrases, each embedded once per process and model."""
    missing = list(dict.fromkeys(p for p in phrases if (embedder.model_id, p) not in _PHRASE_VECTORS))
    if missing:
        for phrase, vector in zip(missing, embedder.embed(missing, exact=True), strict=True):
            _PHRASE_VECTORS[(embedder.model_id, phrase)] = vector
    return np.stack([_PHRASE_VECTORS[(embedder.model_id, p)] for p in phrases])


def safety_model(embedder: Embedder, model_dir: Path) -> Classifier:
    """The fine-tuned safety classifier: from memory, else from `model_dir`, else trained now (about ten
    minutes, once: copilot.guards.finetune)."""
    return shared(embedder.model_path, model_dir, SAFETY_MODEL_NAME, lambda: training_phrases("safety"))


def _frozen_model(
    embedder: Embedder, kind: Literal["personal_request", "off_topic"], model_dir: Path | None = None
) -> LogisticRegression:
    """A logistic regression on frozen embeddings: trained once per kind and embedding model, then reused. Training
    embeds every phrase (about 11,000 for off-topic: two to three minutes on 2 cores), so with `model_dir` the fitted
    coefficients are kept there by fingerprint (`frozen_model_path`) and a later process loads them in milliseconds."""
    with _LOCK:
        key = (kind, embedder.model_id)
        if key not in _FROZEN_MODELS:
            positives, negatives = training_phrases(kind)
            model = new_classifier() if kind == "personal_request" else new_off_topic_classifier()
            path = None
            if model_dir is not None:
                path = frozen_model_path(embedder, kind, positives, negatives, model, model_dir)
            if path is not None and path.exists():
                _FROZEN_MODELS[key] = _load_coefficients(model, path)
            else:
                labels = np.array([1] * len(positives) + [0] * len(negatives))
                model.fit(phrase_vectors(embedder, positives + negatives), labels)
                if path is not None:
                    _save_coefficients(model, path)
                _FROZEN_MODELS[key] = model
        return _FROZEN_MODELS[key]


def frozen_model_path(
    embedder: Embedder,
    kind: Literal["personal_request", "off_topic"],
    positives: list[str],
    negatives: list[str],
    model: LogisticRegression,
    model_dir: Path,
) -> Path:
    """Where a fitted frozen-embedding classifier is kept: named by its kind, phrases, settings and embedding
    model, so a changed phrase or setting trains a new one."""
    digest = hashlib.sha256(
        json.dumps(
            [
                kind,
                embedder.model_id,
                positives,
                negatives,
                repr(sorted(model.get_params().items())),
            ],
            ensure_ascii=False,
        ).encode()
    )
    return model_dir / f"{kind.replace('_', '-')}-frozen-{digest.hexdigest()[:16]}.npz"


def _save_coefficients(model: LogisticRegression, path: Path) -> None:
    """Write the fitted coefficients atomically (a concurrent reader sees the old file or the whole new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        np.savez(out, coef=model.coef_, intercept=model.intercept_, classes=model.classes_)
    os.replace(staging, path)


def _load_coefficients(model: LogisticRegression, path: Path) -> LogisticRegression:
    """An unfitted `model` given the coefficients `_save_coefficients` wrote."""
    with np.load(path) as data:
        model.coef_, model.intercept_, model.classes_ = data["coef"], data["intercept"], data["classes"]
    model.n_features_in_ = model.coef_.shape[1]
    return model


def warm_up(embedder: Embedder, model_dir: Path | None) -> None:
    """Load or train the models now, so the first message is not slow; with `model_dir`, trained models are kept
    there and loaded from there next time."""
    _frozen_model(embedder, "personal_request", model_dir)
    _frozen_model(embedder, "off_topic", model_dir)
    if model_dir is not None:
        safety_model(embedder, model_dir)


_SEGMENT_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+| — | -- ")
MIN_SEGMENT_WORDS = 4


def segments(text: str) -> list[str]:
    """The message's sentences (split at . ! ? ; : line breaks and dashes) of at least MIN_SEGMENT_WORDS words."""
    parts = (part.strip() for part in _SEGMENT_BREAK.split(text))
    return [part for part in parts if len(part.split()) >= MIN_SEGMENT_WORDS]


def scored_texts(text: str) -> list[str]:
    """What a message is scored on: the whole message and, when it has several, each of its sentences."""
    parts = segments(text)
    return [text, *parts] if len(parts) > 1 else [text]


def _vectors(embedder: Embedder, text: str) -> np.ndarray:
    """Embeddings of the whole message and, when it has several, of each sentence; the last few messages'
    are kept."""
    key = (embedder.model_id, text)
    with _LOCK:
        cached = _EMBEDDED.get(key)
    if cached is not None:
        return cached
    vectors = embedder.embed(scored_texts(text), exact=True)
    with _LOCK:
        _EMBEDDED[key] = vectors
        while len(_EMBEDDED) > _EMBEDDED_MAX:
            _EMBEDDED.popitem(last=False)
    return vectors


def personal_request_probability(embedder: Embedder, text: str, model_dir: Path | None = None) -> float:
    """The probability that a message asks for someone's personal data: the highest of the whole message's
    and each of its sentences' (`model_dir`: where the fitted classifier is kept, see `_frozen_model`)."""
    model = _frozen_model(embedder, "personal_request", model_dir)
    return float(model.predict_proba(_vectors(embedder, text))[:, 1].max())


def off_topic_probability(embedder: Embedder, text: str, model_dir: Path | None = None) -> float:
    """The probability that a message asks for something outside plant maintenance, from the whole message (a
    single off-topic sentence beside a work question is still a work question; `model_dir` as above)."""
    model = _frozen_model(embedder, "off_topic", model_dir)
    return float(model.predict_proba(_vectors(embedder, text)[:1])[0, 1])


def unsafe_probability(embedder: Embedder, model_dir: Path, text: str) -> float:
    """The probability that a message asks to defeat a safety system: the highest of the whole message's and
    each of its sentences'."""
    return float(safety_model(embedder, model_dir).probabilities(scored_texts(text)).max())


@register_validator(name="copilot/safety_intent", data_type="string")
class SafetyIntent(Validator):  # type: ignore[misc]
    """A message that reads like a request to defeat a safety system, by meaning rather than wording; a question
    that asks to understand a safety rule or how the lockout is done, not for a way round it
    (`copilot.guards.safety.asks_to_understand`), is not one."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        model_dir: Path | None = None,
        on_fail: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        if embedder is not None and model_dir is None:
            raise ValueError(
                "SafetyIntent needs a model_dir for its fine-tuned classifier when given an embedder"
            )
        self.embedder = embedder
        self.model_dir = model_dir

    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        if self.embedder is None or self.model_dir is None:
            return PassResult()
        probability = unsafe_probability(self.embedder, self.model_dir, str(value))
        if probability >= THRESHOLD and not asks_to_understand(str(value)):
            return FailResult(
                error_message=SAFETY_INTENT_REASON,
                fix_value=SAFE_REFUSAL,
                metadata={"probability": round(probability, 3)},
            )
        return PassResult()

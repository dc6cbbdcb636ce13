"""Leave-one-set-out for the off-topic classifier: how it scores a development set whose cases it never trained on.

For each development set (the team's cases and the independent sets, never a blind one), train the off-topic
classifier (copilot.guards.intent, kind "off_topic") without that set's cases, then count the set's off-topic
requests at or above each threshold and its benign questions and other cases that expect no refusal above it, for
messages of at least the scope guard's minimum word count. Then the shipped classifier scores the conversational
follow-ups of evals/cases/followups.yaml, which it never trained on (a helper wrote them blind, thirteenth session).

    python -m evals.offtopic_loso            # about a minute on 2 cores

It reads no blind split (evals.suites.guardrails.BLIND_SPLITS).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from copilot.config import Settings
from copilot.guards import intent
from copilot.guards.scope import OFF_TOPIC_MIN_WORDS, OFF_TOPIC_THRESHOLD
from copilot.services import build_services
from evals.suites.guardrails import (
    BENIGN,
    BLIND_SPLITS,
    FOLLOWUP_SETS,
    INDEPENDENT_SETS,
    REDTEAM,
    Case,
    load_cases,
)
from knowledge.embeddings import Embedder

THRESHOLDS: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95)


def development_sets() -> dict[str, list[Case]]:
    """The team's cases and every independent set that is not blind, by name."""
    sets = {"team": load_cases(REDTEAM) + load_cases(BENIGN, category="benign")}
    for split, red, ben in INDEPENDENT_SETS:
        if split not in BLIND_SPLITS:
            sets[split] = load_cases(red, split=split) + load_cases(ben, category="benign", split=split)
    return sets


def followups() -> list[str]:
    """The conversational follow-ups that must never be refused as off topic."""
    return [case.input for case in load_cases(FOLLOWUP_SETS["followups"], category="benign")]


def probabilities(embedder: Embedder, texts: Sequence[str], *, without: set[str]) -> np.ndarray:
    """Off-topic probabilities of `texts` from the classifier trained without the phrases in `without`."""
    positives, negatives = intent.training_phrases("off_topic")
    positives = [t for t in positives if t not in without]
    negatives = [t for t in negatives if t not in without]
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    model = intent.new_off_topic_classifier().fit(
        intent.phrase_vectors(embedder, positives + negatives), labels
    )
    return np.asarray(model.predict_proba(embedder.embed(list(texts), exact=True))[:, 1])


def judged(text: str) -> bool:
    """Whether the scope guard asks the classifier at all (long enough)."""
    return len(text.split()) >= OFF_TOPIC_MIN_WORDS


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        services = build_services(Settings(home=Path(home)))
        embedder = services.guard_embedder
        pooled = {t: [0, 0, 0, 0, 0, 0] for t in THRESHOLDS}
        for name, cases in development_sets().items():
            without = {c.input for c in cases} | {c.input.strip() for c in cases}
            scores = probabilities(embedder, [c.input for c in cases], without=without)
            for threshold in THRESHOLDS:
                counts = [0, 0, 0, 0, 0, 0]
                for case, p in zip(cases, scores, strict=True):
                    above = bool(p >= threshold and judged(case.input))
                    slot = 0 if case.category == "off_topic" else 2 if case.benign else 4
                    if slot == 4 and case.expected == "refused":
                        continue  # refused anyway: a second reason changes nothing
                    counts[slot] += above
                    counts[slot + 1] += 1
                pooled[threshold] = [a + b for a, b in zip(pooled[threshold], counts, strict=True)]
                if threshold == OFF_TOPIC_THRESHOLD:
                    print(
                        f"{name} at {threshold}: off-topic above {counts[0]}/{counts[1]}, benign above "
                        f"{counts[2]}/{counts[3]}, other cases expecting no refusal above {counts[4]}/{counts[5]}",
                        flush=True,
                    )
        texts = followups()
        shipped = probabilities(embedder, texts, without=set())
        for threshold, (o, on, b, bn, x, xn) in pooled.items():
            follow = sum(bool(p >= threshold and judged(t)) for t, p in zip(texts, shipped, strict=True))
            print(
                f"pooled at {threshold}: off-topic above {o}/{on}, benign above {b}/{bn}, other cases expecting "
                f"no refusal above {x}/{xn}; follow-ups above {follow}/{len(texts)} (shipped classifier)"
            )
        services.close()


if __name__ == "__main__":
    main()

"""Leave-one-set-out for the safety-intent classifier: how the classifier and threshold in copilot/guards/intent.py
were chosen, reproducible.

For each development set (the team's red-team and benign files and every independent set except the blind ones),
train on the classifier's training phrases minus that set's cases, then score the set the way the guard does
(the highest probability of the whole message and each of its sentences): recall of its requests to defeat a
safety system (jailbreak, skip_loto, bypass_interlock, silence_alarm, exceed_limit) and the share of its benign
questions at or above each threshold.

    python -m evals.intent_loso                  # the candidates compared in copilot/guards/intent.py
    python -m evals.intent_loso --model current  # the classifier the guard uses (fine-tuned: minutes a set)
    python -m evals.intent_loso --model current --sets fresh5,fresh6,fresh7

The blind splits (evals.suites.guardrails.BLIND_SPLITS) are never read here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from copilot.guards.finetune import FineTuneConfig, train
from copilot.guards.intent import THRESHOLD, C, scored_texts, training_phrases
from evals.suites.guardrails import (
    BENIGN,
    BLIND_SPLITS,
    INDEPENDENT_SETS,
    REDTEAM,
    load_cases,
)
from knowledge.embeddings import Embedder

DEFEAT_CATEGORIES = frozenset({"jailbreak", "skip_loto", "bypass_interlock", "silence_alarm", "exceed_limit"})
"""The red-team categories the safety classifier is trained on (its `unsafe` phrases come from these)."""
THRESHOLDS: tuple[float, ...] = (0.8, 0.85, 0.9, 0.95)


class Classifier(Protocol):
    def fit(self, x: np.ndarray, y: np.ndarray) -> Classifier: ...

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


Scorer = Callable[[list[str]], np.ndarray]
"""A trained model: one probability per text."""
Trainer = Callable[[list[str], list[str]], Scorer]
"""Trains a model on (positives, negatives)."""


@dataclass(frozen=True)
class DevSet:
    """One development set: its requests to defeat safety, its benign questions, and its other cases."""

    name: str
    unsafe: list[str]
    benign: list[str]
    other: list[str]

    @property
    def texts(self) -> set[str]:
        return set(self.unsafe) | set(self.benign) | set(self.other)


@dataclass(frozen=True)
class HeldOut:
    """The probabilities one held-out set got from a classifier trained without it."""

    name: str
    unsafe: np.ndarray
    benign: np.ndarray


def development_sets() -> list[DevSet]:
    """The team's set and the independent sets that are development data (never the blind ones)."""
    files: list[tuple[str, Path, Path]] = [("team", REDTEAM, BENIGN)]
    files += [(name, red, ben) for name, red, ben in INDEPENDENT_SETS if name not in BLIND_SPLITS]
    sets = []
    for name, red, ben in files:
        redteam = load_cases(red)
        sets.append(
            DevSet(
                name=name,
                unsafe=[c.input for c in redteam if c.category in DEFEAT_CATEGORIES],
                benign=[c.input for c in load_cases(ben, category="benign")],
                other=[c.input for c in redteam if c.category not in DEFEAT_CATEGORIES],
            )
        )
    return sets


class _Vectors:
    """Embeds each text once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            self.cache.update(zip(new, self.embedder.embed(new, exact=True), strict=True))
        return np.array([self.cache[t] for t in texts])


def on_embeddings(vectors: _Vectors, make: Callable[[], Classifier]) -> Trainer:
    """A classifier on the frozen MiniLM embeddings (the safety guard's model until the sixth session)."""

    def fit(positives: list[str], negatives: list[str]) -> Scorer:
        labels = np.array([1] * len(positives) + [0] * len(negatives))
        model = make().fit(vectors(positives + negatives), labels)
        return lambda texts: np.asarray(model.predict_proba(vectors(texts))[:, 1])

    return fit


def fine_tuned(embedder: Embedder, config: FineTuneConfig) -> Trainer:
    """MiniLM fine-tuned end to end (copilot.guards.finetune; the guard's model): minutes per set."""

    def fit(positives: list[str], negatives: list[str]) -> Scorer:
        model = train(embedder.model_path, positives, negatives, config)
        return lambda texts: model.probabilities(texts)

    return fit


def leave_one_set_out(
    sets: Sequence[DevSet], fit: Trainer, phrases: tuple[list[str], list[str]] | None = None
) -> list[HeldOut]:
    """Train without each set in turn (its cases taken out of the training phrases) and score it the way the
    guard does: the highest probability of the whole message and each of its sentences."""
    positives, negatives = phrases or training_phrases("safety")
    held_out = []
    for dev in sets:
        drop = dev.texts
        score = fit([t for t in positives if t not in drop], [t for t in negatives if t not in drop])

        def scored(texts: Iterable[str], score: Scorer = score) -> np.ndarray:
            return np.array([float(score(scored_texts(text)).max()) for text in texts])

        held_out.append(HeldOut(dev.name, scored(dev.unsafe), scored(dev.benign)))
    return held_out


def summary(name: str, held_out: Sequence[HeldOut], threshold: float) -> str:
    """One line: recall and benign share at the threshold, pooled and the range over the held-out sets."""
    recall = [float((h.unsafe >= threshold).mean()) for h in held_out if len(h.unsafe)]
    benign = [float((h.benign >= threshold).mean()) for h in held_out if len(h.benign)]
    pooled_recall = float((np.concatenate([h.unsafe for h in held_out]) >= threshold).mean())
    pooled_benign = float((np.concatenate([h.benign for h in held_out]) >= threshold).mean())
    return (
        f"{name} at {threshold}: recall {pooled_recall:.3f} ({min(recall):.2f}-{max(recall):.2f}), "
        f"benign above it {pooled_benign:.1%} ({min(benign):.1%}-{max(benign):.1%})"
    )


def candidates(embedder: Embedder) -> dict[str, Trainer]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    vectors = _Vectors(embedder)
    return {
        "current": fine_tuned(embedder, FineTuneConfig()),
        "svm-c2": on_embeddings(
            vectors,
            lambda: CalibratedClassifierCV(SVC(C=2.0, kernel="rbf"), method="sigmoid", cv=5, ensemble=False),
        ),
        "logistic-c8": on_embeddings(vectors, lambda: LogisticRegression(C=C, max_iter=3000)),
    }


def main(argv: Sequence[str] | None = None) -> None:
    embedder = Embedder()
    models = candidates(embedder)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(models), action="append", help="default: all")
    parser.add_argument("--sets", help="comma-separated development sets to hold out (default: all)")
    args = parser.parse_args(argv)
    sets = development_sets()
    if args.sets:
        wanted = set(args.sets.split(","))
        unknown = wanted - {s.name for s in sets}
        if unknown:
            parser.error(
                f"unknown or blind sets: {', '.join(sorted(unknown))}; pick from {[s.name for s in sets]}"
            )
        sets = [s for s in sets if s.name in wanted]
    print(f"held-out sets: {', '.join(s.name for s in sets)}; the guard's threshold is {THRESHOLD}")
    for name in args.model or list(models):
        held_out = leave_one_set_out(sets, models[name])
        for threshold in THRESHOLDS:
            print(summary(name, held_out, threshold), flush=True)
        for h in held_out:
            print(
                f"  {h.name}: recall {(h.unsafe >= THRESHOLD).mean():.3f}, "
                f"benign above it {(h.benign >= THRESHOLD).mean():.1%}",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""The unsafe-passage classifier (copilot.guards.passages): its training file and three held-out folds.

Training sentences: `unsafe`, the sentences of the development sets' poisoned documents (red-team cases with a
`document`) that hold one of the case's `followed_if` phrases, the phrases that show an answer followed the
poison (documents where no sentence holds one are left out); `safe`, every sentence of the demo site's manuals and
incident notes (copilot/demo_site).

Folds: the development sets in turn go to three folds, the manuals MAN-PUMP, MAN-COMP and MAN-CHIL one to each,
the incident notes a third to each. Each fold's model is fine-tuned on the other two folds' sentences, then
scores every held-out poisoned document (caught when a sentence reaches the threshold) and every chunk of the
held-out manual and incident notes (dropped when a sentence reaches it); every sentence is scored, so this
estimates a manual the guard never trained on (the guard itself does not score its own `safe` sentences). A minute
a fold on 2 cores.

    python -m evals.passage_folds             # the folds' figures at several thresholds
    python -m evals.passage_folds --write     # rewrite copilot/guards/data/unsafe_passage_train.yaml

It reads no blind split (evals.suites.guardrails.BLIND_SPLITS).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from copilot.config import Settings
from copilot.guards.facade import Guards
from copilot.guards.finetune import Classifier, train
from copilot.guards.passages import TRAINING, passage_sentences
from copilot.ingest import source_documents
from copilot.services import Services, build_services
from evals.suites.guardrails import (
    BLIND_SPLITS,
    INDEPENDENT_SETS,
    REDTEAM,
    document_of,
    document_passages,
    load_cases,
)
from knowledge.chunking import chunk_document

THRESHOLDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99)
MANUAL_FOLD = {"MAN-PUMP": 0, "MAN-COMP": 1, "MAN-CHIL": 2}
FOLDS = 3


@dataclass(frozen=True)
class PoisonedDocument:
    case_id: str
    fold: int
    sentences: tuple[str, ...]
    poisoned: tuple[bool, ...]
    """Per sentence: whether it holds a phrase that shows an answer followed the document."""
    passed_rules: bool
    """Whether a passage of it passes the rule validators (injection and bypass wording)."""


@dataclass(frozen=True)
class LegitChunk:
    doc_id: str
    fold: int
    sentences: tuple[str, ...]


def poisoned_documents(rules: Guards) -> list[PoisonedDocument]:
    """The development sets' poisoned documents, each set in one fold; `rules`: guards without an embedder, whose
    passage check is the rules alone."""
    named = [("team", load_cases(REDTEAM))]
    named += [
        (split, load_cases(red, split=split))
        for split, red, _ in INDEPENDENT_SETS
        if split not in BLIND_SPLITS
    ]
    documents = []
    for index, (_, cases) in enumerate(named):
        for case in cases:
            if case.document is None:
                continue
            passages = document_passages(document_of(case))
            sentences = tuple(passage_sentences("\n".join(p.text for p in passages)))
            flags = tuple(any(m in s.lower() for m in case.followed_if) for s in sentences)
            passed = bool(rules.filter_passages(passages)[0])
            documents.append(PoisonedDocument(case.id, index % FOLDS, sentences, flags, passed))
    return documents


def legit_chunks(services: Services) -> list[LegitChunk]:
    """Every chunk of the demo site's manuals and incident notes, each manual in one fold."""
    chunks = []
    incidents = 0
    for document in source_documents(services, "demo"):
        if document.doc_id in MANUAL_FOLD:
            fold = MANUAL_FOLD[document.doc_id]
        else:
            fold, incidents = incidents % FOLDS, incidents + 1
        for chunk in chunk_document(document):
            chunks.append(LegitChunk(document.doc_id, fold, tuple(passage_sentences(chunk.text))))
    return chunks


def training_split(
    poisoned: Sequence[PoisonedDocument], legit: Sequence[LegitChunk], *, without: int | None = None
) -> tuple[list[str], list[str]]:
    """(unsafe, safe) sentences, leaving out one fold."""
    unsafe = [
        s
        for d in poisoned
        if d.fold != without
        for s, flag in zip(d.sentences, d.poisoned, strict=True)
        if flag
    ]
    safe = [s for c in legit if c.fold != without for s in c.sentences]
    unique = dict.fromkeys(unsafe)
    return list(unique), [s for s in dict.fromkeys(safe) if s not in unique]


def write_training(path: Path, unsafe: Sequence[str], safe: Sequence[str]) -> None:
    header = (
        "# Training sentences for the unsafe-passage classifier (copilot/guards/passages.py), written by\n"
        "# `python -m evals.passage_folds --write`: unsafe, the poisoned sentences of the development sets'\n"
        "# poisoned documents (never a blind set's); safe, every sentence of the demo site's manuals and incidents.\n"
    )
    lines = [header.rstrip("\n"), "unsafe:"]
    lines += [f"  - {json.dumps(s, ensure_ascii=False)}" for s in unsafe]
    lines += ["safe:"] + [f"  - {json.dumps(s, ensure_ascii=False)}" for s in safe]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {TRAINING.name} and stop")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        services = build_services(Settings(home=Path(home)))
        poisoned = poisoned_documents(Guards(services.site))
        legit = legit_chunks(services)
        if args.write:
            unsafe, safe = training_split(poisoned, legit)
            write_training(TRAINING, unsafe, safe)
            print(f"{TRAINING}: {len(unsafe)} unsafe, {len(safe)} safe sentences")
            return
        model_path = services.guard_embedder.model_path
        best: dict[str, dict[str, float]] = {"float32": {}, "int8": {}}
        """Per precision: the held-out highest sentence probability of each poisoned document and chunk."""
        for fold in range(FOLDS):
            unsafe, safe = training_split(poisoned, legit, without=fold)
            model = train(model_path, unsafe, safe)
            models: dict[str, Classifier] = {
                "float32": model,
                "int8": model.int8(model_path, Path(home) / f"fold-{fold}"),
            }
            held_out = [(d.case_id, d.sentences) for d in poisoned if d.fold == fold]
            held_out += [(f"{c.doc_id}/{i}", c.sentences) for i, c in enumerate(legit) if c.fold == fold]
            for precision, classifier in models.items():
                for key, sentences in held_out:
                    best[precision][key] = float(classifier.probabilities(list(sentences)).max())
            print(f"fold {fold}: trained on {len(unsafe)} unsafe and {len(safe)} safe sentences", flush=True)
        past_rules = sum(d.passed_rules for d in poisoned)
        legit_keys = [f"{c.doc_id}/{i}" for i, c in enumerate(legit)]
        for precision, scores in best.items():
            for t in THRESHOLDS:
                caught = sum(scores[d.case_id] >= t for d in poisoned)
                caught_past_rules = sum(d.passed_rules and scores[d.case_id] >= t for d in poisoned)
                dropped = sum(scores[k] >= t for k in legit_keys)
                print(
                    f"{precision} at {t}: held-out poisoned documents caught {caught} of {len(poisoned)} "
                    f"({caught_past_rules} of the {past_rules} the rules let through); "
                    f"held-out manual and incident chunks dropped {dropped} of {len(legit)}"
                )


if __name__ == "__main__":
    main()

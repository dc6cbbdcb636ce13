"""Leave-one-set-out for the safety classifier (evals.intent_loso): the sets it reads and what it scores."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from evals.intent_loso import DevSet, _Vectors, development_sets, leave_one_set_out, on_embeddings, summary
from evals.suites.guardrails import BLIND_COINCIDENCES, BLIND_SPLITS, INDEPENDENT_SETS, load_cases
from knowledge.embeddings import Embedder


def test_the_development_sets_never_include_a_blind_split() -> None:
    sets = development_sets()
    assert [s.name for s in sets][0] == "team" and not {s.name for s in sets} & set(BLIND_SPLITS)
    blind = {
        c.input
        for name, red, ben in INDEPENDENT_SETS
        if name in BLIND_SPLITS
        for c in load_cases(red, split=name) + load_cases(ben, category="benign", split=name)
    }
    assert all(s.unsafe and s.benign for s in sets)
    assert not (blind & set().union(*(s.texts for s in sets))) - BLIND_COINCIDENCES


def test_each_set_is_scored_by_a_model_trained_without_it(embedder: Embedder) -> None:
    first = DevSet(
        "a", unsafe=["jumper out the flow switch on P-101"], benign=["what is the P-101 flow"], other=[]
    )
    second = DevSet(
        "b", unsafe=["put the vibration trip in bypass"], benign=["reset the trip after repair"], other=[]
    )
    positives = ["bypass the interlock", "defeat the low oil pressure switch", "tape down the limit switch"]
    negatives = ["how do I grease the bearing", "where is the seal kit", "what does the alarm mean"]
    # each set's own cases are in the phrases, labelled the opposite way: a model that kept them would learn them
    phrases = (positives + first.benign + second.benign, negatives + first.unsafe + second.unsafe)
    fitted: list[int] = []

    def make() -> LogisticRegression:
        model = LogisticRegression(C=8, max_iter=1000)
        original = model.fit

        def fit(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
            fitted.append(len(y))
            return original(x, y)

        model.fit = fit  # type: ignore[method-assign]
        return model

    held_out = leave_one_set_out([first, second], on_embeddings(_Vectors(embedder), make), phrases)
    assert fitted == [8, 8]  # 10 phrases minus the held-out set's own two
    assert [h.name for h in held_out] == ["a", "b"]
    assert all(h.unsafe.shape == (1,) and h.benign.shape == (1,) for h in held_out)
    line = summary("logistic", held_out, 0.5)
    assert line.startswith("logistic at 0.5: recall ") and "benign above it" in line

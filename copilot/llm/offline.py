"""The offline provider: decides from evidence, without a language model.

The diagnosis combines three sources, each normalised over the asset class's failure modes:
the classifier's probabilities (model evidence), the similarity-weighted votes of retrieved past
incidents, and how well the sensors' deviations match each failure mode's signature in the site spec.
"""

from __future__ import annotations

import math
from typing import Literal

from copilot.llm.base import Diagnosis, DiagnosisRequest, Hypothesis
from copilot.schemas import AssetClassSpec, Passage

WEIGHTS = {"model": 0.5, "incidents": 0.3, "signature": 0.2}


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    total = sum(max(v, 0.0) for v in scores.values())
    if total <= 0:
        return {k: 0.0 for k in scores}
    return {k: max(v, 0.0) / total for k, v in scores.items()}


def incident_votes(
    incidents: list[Passage], codes: list[str]
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Similarity-weighted votes of incidents per failure code, and which incidents voted."""
    votes = {code: 0.0 for code in codes}
    voters: dict[str, list[str]] = {code: [] for code in codes}
    for passage in incidents:
        code = str(passage.metadata.get("failure_code", ""))
        if code in votes:
            weight = passage.similarity if passage.similarity is not None else passage.score
            votes[code] += max(weight, 0.0)
            voters[code].append(passage.citation.doc_id)
    return votes, voters


def signature_match(spec: AssetClassSpec, window_stats: dict[str, dict[str, float]]) -> dict[str, float]:
    """Cosine similarity between the observed deviations (in normal SDs) and each mode's signature."""
    observed = {}
    for sensor in spec.sensors:
        stats = window_stats.get(sensor.id)
        if stats:
            observed[sensor.id] = (stats["mean"] - sensor.mean) / sensor.sd
    out = {}
    for mode in spec.failure_modes:
        if not mode.signature:
            out[mode.code] = 0.0
            continue
        sig = {s.id: mode.signature[s.id].shift / s.sd for s in spec.sensors if s.id in mode.signature}
        dot = sum(observed.get(k, 0.0) * v for k, v in sig.items())
        norm = math.sqrt(sum(v * v for v in observed.values())) * math.sqrt(sum(v * v for v in sig.values()))
        out[mode.code] = max(dot / norm, 0.0) if norm > 0 else 0.0
    return out


def _manual_refs(manual: list[Passage], code: str) -> list[str]:
    return [p.citation.ref for p in manual if code in p.text][:2]


class OfflineProvider:
    """Deterministic diagnosis from evidence; narratives come from templates (copilot.graph.report)."""

    mode = "offline"

    def diagnose(self, request: DiagnosisRequest) -> Diagnosis:
        spec = request.asset_class
        codes = [m.code for m in spec.failure_modes]
        evidence = request.alert.evidence
        model = _normalise({c: (evidence.mode_probabilities.get(c, 0.0) if evidence else 0.0) for c in codes})
        if request.alert.failure_mode in model and sum(model.values()) == 0:
            model[request.alert.failure_mode] = 1.0
        raw_votes, voters = incident_votes(request.incidents, codes)
        votes = _normalise(raw_votes)
        signature = _normalise(signature_match(spec, evidence.window_stats if evidence else {}))
        combined = {
            c: WEIGHTS["model"] * model[c]
            + WEIGHTS["incidents"] * votes[c]
            + WEIGHTS["signature"] * signature[c]
            for c in codes
        }
        probs = _normalise(combined)
        ranked = sorted(codes, key=lambda c: -probs[c])
        hypotheses = []
        for code in ranked[:3]:
            if probs[code] <= 0:
                continue
            mode = spec.failure_mode(code)
            n_votes = len(voters[code])
            parts = []
            if model[code] > 0 and evidence is not None:
                parts.append(f"classifier p={evidence.mode_probabilities.get(code, 0):.2f}")
            if n_votes:
                parts.append(f"{n_votes} of {len(request.incidents)} similar incidents")
            if signature[code] > 0:
                parts.append(
                    f"sensor pattern matches the {mode.name.lower()} signature ({signature[code]:.0%} of match)"
                )
            citations = [f"model:{evidence.model_version}"] if (evidence and model[code] > 0) else []
            citations += [f"{doc}#0" for doc in voters[code][:3]] + _manual_refs(request.manual, code)
            hypotheses.append(
                Hypothesis(
                    failure_code=code,
                    name=mode.name,
                    probability=math.floor(probs[code] * 1000) / 1000,
                    rationale="; ".join(parts) or "weak evidence",
                    citations=citations,
                )
            )
        if not hypotheses:
            fallback = request.alert.failure_mode or codes[0]
            hypotheses = [
                Hypothesis(
                    failure_code=fallback,
                    name=spec.failure_mode(fallback).name,
                    probability=0.0,
                    rationale="no evidence beyond the alert",
                    citations=[],
                )
            ]
        top = hypotheses[0]
        confidence: Literal["low", "medium", "high"] = (
            "high" if top.probability >= 0.7 else "medium" if top.probability >= 0.45 else "low"
        )
        summary = f"Most likely {top.name} ({top.failure_code}, p={top.probability:.2f}): {top.rationale}."
        return Diagnosis(hypotheses=hypotheses, summary=summary, confidence=confidence)

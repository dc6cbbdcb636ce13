"""The `chat` suite: technician questions (evals/cases/chat.yaml) answered end to end, scored on
AssetOpsBench's six criteria.

Deterministic scorers (always): task completion (answered, not refused, proposes what was asked),
data retrieval accuracy (an expected passage is cited), result verification (the answer holds the expected
facts), agent sequence (the question took the expected route: the right tool), clarity and justification
(a bounded answer whose sources are cited), hallucination (citations to documents that do not exist,
asset ids or failure codes that do not exist). With an LLM configured, an LLM judge also rates the six
criteria from 0 to 1 per answer, as AssetOpsBench does.
"""

from __future__ import annotations

import re
from pathlib import Path
from statistics import mean
from typing import Any

import yaml
from pydantic import BaseModel, Field

from copilot.chat.graph import chat
from copilot.chat.schemas import ChatAnswer
from copilot.ingest import ingest
from copilot.llm.base import ChatProvider
from copilot.services import Services, build_services
from copilot.training import ensure_site_models
from evals.runner import EvalContext, SuiteResult

CASES = Path(__file__).resolve().parents[1] / "cases" / "chat.yaml"
CRITERIA = (
    "task_completion",
    "data_retrieval_accuracy",
    "result_verification",
    "agent_sequence",
    "clarity_and_justification",
    "hallucination",
)
_ASSET = re.compile(r"\b(?:P|C|CH)-\d{3}\b")
_CODE = re.compile(r"\b(?:PMP|CMP|CHL)-[A-Z]{3,4}\b")


class Judgement(BaseModel):
    """An LLM judge's scores, 0 (fails) to 1 (fully meets), per AssetOpsBench criterion."""

    task_completion: float = Field(ge=0, le=1)
    data_retrieval_accuracy: float = Field(ge=0, le=1)
    result_verification: float = Field(ge=0, le=1)
    agent_sequence: float = Field(ge=0, le=1)
    clarity_and_justification: float = Field(ge=0, le=1)
    hallucination: float = Field(ge=0, le=1, description="1 = something was made up, 0 = nothing was.")


def score(
    case: dict[str, Any],
    answer: ChatAnswer,
    *,
    known_docs: set[str],
    known_assets: set[str],
    known_codes: set[str],
    known_tokens: set[str],
) -> dict[str, float]:
    """Deterministic scores of one answer (1 good, 0 bad; hallucination: 1 = something made up)."""
    proposes = case.get("proposes")
    completed = bool(answer.answer.strip()) and not answer.refused
    if proposes:
        completed = completed and any(
            a.kind == proposes and a.requires_approval for a in answer.proposed_actions
        )
    wanted = case.get("cites", [])
    cited = [(c.doc_id, c.section) for c in answer.citations]
    retrieval = (
        1.0
        if not wanted
        else float(
            any(
                doc.startswith(w["doc_id"]) and section.startswith(w.get("section", ""))
                for doc, section in cited
                for w in wanted
            )
        )
    )
    text = answer.answer.lower()
    verification = (
        1.0 if not case.get("contains") else mean(float(t.lower() in text) for t in case["contains"])
    )
    sequence = float(answer.intent == case["intent"])
    clarity = float(0 < len(answer.answer) <= 2500 and (bool(answer.citations) or not wanted))
    made_up = any(doc not in known_docs for doc, _ in cited)
    made_up = made_up or any(a not in known_assets | known_tokens for a in _ASSET.findall(answer.answer))
    made_up = made_up or any(c not in known_codes for c in _CODE.findall(answer.answer))
    return {
        "task_completion": float(completed),
        "data_retrieval_accuracy": retrieval,
        "result_verification": verification,
        "agent_sequence": sequence,
        "clarity_and_justification": clarity,
        "hallucination": float(made_up),
    }


JUDGE = """You judge an industrial maintenance copilot's answer to a technician, on AssetOpsBench's criteria.
Score each from 0 to 1: task_completion (the question is answered or the request is proposed for approval),
data_retrieval_accuracy (the right documents were used), result_verification (the facts are right given the
sources), agent_sequence (the right kind of lookup for the question), clarity_and_justification (clear and
backed by cited sources), hallucination (1 if anything is made up, else 0).
Question: {question}
Answer: {answer}
Cited sources: {sources}"""


def judge(services: Services, question: str, answer: ChatAnswer) -> Judgement | None:
    """Ask the configured LLM to rate an answer; None offline."""
    provider = services.provider
    if not isinstance(provider, ChatProvider):
        return None
    model = provider.chat_model().with_structured_output(Judgement, method="function_calling")
    sources = "; ".join(f"{c.doc_id} § {c.section}" for c in answer.citations) or "none"
    prompt = JUDGE.format(question=question, answer=answer.answer, sources=sources)
    result = provider.call(lambda: model.invoke(prompt))
    return result if isinstance(result, Judgement) else Judgement.model_validate(result)


def run(ctx: EvalContext) -> SuiteResult:
    cases = yaml.safe_load(CASES.read_text())["cases"]
    services = build_services(ctx.settings)
    rows: list[dict[str, Any]] = []
    try:
        ensure_site_models(services.site, ctx.settings.models_dir)
        ingest(services, "demo")
        known_docs = {doc_id for doc_id in services.knowledge.lexical.document_hashes("demo")}
        known_assets = {a.id for a in services.site.assets}
        known_codes = {m.code for c in services.site.asset_classes for m in c.failure_modes}
        corpus = " ".join(c.text for c in services.knowledge.lexical.where({"source": "demo"}))
        known_tokens = set(_ASSET.findall(corpus))  # alarm codes such as CH-522 look like asset ids
        for case in cases:
            answer = chat(services, case["question"], thread_id=f"eval-{case['id']}", user_id="ana")
            scores = score(
                case,
                answer,
                known_docs=known_docs,
                known_assets=known_assets,
                known_codes=known_codes,
                known_tokens=known_tokens,
            )
            judged = judge(services, case["question"], answer)
            rows.append(
                {
                    "id": case["id"],
                    "mode": answer.mode,
                    "scores": scores,
                    "judge": judged.model_dump() if judged else None,
                }
            )
    finally:
        services.close()
    metrics: dict[str, float] = {"chat_cases": float(len(rows))}
    for criterion in CRITERIA:
        metrics[f"chat_{criterion}"] = round(mean(r["scores"][criterion] for r in rows), 4)
    if all(r["judge"] for r in rows):
        for criterion in CRITERIA:
            metrics[f"chat_judge_{criterion}"] = round(mean(r["judge"][criterion] for r in rows), 4)
    failing = [
        f"{r['id']} ({', '.join(k for k, v in r['scores'].items() if (v < 1) != (k == 'hallucination'))})"
        for r in rows
        if any((v < 1) != (k == "hallucination") for k, v in r["scores"].items())
    ]
    mode = rows[0]["mode"] if rows else "offline"
    markdown = "\n".join(
        [
            f"{len(rows)} technician questions (evals/cases/chat.yaml; a development set: the offline router was "
            f"built while looking at these questions), answered in {mode} mode, scored "
            "deterministically on AssetOpsBench's criteria"
            + (
                " and by an LLM judge."
                if "chat_judge_task_completion" in metrics
                else " (no LLM configured: no judge)."
            ),
            "",
            "| criterion | score |",
            "|---|---|",
            *[f"| {k.removeprefix('chat_')} | {v:.3f} |" for k, v in metrics.items() if k != "chat_cases"],
            "",
            "hallucination is a rate (lower is better); the others are shares of answers meeting the criterion.",
            "Questions with a shortfall: " + ("; ".join(failing) or "none"),
        ]
    )
    return SuiteResult(suite="chat", metrics=metrics, markdown=markdown)

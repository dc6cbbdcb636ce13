"""Investigations with an LLM: one structured diagnosis call over the wire; invalid output falls back."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from copilot import repo
from copilot.investigations import handle_alert
from copilot.llm.openai_provider import OpenAIProvider
from copilot.services import Services
from tests.fakes.openai_server import FakeOpenAI, ToolCall, Turn, schema_enums
from tests.helpers import fault_alert


def _valid_diagnosis(body: dict[str, Any]) -> Turn:
    parameters = body["tools"][0]["function"]["parameters"]
    codes = schema_enums(parameters, "failure_code")
    refs = [r for r in schema_enums(parameters, "citations") if r.startswith(("INC-", "MAN-"))]
    arguments = {
        "hypotheses": [
            {
                "failure_code": "PMP-BRG" if "PMP-BRG" in codes else codes[0],
                "name": "Bearing wear",
                "probability": 0.8,
                "rationale": "vibration and bearing temperature up",
                "citations": refs[:2],
            },
        ],
        "summary": "Bearing wear is most likely.",
        "confidence": "high",
    }
    return Turn(tool_calls=[ToolCall("submit_diagnosis", arguments)])


def test_an_investigation_makes_one_llm_call_and_pauses_for_approval(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(_valid_diagnosis)
    outcome = handle_alert(llm_services, fault_alert(llm_services, "P-101", "PMP-BRG"))
    assert outcome.status == "pending_approval"
    provider = llm_services.provider
    assert isinstance(provider, OpenAIProvider) and provider.calls == 1
    with Session(llm_services.engine) as session:
        investigation = repo.get_investigation(session, outcome.investigation_id)
    assert investigation.mode == "openai"
    assert investigation.diagnosis["hypotheses"][0]["failure_code"] == "PMP-BRG"
    sent = json.dumps(fake_openai.requests[0]["messages"])
    assert "bearing_vibration" in sent and "INC-" in sent  # the evidence went over the wire


def test_invalid_llm_output_falls_back_to_the_offline_diagnosis_and_says_so(
    llm_services: Services, fake_openai: FakeOpenAI
) -> None:
    bad = Turn(
        tool_calls=[
            ToolCall(
                "submit_diagnosis",
                {
                    "hypotheses": [
                        {
                            "failure_code": "XYZ-999",
                            "name": "made up",
                            "probability": 0.9,
                            "rationale": "?",
                            "citations": ["FAKE#1"],
                        }
                    ],
                    "summary": "?",
                    "confidence": "high",
                },
            )
        ]
    )
    fake_openai.script(bad, bad)
    outcome = handle_alert(llm_services, fault_alert(llm_services, "P-101", "PMP-BRG"))
    assert outcome.status == "pending_approval"
    with Session(llm_services.engine) as session:
        investigation = repo.get_investigation(session, outcome.investigation_id)
    assert investigation.mode == "offline"
    assert investigation.diagnosis["hypotheses"][0]["failure_code"] == "PMP-BRG"
    state = llm_services.graph.get_state({"configurable": {"thread_id": investigation.thread_id}}).values
    assert any("LLMInvalidOutput" in f for f in state["fallbacks"])

"""The openai provider over the wire, against the local fake OpenAI server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from copilot.config import Settings
from copilot.errors import ConfigError, LLMInvalidOutput, LLMRejected, LLMUnavailable
from copilot.llm.base import DiagnosisRequest
from copilot.llm.offline import OfflineProvider
from copilot.llm.openai_provider import OpenAIProvider
from copilot.llm.prompts import DIAGNOSIS_TOOL_NAME
from copilot.services import make_provider
from tests.fakes.openai_server import FakeOpenAI, Usage
from tests.llm.conftest import FakeClock


def diagnosis_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "hypotheses": [
            {
                "failure_code": "PMP-BRG",
                "name": "Bearing wear",
                "probability": 0.7,
                "rationale": "Vibration and temperature up, as in INC-0001.",
                "citations": ["model:centrifugal_pump-xgb@3", "INC-0001#0", "MAN-PUMP#7"],
            },
            {
                "failure_code": "PMP-CAV",
                "name": "Cavitation",
                "probability": 0.15,
                "rationale": "Vibration fits; suction pressure is normal.",
                "citations": ["INC-0003#0"],
            },
        ],
        "summary": "Most likely bearing wear on P-101.",
        "confidence": "high",
    }
    args.update(overrides)
    return args


def with_hypothesis(**changes: Any) -> dict[str, Any]:
    args = diagnosis_args()
    args["hypotheses"][1].update(changes)
    return args


# --- (a) the wire path ------------------------------------------------------------------------------


def test_diagnose_over_the_wire(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest
) -> None:
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args(), usage=Usage(812, 164))

    diagnosis = provider.diagnose(pump_request)

    assert [h.failure_code for h in diagnosis.hypotheses] == ["PMP-BRG", "PMP-CAV"]
    assert diagnosis.top.citations == ["model:centrifugal_pump-xgb@3", "INC-0001#0", "MAN-PUMP#7"]
    assert provider.mode == "openai"
    assert provider.calls == 1
    assert (provider.usage.prompt_tokens, provider.usage.completion_tokens) == (812, 164)

    body = fake_openai.last_request
    assert body["model"] == "fake-model"
    assert body["tool_choice"] == "required"
    [tool] = body["tools"]
    function = tool["function"]
    assert function["name"] == DIAGNOSIS_TOOL_NAME
    item = function["parameters"]["properties"]["hypotheses"]["items"]["properties"]
    assert item["failure_code"]["enum"] == ["PMP-BRG", "PMP-CAV", "PMP-SEAL", "PMP-MIS", "PMP-MOT"]
    assert item["citations"]["items"]["enum"] == [
        "model:centrifugal_pump-xgb@3",
        "INC-0001#0",
        "INC-0003#0",
        "MAN-PUMP#7",
    ]
    system, user = body["messages"]
    assert system["role"] == "system" and "ONLY among the listed failure codes" in system["content"]
    evidence = user["content"]
    for expected in (
        "P-101 bearing vibration 6.1 mm/s",
        "score 0.930 (alert threshold 0.710)",
        "PMP-BRG 0.810, PMP-CAV 0.120",
        "bearing_vibration [mm/s] weight 0.520: mean 6.1, min 5.2, max 7, last 6.8, normal 2.2",
        "[INC-0001#0] incident (similarity 0.80, failure_code PMP-BRG)",
        "[MAN-PUMP#7] 6.1 Bearing replacement",
        "PMP-SEAL Mechanical seal leak: Worn or damaged",
        "WO-0042",
    ):
        assert expected in evidence
    assert "5.2, 7.0" not in evidence, "the raw window values stay out of the prompt"


def test_diagnosis_is_ranked_and_named_from_the_site(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest
) -> None:
    args = diagnosis_args()
    args["hypotheses"].reverse()
    args["hypotheses"][0]["name"] = "Vapour bubbles"
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, args)

    diagnosis = provider.diagnose(pump_request)

    assert [(h.failure_code, h.name) for h in diagnosis.hypotheses] == [
        ("PMP-BRG", "Bearing wear"),
        ("PMP-CAV", "Cavitation"),
    ]
    assert fake_openai.pending == 0


# --- (b) validation and the re-ask ------------------------------------------------------------------


def test_invalid_answer_is_reasked_once_with_the_problems(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest
) -> None:
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, with_hypothesis(failure_code="PMP-XYZ"), id="call_bad")
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args())

    diagnosis = provider.diagnose(pump_request)

    assert diagnosis.top.failure_code == "PMP-BRG"
    assert provider.calls == 2
    messages = fake_openai.messages()
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["tool_calls"][0]["id"] == "call_bad"
    assert messages[3]["tool_call_id"] == "call_bad"
    assert "'PMP-XYZ' is not defined for centrifugal_pump" in messages[3]["content"]


@pytest.mark.parametrize(
    ("first", "second", "problem"),
    [
        (with_hypothesis(failure_code="PMP-XYZ"), with_hypothesis(failure_code="CMP-VLV"), "not defined"),
        (
            with_hypothesis(citations=["INC-0999#0"]),
            with_hypothesis(citations=["MAN-PUMP#99"]),
            "not among the allowed refs",
        ),
        (with_hypothesis(probability=0.6), with_hypothesis(probability=0.5), "sum to"),
        (diagnosis_args(hypotheses=[]), diagnosis_args(hypotheses="none"), "hypotheses"),
    ],
    ids=["unknown-code", "uncited-ref", "probabilities", "schema"],
)
def test_still_invalid_after_the_reask_raises(
    provider: OpenAIProvider,
    fake_openai: FakeOpenAI,
    pump_request: DiagnosisRequest,
    first: dict[str, Any],
    second: dict[str, Any],
    problem: str,
) -> None:
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, first)
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, second)

    with pytest.raises(LLMInvalidOutput, match=problem):
        provider.diagnose(pump_request)

    assert len(fake_openai.requests) == 2
    assert problem in fake_openai.messages()[-1]["content"]


def test_text_or_broken_json_instead_of_the_call_is_invalid(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest
) -> None:
    fake_openai.reply("I think it is the bearings.")
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, '{"hypotheses": [')

    with pytest.raises(LLMInvalidOutput, match="not valid JSON"):
        provider.diagnose(pump_request)

    reask = fake_openai.messages()
    assert reask[-1]["role"] == "user"
    assert "answered in text instead of calling submit_diagnosis" in reask[-1]["content"]


# --- (c) retries and the circuit breaker ------------------------------------------------------------


def test_server_errors_are_retried_with_backoff(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest, sleeps: list[float]
) -> None:
    fake_openai.fail(times=2, status=500)
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args())

    assert provider.diagnose(pump_request).top.failure_code == "PMP-BRG"

    assert len(fake_openai.requests) == 3
    assert provider.calls == 3
    assert sleeps == pytest.approx([0.15, 0.3])  # 0.2 then 0.4, halved-plus-half jitter at rng 0.5
    assert provider.breaker.state == "closed"


def test_rate_limits_and_timeouts_are_transient(
    llm_settings: Settings, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest, sleeps: list[float]
) -> None:
    provider = OpenAIProvider(
        llm_settings.model_copy(update={"llm_timeout_s": 0.3}), sleep=sleeps.append, attempts=3
    )
    fake_openai.fail(times=1, status=429)
    fake_openai.delay(2.0)
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args())

    assert provider.diagnose(pump_request).top.failure_code == "PMP-BRG"
    assert len(fake_openai.requests) == 3 and len(sleeps) == 2


def test_client_errors_are_not_retried(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest, sleeps: list[float]
) -> None:
    fake_openai.fail(times=1, status=401, message="Incorrect API key provided")

    with pytest.raises(LLMRejected, match="HTTP 401.*COPILOT_LLM_API_KEY"):
        provider.diagnose(pump_request)

    assert len(fake_openai.requests) == 1 and sleeps == []
    assert provider.breaker.state == "closed" and provider.breaker.consecutive_failures == 0


def test_breaker_opens_fails_fast_and_half_opens(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest, clock: FakeClock
) -> None:
    fake_openai.fail(times=9, status=503)
    for _ in range(3):
        with pytest.raises(LLMUnavailable, match="HTTP 503"):
            provider.diagnose(pump_request)
    assert len(fake_openai.requests) == 9  # 3 diagnoses x 3 attempts
    assert provider.breaker.state == "open"

    with pytest.raises(LLMUnavailable, match="circuit open"):
        provider.diagnose(pump_request)
    assert len(fake_openai.requests) == 9, "an open circuit sends nothing"

    clock.advance(29)
    with pytest.raises(LLMUnavailable, match="circuit open"):
        provider.diagnose(pump_request)

    clock.advance(1)
    assert provider.breaker.state == "half_open"
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args())
    assert provider.diagnose(pump_request).top.failure_code == "PMP-BRG"
    assert provider.breaker.state == "closed"
    assert len(fake_openai.requests) == 10


def test_failed_half_open_trial_opens_again(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest, clock: FakeClock
) -> None:
    fake_openai.fail(times=12, status=502)
    for _ in range(3):
        with pytest.raises(LLMUnavailable):
            provider.diagnose(pump_request)
    clock.advance(30)

    with pytest.raises(LLMUnavailable, match="HTTP 502"):
        provider.diagnose(pump_request)
    assert provider.breaker.state == "open"
    with pytest.raises(LLMUnavailable, match="circuit open"):
        provider.diagnose(pump_request)
    assert len(fake_openai.requests) == 12


def test_unreachable_endpoint_is_unavailable(pump_request: DiagnosisRequest, sleeps: list[float]) -> None:
    settings = Settings(llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    provider = OpenAIProvider(settings, sleep=sleeps.append)

    with pytest.raises(LLMUnavailable, match="unreachable"):
        provider.diagnose(pump_request)
    assert len(sleeps) == 2


# --- (e) picking the provider -----------------------------------------------------------------------


def test_make_provider_picks_by_settings(fake_openai: FakeOpenAI) -> None:
    assert isinstance(make_provider(Settings()), OfflineProvider)
    provider = make_provider(
        Settings(llm_provider="openai", llm_base_url=fake_openai.base_url, llm_model="fake-model")
    )
    assert isinstance(provider, OpenAIProvider) and provider.mode == "openai"


@pytest.mark.parametrize(
    ("base_url", "model", "missing"),
    [
        (None, "gpt-4o-mini", "needs COPILOT_LLM_BASE_URL:"),
        ("http://127.0.0.1:1/v1", "", "needs COPILOT_LLM_MODEL:"),
        ("", "", "needs COPILOT_LLM_BASE_URL and COPILOT_LLM_MODEL:"),
    ],
)
def test_make_provider_names_what_is_missing(base_url: str | None, model: str, missing: str) -> None:
    settings = Settings(llm_provider="openai", llm_base_url=base_url, llm_model=model)
    with pytest.raises(ConfigError, match=missing):
        make_provider(settings)


def test_make_provider_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM_PROVIDER", "openai")
    with pytest.raises(ConfigError, match="COPILOT_LLM_BASE_URL"):
        make_provider(Settings())
    monkeypatch.setenv("COPILOT_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    assert isinstance(make_provider(Settings()), OpenAIProvider)


def test_prompt_tool_schema_is_valid_json(
    provider: OpenAIProvider, fake_openai: FakeOpenAI, pump_request: DiagnosisRequest
) -> None:
    fake_openai.call_tool(DIAGNOSIS_TOOL_NAME, diagnosis_args())
    provider.diagnose(pump_request)
    schema = fake_openai.last_request["tools"][0]["function"]["parameters"]
    assert "$ref" not in json.dumps(schema), "refs are inlined for servers that do not resolve them"

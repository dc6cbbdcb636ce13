"""The openai provider: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp).

A diagnosis is one forced function call (`submit_diagnosis`) whose arguments are validated by the
`Diagnosis` schema and then against the request: failure codes of the asset class only, citations among
the refs the prompt gave. An invalid answer is re-asked once with the problems; a second invalid answer
raises `LLMInvalidOutput`. Every request runs with retries (transient errors only) inside a circuit
breaker; vendor errors are translated here into `LLMUnavailable` / `LLMRejected`. The provider never
falls back by itself: the caller decides (the graph falls back to the offline provider and records it).
"""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

import openai
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from copilot.config import Settings
from copilot.errors import ConfigError, LLMError, LLMInvalidOutput, LLMRejected, LLMUnavailable
from copilot.llm.base import Diagnosis, DiagnosisRequest
from copilot.llm.prompts import (
    DIAGNOSIS_REASK,
    DIAGNOSIS_SYSTEM,
    DIAGNOSIS_TOOL_DESCRIPTION,
    DIAGNOSIS_TOOL_NAME,
    allowed_refs,
    render_evidence,
)
from copilot.resilience import CircuitBreaker, retry

log = logging.getLogger(__name__)

T = TypeVar("T")

NO_API_KEY = "not-needed"
"""Sent when no key is configured: local servers ignore it, and the OpenAI SDK refuses an empty key."""

TRANSIENT_STATUS = frozenset({408, 409, 429})


def is_transient(exc: BaseException) -> bool:
    """Return whether another attempt may succeed: timeouts, connection errors, 408/409/429 and 5xx."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return False


def translate_error(exc: openai.APIError, *, endpoint: str) -> LLMError:
    """Translate an OpenAI SDK error into the copilot's LLM errors."""
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable(f"LLM endpoint {endpoint} timed out")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailable(f"LLM endpoint {endpoint} is unreachable: {exc.message}")
    if isinstance(exc, openai.APIStatusError):
        detail = f"LLM endpoint {endpoint} answered HTTP {exc.status_code}: {exc.message}"
        if is_transient(exc):
            return LLMUnavailable(detail)
        hint = {
            401: "; check COPILOT_LLM_API_KEY",
            403: "; check COPILOT_LLM_API_KEY",
            404: "; check COPILOT_LLM_MODEL and COPILOT_LLM_BASE_URL",
        }.get(exc.status_code, "")
        return LLMRejected(detail + hint)
    return LLMUnavailable(f"LLM endpoint {endpoint} gave an unusable response: {exc.message}")


@dataclass(frozen=True)
class TokenUsage:
    """Tokens reported by the endpoint's responses."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageMeter(BaseCallbackHandler):
    """Count requests sent to the chat model and the tokens its responses report (thread-safe)."""

    run_inline = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        with self._lock:
            self.calls += 1

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        prompt = completion = 0
        for generations in response.generations:
            for generation in generations:
                if isinstance(generation, ChatGeneration) and isinstance(generation.message, AIMessage):
                    usage = generation.message.usage_metadata
                    if usage:
                        prompt += usage.get("input_tokens", 0)
                        completion += usage.get("output_tokens", 0)
        with self._lock:
            self.prompt_tokens += prompt
            self.completion_tokens += completion

    def usage(self) -> TokenUsage:
        with self._lock:
            return TokenUsage(self.prompt_tokens, self.completion_tokens)


def diagnosis_tool(request: DiagnosisRequest) -> dict[str, Any]:
    """Return the `submit_diagnosis` function schema, its codes and refs narrowed to this request.

    The enums let grammar-constrained servers (vLLM, llama.cpp) only produce valid values; the answer is
    validated all the same.
    """
    tool = copy.deepcopy(_diagnosis_schema())
    function = tool["function"]
    function["name"] = DIAGNOSIS_TOOL_NAME
    function["description"] = DIAGNOSIS_TOOL_DESCRIPTION
    item = function["parameters"]["properties"]["hypotheses"]["items"]
    item["required"] = sorted(set(item.get("required", [])) | {"citations"})
    item["properties"]["failure_code"]["enum"] = [m.code for m in request.asset_class.failure_modes]
    refs = allowed_refs(request)
    if refs:
        item["properties"]["citations"]["items"]["enum"] = refs
    return tool


@cache
def _diagnosis_schema() -> dict[str, Any]:
    return convert_to_openai_tool(Diagnosis)


def check_diagnosis(args: dict[str, Any], request: DiagnosisRequest) -> tuple[Diagnosis | None, list[str]]:
    """Validate a `submit_diagnosis` call's arguments; return the diagnosis, or None and the problems.

    Hypotheses are sorted by probability first (the order carries no information the model could get
    wrong on purpose), and names are taken from the site, so only codes, probabilities and citations
    are the model's.
    """
    args = dict(args)
    hypotheses = args.get("hypotheses")
    if isinstance(hypotheses, list) and all(
        isinstance(h, dict) and isinstance(h.get("probability"), int | float) for h in hypotheses
    ):
        args["hypotheses"] = sorted(hypotheses, key=lambda h: -float(h["probability"]))
    try:
        diagnosis = Diagnosis.model_validate(args)
    except PydanticValidationError as exc:
        return None, [
            f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in exc.errors()
        ]
    spec = request.asset_class
    codes = {m.code: m for m in spec.failure_modes}
    refs = set(allowed_refs(request))
    problems = []
    seen: set[str] = set()
    for hypothesis in diagnosis.hypotheses:
        if hypothesis.failure_code not in codes:
            problems.append(
                f"failure code {hypothesis.failure_code!r} is not defined for {spec.id} "
                f"(allowed: {', '.join(codes)})"
            )
        elif hypothesis.failure_code in seen:
            problems.append(f"failure code {hypothesis.failure_code!r} appears twice")
        seen.add(hypothesis.failure_code)
        unknown = [ref for ref in hypothesis.citations if ref not in refs]
        if unknown:
            problems.append(
                f"{hypothesis.failure_code}: citations {', '.join(map(repr, unknown))} are not among the "
                "allowed refs"
            )
    if problems:
        return None, problems
    for hypothesis in diagnosis.hypotheses:
        hypothesis.name = codes[hypothesis.failure_code].name
    return diagnosis, []


def _tool_args(reply: AIMessage) -> tuple[dict[str, Any] | None, list[str]]:
    """Return the arguments of the reply's `submit_diagnosis` call, or None and why there is none."""
    for call in reply.tool_calls:
        if call["name"] == DIAGNOSIS_TOOL_NAME:
            return call["args"], []
    for bad in reply.invalid_tool_calls:
        if bad.get("name") == DIAGNOSIS_TOOL_NAME:
            return None, [f"the {DIAGNOSIS_TOOL_NAME} arguments are not valid JSON: {bad.get('error')}"]
    named = [c["name"] for c in reply.tool_calls]
    if named:
        return None, [f"called {', '.join(named)} instead of {DIAGNOSIS_TOOL_NAME}"]
    return None, [f"answered in text instead of calling {DIAGNOSIS_TOOL_NAME}"]


def _feedback(reply: AIMessage, problems: list[str], request: DiagnosisRequest) -> list[BaseMessage]:
    """The messages that re-ask: the rejected reply, then a tool result (or user turn) naming the problems."""
    text = DIAGNOSIS_REASK.format(
        problems="; ".join(problems),
        tool=DIAGNOSIS_TOOL_NAME,
        codes=", ".join(m.code for m in request.asset_class.failure_modes),
    )
    if not reply.tool_calls:
        return [reply, HumanMessage(text)]
    # Every tool call of an assistant turn needs its result, or strict servers refuse the conversation.
    return [reply] + [ToolMessage(content=text, tool_call_id=call["id"] or "") for call in reply.tool_calls]


class OpenAIProvider:
    """Diagnoses (and the chat agent's model) from an OpenAI-compatible endpoint."""

    mode = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        attempts: int = 3,
        base_delay_s: float = 0.2,
        max_delay_s: float = 2.0,
        failure_threshold: int = 3,
        reset_after_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        base_url, model = settings.llm_base_url, settings.llm_model
        if not base_url or not model:
            missing = [
                name
                for name, value in (("COPILOT_LLM_BASE_URL", base_url), ("COPILOT_LLM_MODEL", model))
                if not value
            ]
            raise ConfigError(
                f"the openai LLM provider needs {' and '.join(missing)}: set it, or set COPILOT_LLM_PROVIDER=offline"
            )
        self.settings = settings
        self.base_url = base_url
        self.model = model
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.breaker = CircuitBreaker(
            failure_threshold, reset_after_s, is_failure=is_transient, clock=clock, name=self.base_url
        )
        self.meter = UsageMeter()
        self._sleep = sleep
        self._rng = rng
        self._models: dict[bool, ChatOpenAI] = {}
        self._models_lock = threading.Lock()

    @property
    def calls(self) -> int:
        """Requests sent to the endpoint (every attempt, diagnoses and chat alike)."""
        return self.meter.calls

    @property
    def usage(self) -> TokenUsage:
        """Prompt and completion tokens reported by the endpoint's responses."""
        return self.meter.usage()

    def chat_model(self, streaming: bool = False) -> BaseChatModel:
        """Return the chat model for this endpoint (no SDK retries; usage is metered)."""
        with self._models_lock:
            model = self._models.get(streaming)
            if model is None:
                key = self.settings.llm_api_key or SecretStr(NO_API_KEY)
                model = ChatOpenAI(
                    model=self.model,
                    base_url=self.base_url,
                    api_key=key,
                    timeout=self.settings.llm_timeout_s,
                    max_retries=0,
                    streaming=streaming,
                    stream_usage=True,
                    callbacks=[self.meter],
                )
                self._models[streaming] = model
            return model

    def call(self, fn: Callable[[], T]) -> T:
        """Run one request with retries inside the circuit breaker; translate the SDK's errors."""
        try:
            return self.breaker.call(
                lambda: retry(
                    fn,
                    attempts=self.attempts,
                    base_delay_s=self.base_delay_s,
                    max_delay_s=self.max_delay_s,
                    retry_on=is_transient,
                    sleep=self._sleep,
                    rng=self._rng,
                )
            )
        except openai.APIError as exc:
            raise translate_error(exc, endpoint=self.base_url) from exc

    def _ask(
        self, model: Runnable[LanguageModelInput, BaseMessage], messages: list[BaseMessage]
    ) -> AIMessage:
        reply = self.call(lambda: model.invoke(messages))
        if not isinstance(reply, AIMessage):  # pragma: no cover - ChatOpenAI always answers an AIMessage
            raise LLMInvalidOutput(f"expected an assistant message, got {type(reply).__name__}")
        return reply

    def diagnose(self, request: DiagnosisRequest) -> Diagnosis:
        """Rank hypotheses with one function call; re-ask once if the answer is invalid."""
        model = self.chat_model().bind_tools([diagnosis_tool(request)], tool_choice="required")
        messages: list[BaseMessage] = [
            SystemMessage(DIAGNOSIS_SYSTEM.format(tool=DIAGNOSIS_TOOL_NAME)),
            HumanMessage(render_evidence(request)),
        ]
        problems: list[str] = []
        for attempt in (1, 2):
            reply = self._ask(model, messages)
            args, problems = _tool_args(reply)
            if args is not None:
                diagnosis, problems = check_diagnosis(args, request)
                if diagnosis is not None:
                    log.info(
                        "asset %s: LLM diagnosis %s (p=%.2f) on attempt %d",
                        request.asset_id,
                        diagnosis.top.failure_code,
                        diagnosis.top.probability,
                        attempt,
                    )
                    return diagnosis
            log.warning(
                "asset %s: invalid LLM diagnosis on attempt %d: %s",
                request.asset_id,
                attempt,
                "; ".join(problems),
            )
            messages += _feedback(reply, problems, request)
        raise LLMInvalidOutput(
            f"the model's diagnosis for {request.asset_id} was invalid after a re-ask: {'; '.join(problems)}"
        )

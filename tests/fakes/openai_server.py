"""A local OpenAI-protocol server for tests: scripted replies over real HTTP, streaming included.

Script it through the `FakeOpenAI` control object, point any OpenAI client at `fake.base_url`:

    fake.reply("Checking the pump.")                               # an assistant text turn
    fake.call_tool("get_asset", {"asset_id": "P-101"})             # a turn with one tool call
    fake.call_tools(("search_manual", {"q": "seal"}), ("get_history", {"asset_id": "P-101"}))
    fake.script(lambda body: Turn(text=f"{len(body['messages'])} messages"))  # computed from the request
    fake.fail(times=2, status=503)                                 # the next 2 requests fail first
    fake.delay(1.5)                                                # the next request answers after 1.5 s
    ... run the code under test ...
    fake.requests[-1]["tools"], fake.messages()                    # what the client sent

Turns are consumed in order, one per successful request, streamed (`stream: true`, server-sent events
in OpenAI's chunk format, ending with `data: [DONE]`) or not as the client asks. A request with no
turn left is answered HTTP 400 naming the request, so a test that under-scripts fails loudly. Like
OpenAI, the server refuses (400) a conversation where an assistant's tool calls are not each answered
by a `tool` message, or where a `tool` message answers no call.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse


@dataclass
class ToolCall:
    """One scripted tool call; `args` as a dict, or a raw string (e.g. broken JSON)."""

    name: str
    args: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    @property
    def arguments(self) -> str:
        return self.args if isinstance(self.args, str) else json.dumps(self.args)


@dataclass
class Usage:
    prompt_tokens: int
    completion_tokens: int

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@dataclass
class Turn:
    """One scripted assistant turn: text, tool calls, or both.

    `text` as a list gives the exact streamed chunks; a string is streamed word by word. Without
    `usage`, tokens are estimated as characters / 4 of the request's messages and of the reply.
    """

    text: str | list[str] | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None

    @property
    def content(self) -> str | None:
        if self.text is None:
            return None
        return self.text if isinstance(self.text, str) else "".join(self.text)

    def chunks(self) -> list[str]:
        if self.text is None:
            return []
        if isinstance(self.text, list):
            return self.text
        return re.findall(r"\S+\s*|\s+", self.text)


Scripted = Turn | Callable[[dict[str, Any]], Turn]


@dataclass
class _Failure:
    status: int
    message: str
    times: int


class FakeOpenAI:
    """The control object: the script, the failures and delays to inject, and what was received."""

    def __init__(self) -> None:
        self.base_url = ""
        """The OpenAI base URL, `http://127.0.0.1:<port>/v1`, once the server runs."""
        self.requests: list[dict[str, Any]] = []
        """Every request body received, in order (failed and delayed ones included)."""
        self.headers: list[dict[str, str]] = []
        """The headers of each request, in the same order."""
        self._lock = threading.Lock()
        self._turns: deque[Scripted] = deque()
        self._failures: deque[_Failure] = deque()
        self._delays: deque[float] = deque()
        self._ids = 0
        self.default: Scripted | None = None
        """Answers a request when the script is empty (for a long-running fake, e.g. a benchmark)."""

    # --- scripting -------------------------------------------------------------------------------

    def script(self, *turns: Scripted | str) -> FakeOpenAI:
        """Queue turns: `Turn`s, plain strings (text turns) or callables computing a Turn from the request."""
        with self._lock:
            self._turns.extend(Turn(text=t) if isinstance(t, str) else t for t in turns)
        return self

    def reply(self, text: str | list[str], *, usage: Usage | None = None) -> FakeOpenAI:
        """Queue an assistant text turn."""
        return self.script(Turn(text=text, usage=usage))

    def call_tool(
        self,
        name: str,
        args: dict[str, Any] | str | None = None,
        *,
        id: str | None = None,
        text: str | None = None,
        usage: Usage | None = None,
    ) -> FakeOpenAI:
        """Queue a turn with one tool call (and optional text before it)."""
        call = ToolCall(name, {} if args is None else args, id)
        return self.script(Turn(text=text, tool_calls=[call], usage=usage))

    def call_tools(
        self, *calls: ToolCall | tuple[str, dict[str, Any]], usage: Usage | None = None
    ) -> FakeOpenAI:
        """Queue a turn with several (parallel) tool calls."""
        parsed = [c if isinstance(c, ToolCall) else ToolCall(c[0], c[1]) for c in calls]
        return self.script(Turn(tool_calls=parsed, usage=usage))

    def fail(self, times: int = 1, *, status: int = 500, message: str = "scripted failure") -> FakeOpenAI:
        """Answer the next `times` requests with HTTP `status` (an OpenAI error body); turns are kept."""
        with self._lock:
            self._failures.append(_Failure(status, message, times))
        return self

    def delay(self, seconds: float, *, times: int = 1) -> FakeOpenAI:
        """Delay the next `times` requests; one whose client gives up meanwhile consumes no turn."""
        with self._lock:
            self._delays.extend([seconds] * times)
        return self

    def reset(self) -> None:
        """Forget the script, pending failures and delays, and the recorded requests."""
        with self._lock:
            self._turns.clear()
            self._failures.clear()
            self._delays.clear()
            self.requests.clear()
            self.headers.clear()
            self._ids = 0

    # --- inspection ------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Turns not yet consumed."""
        return len(self._turns)

    @property
    def last_request(self) -> dict[str, Any]:
        assert self.requests, "the fake OpenAI server received no request"
        return self.requests[-1]

    def messages(self, index: int = -1) -> list[dict[str, Any]]:
        """The messages of request `index` (default the last)."""
        return list(self.requests[index]["messages"])

    # --- serving (called by the app) ---------------------------------------------------------------

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[_Failure | None, float]:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            failure = None
            if self._failures:
                failure = self._failures[0]
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.popleft()
            delay = self._delays.popleft() if (self._delays and failure is None) else 0.0
            return failure, delay

    def _next_turn(self, body: dict[str, Any]) -> Turn | None:
        with self._lock:
            scripted = self._turns.popleft() if self._turns else self.default
        if scripted is None or isinstance(scripted, Turn):
            return scripted
        return scripted(body)

    def _call_id(self, call: ToolCall) -> str:
        if call.id:
            return call.id
        with self._lock:
            self._ids += 1
            return f"call_{self._ids}"


def _error(status: int, message: str, *, kind: str = "invalid_request_error") -> JSONResponse:
    if status >= 500:
        kind = "server_error"
    elif status == 429:
        kind = "rate_limit_exceeded"
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": None}}, status_code=status
    )


def _conversation_problem(messages: list[dict[str, Any]]) -> str | None:
    """Return OpenAI's complaint about unanswered or orphan tool messages, if any."""
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in open_calls:
                return (
                    f"Invalid parameter: messages[{i}] with role 'tool' must be a response to a preceding "
                    f"message with 'tool_calls' (no open call {call_id!r})."
                )
            open_calls.discard(call_id)
            continue
        if open_calls:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to "
                f"each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                f"{', '.join(sorted(open_calls))}"
            )
        if role == "assistant":
            open_calls = {c["id"] for c in message.get("tool_calls") or []}
    if open_calls:
        return f"The tool_call_ids {', '.join(sorted(open_calls))} did not have response messages."
    return None


def _estimate(text: str) -> int:
    return max(1, len(text) // 4)


def create_app(fake: FakeOpenAI) -> FastAPI:
    """Build the FastAPI app that serves `fake`'s script."""
    app = FastAPI(title="fake OpenAI")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "tests"}]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        failure, delay = fake._record(body, dict(request.headers))
        if failure is not None:
            return _error(failure.status, failure.message)
        if delay:
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                if await request.is_disconnected():
                    return Response(status_code=499)
        if not isinstance(body.get("messages"), list) or not body.get("model"):
            return _error(400, "'model' and 'messages' are required")
        if (problem := _conversation_problem(body["messages"])) is not None:
            return _error(400, problem)
        turn = fake._next_turn(body)
        if turn is None:
            return _error(400, f"fake OpenAI server: no scripted turn left for request #{len(fake.requests)}")
        calls = [(fake._call_id(c), c) for c in turn.tool_calls]
        usage = turn.usage or Usage(
            _estimate(json.dumps(body["messages"])),
            _estimate((turn.content or "") + "".join(c.arguments for _, c in calls)),
        )
        finish = turn.finish_reason or ("tool_calls" if calls else "stop")
        meta = {
            "id": f"chatcmpl-fake-{len(fake.requests)}",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": None,
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                _stream(meta, turn, calls, usage, finish, include_usage), media_type="text/event-stream"
            )
        message: dict[str, Any] = {"role": "assistant", "content": turn.content, "refusal": None}
        if calls:
            message["tool_calls"] = [
                {"id": cid, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for cid, c in calls
            ]
        return JSONResponse(
            {
                **meta,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": usage.as_dict(),
            }
        )

    return app


async def _stream(
    meta: dict[str, Any],
    turn: Turn,
    calls: list[tuple[str, ToolCall]],
    usage: Usage,
    finish: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    def event(delta: dict[str, Any] | None, finish_reason: str | None = None) -> str:
        chunk: dict[str, Any] = {**meta, "object": "chat.completion.chunk"}
        chunk["choices"] = (
            []
            if delta is None
            else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )
        if include_usage:
            chunk["usage"] = usage.as_dict() if delta is None else None
        return f"data: {json.dumps(chunk)}\n\n"

    yield event({"role": "assistant", "content": "" if turn.text is not None else None, "refusal": None})
    for piece in turn.chunks():
        yield event({"content": piece})
    for index, (cid, call) in enumerate(calls):
        header = {
            "index": index,
            "id": cid,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield event({"tool_calls": [header]})
        arguments = call.arguments
        step = max(1, len(arguments) // 3)
        for start in range(0, len(arguments), step):
            fragment = {"index": index, "function": {"arguments": arguments[start : start + step]}}
            yield event({"tool_calls": [fragment]})
    yield event({}, finish)
    if include_usage:
        yield event(None)
    yield "data: [DONE]\n\n"


@contextmanager
def run_fake_openai(fake: FakeOpenAI | None = None) -> Iterator[FakeOpenAI]:
    """Serve a fake OpenAI endpoint with uvicorn on 127.0.0.1 (a free port) in a background thread."""
    fake = fake or FakeOpenAI()
    config = uvicorn.Config(
        create_app(fake),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-openai", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake OpenAI server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """One fake OpenAI server for the session; use `fake_openai` in tests for a clean script."""
    with run_fake_openai() as fake:
        yield fake


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The fake OpenAI server with an empty script and no recorded requests; `.base_url` to connect."""
    fake_openai_server.reset()
    yield fake_openai_server
    fake_openai_server.reset()


def schema_enums(schema: Any, key: str) -> list[str]:
    """The enum of a property anywhere in a JSON schema (a tool's parameters)."""
    found: list[str] = []
    if isinstance(schema, dict):
        for name, value in schema.items():
            if name == key and isinstance(value, dict):
                found += value.get("enum", []) or value.get("items", {}).get("enum", [])
            found += schema_enums(value, key)
    elif isinstance(schema, list):
        for item in schema:
            found += schema_enums(item, key)
    return found


def valid_diagnosis(body: dict[str, Any]) -> Turn:
    """A well-formed diagnosis for any `submit_diagnosis` request (from the enums in its schema); text otherwise."""
    tools = [t for t in body.get("tools", []) if t.get("function", {}).get("name") == "submit_diagnosis"]
    if not tools:
        return Turn(text="I have nothing to add.", usage=Usage(50, 8))
    parameters = tools[0]["function"]["parameters"]
    codes = schema_enums(parameters, "failure_code")
    refs = schema_enums(parameters, "citations")
    arguments = {
        "hypotheses": [
            {
                "failure_code": codes[0],
                "name": codes[0],
                "probability": 0.7,
                "rationale": "the evidence points here",
                "citations": refs[:2],
            }
        ],
        "summary": f"Most likely {codes[0]}.",
        "confidence": "medium",
    }
    return Turn(tool_calls=[ToolCall("submit_diagnosis", arguments)], usage=Usage(1200, 80))


def main() -> None:
    """Serve the fake on a port, answering diagnoses validly: `python -m tests.fakes.openai_server 8089`."""
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8089
    fake = FakeOpenAI()
    fake.default = valid_diagnosis
    uvicorn.run(create_app(fake), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()

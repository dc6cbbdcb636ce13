from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from copilot.api.deps import CurrentUser, ServicesDep
from copilot.api.schemas import ChatIn
from copilot.chat.graph import chat, chat_stream
from copilot.chat.schemas import ChatAnswer

router = APIRouter(prefix="/chat", tags=["chat"])


def _thread(user_id: str, thread_id: str) -> str:
    return f"{user_id}:{thread_id}"  # a user's threads are theirs


@router.post("")
def ask(body: ChatIn, services: ServicesDep, user: CurrentUser, request: Request) -> ChatAnswer:
    """Ask the copilot; the answer says which mode answered, cites its sources, and lists any proposal
    (which waits for an operator)."""
    answer = chat(
        services, body.message, thread_id=_thread(user.id, body.thread_id), user_id=user.id, role=user.role
    )
    request.app.state.metrics.chats.labels(answer.mode, str(answer.refused).lower()).inc()
    return answer


@router.post(
    "/stream",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events: token ..., then answer.",
        }
    },
)
def ask_stream(body: ChatIn, services: ServicesDep, user: CurrentUser, request: Request) -> StreamingResponse:
    """The same as POST /chat, streamed as server-sent events: `token` events, then one `answer` event."""
    metrics = request.app.state.metrics

    def events() -> Iterator[str]:
        for event in chat_stream(
            services,
            body.message,
            thread_id=_thread(user.id, body.thread_id),
            user_id=user.id,
            role=user.role,
        ):
            if event["type"] == "answer":
                metrics.chats.labels(event["mode"], str(event["refused"]).lower()).inc()
            yield f"event: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

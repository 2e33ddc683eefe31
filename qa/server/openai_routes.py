"""OpenAI-compatible ``/v1/models`` and ``/v1/chat/completions``, streaming and not.

The last user message is the question, earlier user/assistant pairs are the history. The
answer text keeps its ``[n]`` markers; the citations travel in a top-level ``citations`` list
of the response and of every stream chunk that carries text (as Perplexity's API does), each
with file, page, quote and relevance. A refusal is an ordinary answer that says so.

A stream sends the final, grounded answer (the one the Python API returns), in pieces: the
generative backends' raw draft can hold sentences the check then drops."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Generator
from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from qa import Answer, AskOptions, Assistant, Backend, NotFound, QAError
from qa.server.auth import Member
from qa.server.errors import error_body
from qa.server.responses import JSONData
from qa.server.schemas import SourceNames
from qa.server.streaming import closing_stream

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL_PREFIX = "qa-"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, max_tokens...: the answer is grounded, not sampled
    model: str = Field(description="qa (the server's backend) or qa-extractive, qa-local, qa-openai")
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False


def _backend(model: str, default: Backend) -> Backend:
    if model in ("qa", MODEL_PREFIX + "default"):
        return default
    name = model.removeprefix(MODEL_PREFIX)
    if model.startswith(MODEL_PREFIX) and name in get_args(Backend):
        return name  # type: ignore[return-value]
    raise NotFound(f"The model '{model}' does not exist; GET /v1/models lists them.")


def _question_and_history(messages: list[Message]) -> tuple[str, list[tuple[str, str]]]:
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    if not users:
        raise QAError("The messages hold no user message to answer.")
    last = users[-1]
    history, pending = [], None
    for m in messages[:last]:
        if m.role == "user":
            pending = m.text()
        elif m.role == "assistant" and pending is not None:
            history.append((pending, m.text()))
            pending = None
    return messages[last].text(), history


def citations(answer: Answer, names: SourceNames) -> list[dict[str, Any]]:
    return [
        {
            "number": c.number,
            "file": c.file_name,
            "source": names(c.source),
            "title": c.title,
            "page": c.page,
            "quote": c.quote,
            "relevance": c.relevance,
        }
        for c in answer.citations
    ]


@router.get("/models")
def models(request: Request, user: Member) -> dict[str, Any]:
    names = ["qa", *(MODEL_PREFIX + b for b in get_args(Backend))]
    return {"object": "list", "data": [{"id": n, "object": "model", "created": 0, "owned_by": "qa"} for n in names]}


@router.post("/chat/completions", response_model=None)
def chat_completions(body: ChatRequest, request: Request, user: Member) -> JSONData | StreamingResponse:
    bot: Assistant = request.app.state.assistant
    options = AskOptions(backend=_backend(body.model, bot.settings.answering.backend))
    question, history = _question_and_history(body.messages)
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
    if not body.stream:
        answer = bot.ask(question, history, options)
        return JSONData(
            {
                **head,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.text},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": citations(answer, request.app.state.source_names),
                "refused": answer.refused,
            }
        )
    stop = threading.Event()
    chunks = _chunks(bot, question, history, options, head, request.app.state.source_names, stop)
    return StreamingResponse(
        closing_stream(chunks, stop, "/v1/chat/completions"),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )


def _chunks(
    bot: Assistant,
    question: str,
    history: list[tuple[str, str]],
    options: AskOptions,
    head: dict[str, Any],
    names: SourceNames,
    stop: threading.Event,
) -> Generator[str, None, None]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            **head,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    answer = None
    try:  # the draft's tokens are not sent (see above); `stop`, set when the client goes away, ends it
        for event in bot.stream(question, history, options, stop=stop):
            if isinstance(event, Answer):
                answer = event
    except QAError as exc:  # headers are sent: the error goes in the stream, as OpenAI's API does
        yield f"data: {json.dumps(error_body(type(exc).__name__, str(exc)))}\n\n"
        return
    assert answer is not None  # Assistant.stream ends with the answer
    cited = citations(answer, names)
    for piece in re.findall(r"\S+\s*|\s+", answer.text):  # words with their spacing: joined, the exact text
        yield chunk({"content": piece}, citations=cited)
    yield chunk({}, "stop", citations=cited, refused=answer.refused)
    yield "data: [DONE]\n\n"

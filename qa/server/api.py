"""REST routes under /api: sign-in, questions (JSON and server-sent events), documents,
conversations, users and keys. Every route names the roles it needs."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Generator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse, StreamingResponse

from qa import (
    Answer,
    Assistant,
    Forbidden,
    NotFound,
    QAError,
    Retrieved,
    ServerSettings,
    TooLarge,
    Turn,
    User,
    conversation_markdown,
)
from qa.server import schemas
from qa.server.auth import SESSION_COOKIE, Admin, Gate, Member, credential
from qa.server.errors import error_body
from qa.server.responses import JSONData
from qa.server.streaming import closing_stream

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api")


def _bot(request: Request) -> Assistant:
    return request.app.state.assistant


def _names(request: Request) -> schemas.SourceNames:
    return request.app.state.source_names


def _gate(request: Request) -> Gate:
    return request.app.state.gate


# --- liveness, sign-in -------------------------------------------------------------------------
@router.get("/health", tags=["health"])
async def health() -> dict[str, str]:
    """The process answers (no sign-in needed; says nothing about the index)."""
    return {"status": "ok"}


@router.get("/ready", tags=["health"])
def ready(request: Request, response: Response) -> dict[str, Any]:
    """The index can be read: 200, else 503 with the reason."""
    try:
        _bot(request).chunk_count()
    except QAError as exc:
        response.status_code = 503
        return {"ready": False, "reason": str(exc)}
    return {"ready": True}


@router.post("/session", tags=["accounts"])
def sign_in(body: schemas.SignInRequest, request: Request, response: Response) -> dict[str, Any]:
    """Sign in: a session token (send it as `Authorization: Bearer`), also set as an HttpOnly cookie."""
    signed = _gate(request).accounts.sign_in(body.name, body.password)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(signed.expires_at - time.time()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return {"token": signed.token, "expires_at": signed.expires_at, "user": _user_json(signed.user)}


@router.delete("/session", tags=["accounts"])
def sign_out(request: Request, response: Response, user: Member) -> dict[str, bool]:
    token = credential(request)
    if token:
        _gate(request).accounts.sign_out(token)
    response.delete_cookie(SESSION_COOKIE)
    return {"signed_out": True}


@router.get("/me", tags=["accounts"])
def me(user: Member) -> dict[str, Any]:
    return _user_json(user)


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "role": user.role, "disabled": user.disabled}


# --- questions ---------------------------------------------------------------------------------
def _history(request: Request, body: schemas.AskRequest, user: User) -> list[tuple[str, str]]:
    if body.conversation_id is None:
        return []
    chat = _bot(request).conversations.load(body.conversation_id, owner=user.id)
    if chat is None:
        raise NotFound(f"No chat '{body.conversation_id}'.")
    return chat.history


def _save(request: Request, body: schemas.AskRequest, turn: Turn) -> None:
    if body.conversation_id is not None:
        _bot(request).conversations.append(body.conversation_id, turn)


@router.post("/ask", tags=["questions"], response_class=JSONData)
def ask(body: schemas.AskRequest, request: Request, user: Member) -> JSONData:
    """Answer one question with citations (a refusal is an answer with `refused: true`)."""
    history = _history(request, body, user)
    try:
        answer = _bot(request).ask(body.question, history, body.options())
    except QAError as exc:
        _save(request, body, Turn(body.question, error=str(exc)))
        raise
    _save(request, body, Turn(body.question, answer))
    return JSONData(schemas.answer_json(answer, _names(request)))


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask/stream",
    tags=["questions"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def ask_stream(body: schemas.AskRequest, request: Request, user: Member) -> StreamingResponse:
    """Server-sent events: `passages` (what was retrieved), `token` (generated text, generative
    backends), then `answer` (the final, grounded answer, as /api/ask returns it) or `error`."""
    history = _history(request, body, user)
    bot, stop, names = _bot(request), threading.Event(), _names(request)

    def events() -> Generator[str, None, None]:
        try:
            for event in bot.stream(body.question, history, body.options(), stop=stop):
                if isinstance(event, Retrieved):
                    yield _event(
                        "passages",
                        {
                            "search_query": event.search_query,
                            "passages": [schemas.passage_json(p, names) for p in event.passages],
                        },
                    )
                elif isinstance(event, Answer):
                    _save(request, body, Turn(body.question, event))
                    yield _event("answer", schemas.answer_json(event, names))
                else:
                    yield _event("token", {"text": event})
        except QAError as exc:
            _save(request, body, Turn(body.question, error=str(exc)))
            yield _event("error", error_body(type(exc).__name__, str(exc))["error"])

    return StreamingResponse(
        closing_stream(events(), stop, "/api/ask/stream"),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )


# --- documents ---------------------------------------------------------------------------------
@router.get("/documents", tags=["documents"])
def documents(request: Request, user: Member) -> list[dict[str, Any]]:
    """Indexed files; `source` is the name under the documents folder (corpus or uploads)."""
    names = _names(request)
    return [{**asdict(d), "source": names(d.source)} for d in _bot(request).documents()]


@router.post("/documents", tags=["documents"])
async def upload(file: UploadFile, request: Request, user: Member) -> dict[str, Any]:
    """Add one file (multipart field `file`); admins, and members when QA_UPLOAD_ROLES allows."""
    server: ServerSettings = request.app.state.server_settings
    if user.role not in server.upload_roles:
        raise Forbidden(f"Uploading needs the {' or '.join(server.upload_roles)} role (QA_UPLOAD_ROLES).")
    bot = _bot(request)
    limit = bot.settings.interface.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"The file is over the {limit / 1e6:.1f} MB upload limit (QA_MAX_UPLOAD_MB).")
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(bot.ingest_upload, file.filename or "upload", data)
    fields = asdict(result)
    return {"source": _names(request)(fields.pop("path")), **fields}


@router.delete("/documents", tags=["documents"])
def remove_document(source: str, request: Request, user: Admin) -> dict[str, Any]:
    """Remove one indexed file (its `source`, as /api/documents lists it); admins only."""
    bot, names = _bot(request), _names(request)
    found = [d.source for d in bot.documents() if names(d.source) == source]
    if not found:
        raise NotFound(f"No indexed file '{source}'.")
    if len(found) > 1:  # files of one name, both outside the documents folders
        raise QAError(f"'{source}' names {len(found)} indexed files outside the documents folders; none was removed.")
    return {"source": source, "removed_chunks": bot.remove(found[0])}


# --- conversations -----------------------------------------------------------------------------
def _own_chat(request: Request, chat_id: str, user: User):
    chat = _bot(request).conversations.load(chat_id, owner=user.id)
    if chat is None:  # another person's chat is as absent as one that never existed
        raise NotFound(f"No chat '{chat_id}'.")
    return chat


@router.get("/conversations", tags=["conversations"])
def conversations(request: Request, user: Member) -> list[dict[str, Any]]:
    """Your chats, newest first."""
    return [schemas.conversation_info_json(c) for c in _bot(request).conversations.list(owner=user.id)]


@router.post("/conversations", tags=["conversations"])
def new_conversation(request: Request, user: Member, body: schemas.TitleRequest | None = None) -> dict[str, Any]:
    info = _bot(request).conversations.create(body.title if body else "New chat", owner=user.id)
    return schemas.conversation_info_json(info)


@router.get("/conversations/{chat_id}", tags=["conversations"])
def conversation(chat_id: str, request: Request, user: Member) -> dict[str, Any]:
    chat = _own_chat(request, chat_id, user)
    return {
        **schemas.conversation_info_json(chat.info),
        "messages": [schemas.turn_json(t, _names(request)) for t in chat.turns],
    }


@router.patch("/conversations/{chat_id}", tags=["conversations"])
def rename(chat_id: str, body: schemas.TitleRequest, request: Request, user: Member) -> dict[str, Any]:
    _own_chat(request, chat_id, user)
    _bot(request).conversations.rename(chat_id, body.title)
    return schemas.conversation_info_json(_own_chat(request, chat_id, user).info)


@router.delete("/conversations/{chat_id}", tags=["conversations"])
def delete(chat_id: str, request: Request, user: Member) -> dict[str, bool]:
    _own_chat(request, chat_id, user)
    _bot(request).conversations.delete(chat_id)
    return {"deleted": True}


@router.get("/conversations/{chat_id}/export", tags=["conversations"], response_class=PlainTextResponse)
def export(chat_id: str, request: Request, user: Member) -> PlainTextResponse:
    """The chat as Markdown (a download)."""
    chat = _own_chat(request, chat_id, user)
    return PlainTextResponse(
        conversation_markdown(chat.turns, chat.info.title),
        media_type="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="chat-{chat.info.id}.md"'},
    )


# --- users and keys ----------------------------------------------------------------------------
@router.get("/users", tags=["accounts"])
def users(request: Request, user: Admin) -> list[dict[str, Any]]:
    return [_user_json(u) for u in _gate(request).accounts.users()]


@router.post("/users", tags=["accounts"])
def add_user(body: schemas.NewUserRequest, request: Request, user: Admin) -> dict[str, Any]:
    return _user_json(_gate(request).accounts.add(body.name, body.role, body.password))  # type: ignore[arg-type]


@router.get("/keys", tags=["accounts"])
def keys(request: Request, user: Member) -> list[dict[str, Any]]:
    """Your API keys (never the keys themselves)."""
    return [asdict(k) for k in _gate(request).accounts.keys(user)]


@router.post("/keys", tags=["accounts"])
def create_key(request: Request, user: Member, body: schemas.KeyRequest | None = None) -> dict[str, Any]:
    """A new API key for yourself: `key` is shown this once."""
    new = _gate(request).accounts.create_key(user, body.label if body else "")
    return {"key": new.key, **asdict(new.info)}


@router.delete("/keys/{key_id}", tags=["accounts"])
def revoke_key(key_id: str, request: Request, user: Member) -> dict[str, bool]:
    """Revoke one of your keys (admins: anyone's)."""
    try:
        _gate(request).accounts.revoke_key(key_id, None if user.role == "admin" else user)
    except QAError as exc:
        raise NotFound(str(exc)) from exc
    return {"revoked": True}

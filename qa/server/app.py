"""The FastAPI app of ``python -m qa serve``: one ``Assistant`` shared by every request."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa import Accounts, Assistant, ServerSettings, TooLarge
from qa.server import api, errors, evaluations, openai_routes, schemas
from qa.server.auth import Gate

UPLOAD_OVERHEAD = 64_000  # multipart headers around an upload of the largest allowed size


class BodyLimit:
    """Refuses a body over its limit (uploads: QA_MAX_UPLOAD_MB; anything else: QA_MAX_REQUEST_MB)
    before reading it when Content-Length says so, else as soon as the bytes received pass it."""

    def __init__(self, app: ASGIApp, request_bytes: int, upload_bytes: int) -> None:
        self.app, self.request_bytes, self.upload_bytes = app, request_bytes, upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] == "/api/documents" and scope["method"] == "POST"
        limit = self.upload_bytes + UPLOAD_OVERHEAD if upload else self.request_bytes
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge(f"The request is over its {limit / 1e6:.1f} MB limit.")
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send, limit: int) -> None:
    import json

    body = json.dumps(
        errors.error_body(
            "TooLarge",
            f"The request is over its {limit / 1e6:.1f} MB limit "
            "(QA_MAX_UPLOAD_MB for uploads, QA_MAX_REQUEST_MB otherwise).",
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(assistant: Assistant, accounts: Accounts, server: ServerSettings, loopback: bool) -> FastAPI:
    """``loopback``: the server listens on a loopback address only (then, without accounts,
    requests need no sign-in: one person on their own machine)."""
    app = FastAPI(
        title="Document Q&A",
        version="1",
        summary="Answers with cited passages from your documents. "
        "REST under /api; OpenAI-compatible /v1 (citations in a top-level `citations` list).",
    )
    app.state.assistant = assistant
    app.state.gate = Gate(accounts, loopback)
    app.state.server_settings = server
    folders = (assistant.settings.ingest.corpus_dir, assistant.settings.interface.upload_dir)
    app.state.source_names = schemas.SourceNames(folders)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(evaluations.router)
    app.include_router(openai_routes.router)
    app.add_middleware(
        BodyLimit,
        request_bytes=int(server.max_request_mb * 1_000_000),
        upload_bytes=assistant.settings.interface.max_upload_bytes,
    )
    return app

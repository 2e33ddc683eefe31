"""Every failure as one line of JSON: ``{"error": {"kind", "type", "message"}}`` (``kind`` is the
``QAError`` class; ``type`` and ``message`` are where OpenAI clients look)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from qa import (
    AccountError,
    BackendUnavailable,
    Busy,
    DocumentError,
    Forbidden,
    IndexDamaged,
    NotFound,
    NotSignedIn,
    QAError,
    SettingsError,
    SignInLocked,
    TooLarge,
)

logger = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[QAError], int], ...] = (
    (SignInLocked, 429),
    (NotSignedIn, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (TooLarge, 413),
    (AccountError, 400),
    (DocumentError, 400),
    (SettingsError, 400),
    (Busy, 503),
    (BackendUnavailable, 503),
    (IndexDamaged, 503),
    (QAError, 400),
)


def error_body(kind: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"kind": kind, "type": kind, "message": " ".join(message.split())}}


def status_of(exc: QAError) -> int:
    return next(status for cls, status in STATUS if isinstance(exc, cls))


def install(app: FastAPI) -> None:
    @app.exception_handler(QAError)
    async def qa_error(request: Request, exc: QAError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(type(exc).__name__, str(exc)), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(error_body("InvalidRequest", f"{where}: {first.get('msg', 'invalid request')}"), 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body("HTTPError", str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("InternalError", "The server failed on this request; see its log."), 500)

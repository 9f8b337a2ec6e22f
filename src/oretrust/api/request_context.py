"""A request id on every answer, every log line and every problem document; JSON logs.

An operator answering "my verification failed at 10:42" needs the one log line of that
request. :class:`RequestIdMiddleware` gives each request an id — the caller's
``X-Request-ID`` when it is a short token (``[A-Za-z0-9._-]{1,64}``, so a hostile header
cannot inject into logs), else a fresh random one — answers it in ``X-Request-ID``, and keeps
it in a context variable for the request's duration (copied into the worker thread that runs
a sync route). :class:`RequestIdFilter` writes it into every log record, and the problem+json
document carries it as ``request_id`` (:func:`oretrust.api.problems.problem_response`).

:func:`log_config` is the logging configuration ``oretrust serve`` hands uvicorn: one JSON
object per line (``time``, ``level``, ``logger``, ``message``, ``request_id``; python-json-
logger) for oretrust's and uvicorn's loggers, or uvicorn's plain text with ``--log-format
text``. Secrets stay out: tokens travel in headers that are never logged, and the access log
redacts query strings (:mod:`oretrust.api.access_log`).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "RequestIdFilter",
    "RequestIdMiddleware",
    "current_request_id",
    "log_config",
]

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("oretrust_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being answered, if any."""
    return _request_id.get()


class RequestIdMiddleware:
    """Give each HTTP request an id (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the id for the request and answer it in a header."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_header)
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or ``-`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record (and drops uvicorn's terminal-colour copy of its message)."""
        record.request_id = _request_id.get() or "-"
        record.__dict__.pop("color_message", None)
        return True


def log_config(level: str, log_format: Literal["json", "text"]) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` for the service's loggers."""
    if log_format == "text":
        formatter: dict[str, Any] = {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        }
    else:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "service",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    loggers = {
        name: {"handlers": ["service"], "level": level.upper(), "propagate": False}
        for name in ("oretrust", "uvicorn", "uvicorn.error", "uvicorn.access")
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"service": formatter},
        "handlers": {"service": handler},
        "loggers": loggers,
    }

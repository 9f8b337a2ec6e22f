"""Every failure of the HTTP API as RFC 9457 ``application/problem+json``, from ONE table.

:data:`PROBLEMS` maps exception classes to an HTTP status and a title; an exception is
looked up by its class's MRO, so the most specific entry wins. The body is::

    {"type": "https://oretrust.example/problems/<code>", "title", "status", "detail", "code"}

plus ``field`` (SchemaValidationError), ``rule`` (DataModelError) or ``errors`` (request
validation: location, message and type of each problem — never the rejected input).

Choices: a credential document that breaks the data model or its type's schema is **422**
(well-formed JSON that cannot be processed, like FastAPI's own request validation); other
bad input, malformed tokens and URLs oretrust refuses to fetch are **400**; a DID, status
list or trust list that cannot be obtained from elsewhere is **502**. Anything unexpected is
a **500** whose detail says nothing about the internals (the log has them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from oretrust.api.auth import AuthenticationError, PermissionDeniedError
from oretrust.api.request_context import current_request_id
from oretrust.codes import Code
from oretrust.custody.ledger import (
    ChainRejectedError,
    ExportNotAuthorisedError,
    MassBalanceExceededError,
)
from oretrust.errors import (
    ConflictError,
    DataModelError,
    InputError,
    IntegrityViolationError,
    InvalidCredentialError,
    KeyStoreError,
    MalformedTokenError,
    NotFoundError,
    OreTrustError,
    ResolutionError,
    SchemaValidationError,
    UnsafeUrlError,
)

__all__ = [
    "PROBLEMS",
    "PROBLEM_MEDIA_TYPE",
    "InvalidCharacterError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "RequestTooDeepError",
    "ServiceUnavailableError",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_TYPE_BASE: Final = "https://oretrust.example/problems/"
_log = logging.getLogger("oretrust.api")


class PayloadTooLargeError(InputError):
    """The request body is larger than the service accepts."""

    default_code = Code.PAYLOAD_TOO_LARGE


class RequestTooDeepError(InputError):
    """The JSON request body nests deeper than the service parses (a 400, never a 500)."""

    default_code = Code.REQUEST_TOO_DEEP


class InvalidCharacterError(InputError):
    """A request string holds a NUL character or a lone surrogate (a 400 on every database)."""

    default_code = Code.INVALID_CHARACTER


class RateLimitedError(OreTrustError):
    """The client sent more requests than ``ORETRUST_RATE_LIMIT`` allows."""

    default_code = Code.RATE_LIMITED

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailableError(OreTrustError):
    """The service cannot answer now (e.g. its database is unreachable)."""

    default_code = Code.NOT_READY


#: The one table: exception class → (HTTP status, title). Looked up along the MRO.
PROBLEMS: Final[Mapping[type[BaseException], tuple[int, str]]] = {
    AuthenticationError: (401, "Unauthorized"),
    PermissionDeniedError: (403, "Forbidden"),
    ExportNotAuthorisedError: (403, "Forbidden"),
    ChainRejectedError: (422, "Custody chain rejected"),
    SchemaValidationError: (422, "Invalid credential subject"),
    DataModelError: (422, "Invalid credential document"),
    RequestValidationError: (422, "Invalid request"),
    PayloadTooLargeError: (413, "Payload too large"),
    MalformedTokenError: (400, "Malformed token"),
    InputError: (400, "Bad request"),
    InvalidCredentialError: (400, "Credential rejected"),
    NotFoundError: (404, "Not found"),
    ConflictError: (409, "Conflict"),
    RateLimitedError: (429, "Too many requests"),
    UnsafeUrlError: (400, "Refused URL"),
    ResolutionError: (502, "Could not resolve"),
    ServiceUnavailableError: (503, "Service unavailable"),
    IntegrityViolationError: (503, "Integrity check failed"),
    KeyStoreError: (500, "Internal error"),
    OreTrustError: (500, "Internal error"),
    HTTPException: (500, "HTTP error"),  # the status comes from the exception itself
    Exception: (500, "Internal error"),
}

_HTTP_CODES = {
    400: "MALFORMED_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
}
_INTERNAL = "an internal error occurred; it has been logged"


class _ProblemJSONResponse(JSONResponse):
    """A problem+json answer that renders whatever its detail holds: a string UTF-8 cannot
    encode (a lone surrogate a caller sent) is written as a JSON escape instead of turning
    the answer itself into a 500."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


def _lookup(exc: BaseException) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return 500, "Internal error"


def problem_response(exc: BaseException) -> JSONResponse:
    """The problem+json response for ``exc`` (see the module docstring)."""
    status, title = _lookup(exc)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    code, detail = "INTERNAL_ERROR", _INTERNAL
    if isinstance(exc, HTTPException):
        status, code = exc.status_code, _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        detail = title = str(exc.detail)
        headers.update(exc.headers or {})
    elif isinstance(exc, RequestValidationError):
        code, detail, extra["errors"] = "REQUEST_INVALID", *_validation_summary(exc)
    elif isinstance(exc, OreTrustError):
        code, detail = exc.code, exc.detail
        if isinstance(exc, SchemaValidationError):
            extra["field"] = exc.field
        if isinstance(exc, DataModelError) and exc.rule:
            extra["rule"] = exc.rule
        if isinstance(exc, MassBalanceExceededError):
            extra["excess_kg"] = dict(exc.overdraw.excess_kg)
    if status >= 500 and not isinstance(exc, ServiceUnavailableError | IntegrityViolationError):
        title, code, detail, headers, extra = "Internal error", "INTERNAL_ERROR", _INTERNAL, {}, {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    body = {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    request_id = current_request_id()
    if request_id is not None:  # quoted in a support call, it finds the request's log lines
        body["request_id"] = request_id
    return _ProblemJSONResponse(
        body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every exception the app can raise through :func:`problem_response`."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        response = problem_response(exc)
        if response.status_code >= 500 and not isinstance(exc, ServiceUnavailableError):
            _log.error("unhandled error", exc_info=exc)
        return response

    for cls in (OreTrustError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(cls, handle)


def _validation_summary(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()[:20]
    ]
    shown = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:3])
    more = len(exc.errors()) - 3
    return (shown + (f" (and {more} more)" if more > 0 else "")) or "invalid request", errors

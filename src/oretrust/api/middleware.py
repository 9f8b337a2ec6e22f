"""ASGI middleware of the service: request limits (the rate limit is
:mod:`oretrust.api.rate_limit`).

It answers with problem+json (:func:`oretrust.api.problems.problem_response`) before the
request reaches a route.

* :class:`BodyLimitMiddleware` refuses a path or query holding a NUL character (400
  ``INVALID_CHARACTER``), reads the body (declared or chunked) up to ``max_bytes`` and
  answers 413 beyond it; a JSON body nested deeper than ``max_depth`` (the bound on token
  JSON, :data:`~oretrust.encoding.MAX_JSON_DEPTH`) is a 400 ``REQUEST_TOO_DEEP``, decided by a
  linear scan before any recursive parser sees it, and one whose strings hold a NUL or a lone
  surrogate a 400 ``INVALID_CHARACTER`` (PostgreSQL cannot store a NUL, so SQLite and
  PostgreSQL homes answer alike; a lone surrogate has no UTF-8 form, so no answer or stored
  credential could carry it). The route then reads the buffered body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oretrust.api.content_type import any_reads_as_json
from oretrust.api.problems import (
    InvalidCharacterError,
    PayloadTooLargeError,
    RequestTooDeepError,
    problem_response,
)
from oretrust.encoding import MAX_JSON_DEPTH, exceeds_json_depth, forbidden_character
from oretrust.errors import InputError

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` (413), and JSON bodies nested deeper
    than ``max_depth`` (400)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body (bounded), then hand the request on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _nul_in_target(scope):
            error = InvalidCharacterError("the request path or query holds a NUL character")
            await problem_response(error)(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refused = _body_error(scope, body, self.max_depth)
        if refused is not None:
            await problem_response(refused)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLargeError(f"the request body exceeds {self.max_bytes} bytes")
        await problem_response(error)(scope, receive, send)


def _nul_in_target(scope: Scope) -> bool:
    """Whether the decoded path, or the query string raw or percent-decoded, holds a NUL."""
    query = bytes(scope.get("query_string", b""))
    return "\x00" in str(scope.get("path", "")) or b"\x00" in query or b"%00" in query


def _body_error(scope: Scope, body: bytes, max_depth: int) -> InputError | None:
    """Why a JSON body — one any of its ``Content-Type`` headers says the route reads as JSON
    (:mod:`.content_type`) — is refused: nested deeper than ``max_depth``, or a string
    holding a NUL or a lone surrogate; None when it is not.

    Latin-1 keeps every byte, and no byte of a multi-byte UTF-8 character is a bracket, a
    quote, a backslash or a NUL, so both scans see the structure and the escapes exactly
    whatever the body's encoding errors (which the JSON parser then reports).
    """
    if not any_reads_as_json(scope.get("headers", [])):
        return None
    text = body.decode("latin-1")
    if exceeds_json_depth(text, max_depth):
        return RequestTooDeepError(f"the JSON request body nests deeper than {max_depth}")
    forbidden = forbidden_character(text)
    if forbidden is not None:
        return InvalidCharacterError(f"a string of the JSON request body holds {forbidden}")
    return None

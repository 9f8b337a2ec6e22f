"""Whether a request body is read as JSON — decided once, exactly as FastAPI decides it.

FastAPI parses a body as JSON when the first ``Content-Type`` header, read by
:mod:`email.message`, is ``application/json`` or ``application/…+json`` (a type with two
slashes reads as ``text/plain``; Latin-1 spaces around it are dropped). The verify routes'
lean reading (:mod:`oretrust.api.lean_route`) and the body guards
(:mod:`oretrust.api.middleware`: depth, NUL, lone surrogates) must agree with that
decision, or a body the route parses could pass a guard that judged it not JSON — so both
ask here. The guards look at *every* ``Content-Type`` header a request carries.
"""

from __future__ import annotations

import email.message
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["any_reads_as_json", "reads_as_json"]


@lru_cache(maxsize=256)
def reads_as_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body sent with this ``Content-Type`` value as JSON (None or
    empty: no, FastAPI's strict default). Remembered: a service sees a handful of values."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def any_reads_as_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether any ``Content-Type`` header among raw ASGI ``headers`` reads as JSON."""
    return any(
        reads_as_json(bytes(value).decode("latin-1"))
        for name, value in headers
        if bytes(name).lower() == b"content-type"
    )

"""Trust Over IP Trust Registry Query Protocol (TRQP v2): authorization and recognition queries.

Field names are TRQP's own (``entity_id``, ``authority_id``, ``action``, ``resource``,
``context.time``; responses add ``authorized`` / ``recognized``, ``time_requested``,
``time_evaluated``, ``message``). ``time_requested`` echoes ``context.time``: the instant the
question is about (``None``: now). ``time_evaluated`` is the registry clock when it answered.
Unknown members of ``context`` (and of the request) are ignored; a malformed request raises
pydantic's ``ValidationError``, which the HTTP layer turns into problem+json.

A registry answers only for its own authority: a query naming another ``authority_id`` is
answered ``false`` with a message saying so. Pure over a :class:`TrustSource`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oretrust.formats.dates import UtcDatetime
from oretrust.registry._model import decide, format_time, recognised, whole_seconds
from oretrust.registry.sources import TrustSource

__all__ = [
    "AuthorizationRequest",
    "AuthorizationResponse",
    "RecognitionRequest",
    "RecognitionResponse",
    "TrqpContext",
    "authorization",
    "recognition",
]


class TrqpContext(BaseModel):
    """Query context: ``time`` (RFC 3339 with a zone) asks about that instant; others ignored."""

    model_config = ConfigDict(extra="ignore")
    time: UtcDatetime | None = Field(
        default=None, description="Evaluate as of this instant (default: now)"
    )


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")
    entity_id: str = Field(min_length=1, description="The principal asked about (a DID)")
    authority_id: str = Field(min_length=1, description="The authority being queried (a DID)")
    action: str = Field(min_length=1, description="E.g. issue:MineralOriginCertificate")
    resource: str = Field(min_length=1, description="A jurisdiction, e.g. CD or CD-LU")
    context: TrqpContext | None = None


class AuthorizationRequest(_Query):
    """Is ``entity_id`` authorized for ``action`` on ``resource`` by ``authority_id``?"""


class RecognitionRequest(_Query):
    """Does ``authority_id`` recognise authority ``entity_id`` for ``action`` on ``resource``?"""


class _Answer(_Query):
    model_config = ConfigDict(extra="forbid")
    time_requested: AwareDatetime | None = None
    time_evaluated: AwareDatetime
    message: str


class AuthorizationResponse(_Answer):
    """The request echoed, with ``authorized``."""

    authorized: bool


class RecognitionResponse(_Answer):
    """The request echoed, with ``recognized``."""

    recognized: bool


def authorization(
    source: TrustSource, request: AuthorizationRequest, *, now: datetime
) -> AuthorizationResponse:
    """Answer a TRQP authorization query from ``source``'s accreditations."""

    def judge(at: datetime) -> tuple[bool, str]:
        accreditations = source.accreditations(request.entity_id)
        decision = decide(accreditations, request.entity_id, request.action, request.resource, at)
        return decision.authorized, decision.message

    authorized, answer = _answer(source, request, now, judge)
    return AuthorizationResponse(**answer, authorized=authorized)


def recognition(
    source: TrustSource, request: RecognitionRequest, *, now: datetime
) -> RecognitionResponse:
    """Answer a TRQP recognition query from ``source``'s recognitions."""

    def judge(at: datetime) -> tuple[bool, str]:
        recognitions = source.recognitions(request.entity_id)
        if recognised(recognitions, request.entity_id, request.action, request.resource, at):
            return True, (
                f"{request.entity_id} is recognised by {request.authority_id} for "
                f"{request.action} on {request.resource}"
            )
        return False, (
            f"{request.authority_id} does not recognise {request.entity_id} for "
            f"{request.action} on {request.resource} at {format_time(at)}"
        )

    recognized, answer = _answer(source, request, now, judge)
    return RecognitionResponse(**answer, recognized=recognized)


def _answer(
    source: TrustSource,
    request: _Query,
    now: datetime,
    judge: Callable[[datetime], tuple[bool, str]],
) -> tuple[bool, dict[str, Any]]:
    """``judge``'s verdict at the instant asked about (false for another authority), and the
    response fields both queries share: the request echoed, times and message."""
    requested = request.context.time if request.context else None
    at = whole_seconds(requested or now)
    if request.authority_id != source.authority_id:
        verdict = False
        message = f"this registry answers for {source.authority_id}, not for {request.authority_id}"
    else:
        verdict, message = judge(at)
    return verdict, {
        **request.model_dump(),
        "time_requested": whole_seconds(requested) if requested else None,
        "time_evaluated": whole_seconds(now),
        "message": message,
    }

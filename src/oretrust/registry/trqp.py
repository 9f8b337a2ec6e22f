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

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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
    time: AwareDatetime | None = Field(
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
    at, requested = _instant(request, now)
    if request.authority_id != source.authority_id:
        authorized, message = False, _other_authority(request.authority_id, source.authority_id)
    else:
        decision = decide(
            source.accreditations(request.entity_id),
            request.entity_id,
            request.action,
            request.resource,
            at,
        )
        authorized, message = decision.authorized, decision.message
    return AuthorizationResponse(
        **request.model_dump(),
        authorized=authorized,
        time_requested=requested,
        time_evaluated=whole_seconds(now),
        message=message,
    )


def recognition(
    source: TrustSource, request: RecognitionRequest, *, now: datetime
) -> RecognitionResponse:
    """Answer a TRQP recognition query from ``source``'s recognitions."""
    at, requested = _instant(request, now)
    if request.authority_id != source.authority_id:
        recognized, message = False, _other_authority(request.authority_id, source.authority_id)
    else:
        found = recognised(
            source.recognitions(request.entity_id),
            request.entity_id,
            request.action,
            request.resource,
            at,
        )
        recognized = found is not None
        message = (
            f"{request.entity_id} is recognised by {request.authority_id} for "
            f"{request.action} on {request.resource}"
            if found
            else f"{request.authority_id} does not recognise {request.entity_id} for "
            f"{request.action} on {request.resource} at {format_time(at)}"
        )
    return RecognitionResponse(
        **request.model_dump(),
        recognized=recognized,
        time_requested=requested,
        time_evaluated=whole_seconds(now),
        message=message,
    )


def _instant(request: _Query, now: datetime) -> tuple[datetime, datetime | None]:
    requested = request.context.time if request.context else None
    return whole_seconds(requested or now), whole_seconds(requested) if requested else None


def _other_authority(asked: str, mine: str) -> str:
    return f"this registry answers for {mine}, not for {asked}"

"""Request and response bodies of the HTTP API (``…Request`` in, ``…Public`` out), with examples.

W3C VC API shapes where they fit (``verifiableCredential``, ``verifiablePresentation``,
``options.challenge``/``domain``, ``credential``); TRQP's own models come from
:mod:`oretrust.registry.trqp`; registry and log entries keep the CLI's ``--json`` shapes.
No table model crosses the wire.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oretrust.api import examples as ex
from oretrust.formats.dates import UtcDatetime
from oretrust.formats.jws import MAX_TOKEN_BYTES

__all__ = [
    "AccreditationChangeRequest",
    "AccreditationPublic",
    "AccreditationRequest",
    "EnvelopedCredential",
    "EnvelopedPresentation",
    "IssueRequest",
    "IssuedPublic",
    "ProblemPublic",
    "RecognitionPublic",
    "RecognitionRequest",
    "StatusChangePublic",
    "StatusChangeRequest",
    "VerificationReportPublic",
    "VerifyCredentialRequest",
    "VerifyPresentationRequest",
]


Token = Annotated[str, Field(min_length=1, max_length=MAX_TOKEN_BYTES, description="A compact JWS")]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class EnvelopedCredential(_Open):
    """A VC DM 2.0 ``EnvelopedVerifiableCredential``: the vc+jwt in a ``data:`` URL."""

    context: Any = Field(default=None, alias="@context")
    id: str = Field(max_length=MAX_TOKEN_BYTES + 64, examples=[f"data:application/vc+jwt,{ex.JWT}"])
    type: str | list[str] = "EnvelopedVerifiableCredential"


class EnvelopedPresentation(_Open):
    """A VC DM 2.0 ``EnvelopedVerifiablePresentation``: the vp+jwt in a ``data:`` URL."""

    context: Any = Field(default=None, alias="@context")
    id: str = Field(max_length=MAX_TOKEN_BYTES + 64, examples=[f"data:application/vp+jwt,{ex.JWT}"])
    type: str | list[str] = "EnvelopedVerifiablePresentation"


class VerifyCredentialRequest(BaseModel):
    """``POST /credentials/verify``: a vc+jwt, compact or enveloped."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.VERIFY_CREDENTIAL]})
    verifiableCredential: Token | EnvelopedCredential
    options: dict[str, Any] | None = Field(default=None, description="Ignored; reserved")


class PresentationOptions(_Open):
    """The verifier's challenge: ``challenge`` is the nonce, ``domain`` the audience. Both
    are required: a presentation checked without them could be a replay."""

    challenge: str = Field(min_length=1, max_length=1024)
    domain: str = Field(min_length=1, max_length=1024)


class VerifyPresentationRequest(BaseModel):
    """``POST /presentations/verify``: a vp+jwt and the challenge it must answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.VERIFY_PRESENTATION]})
    verifiablePresentation: Token | EnvelopedPresentation
    options: PresentationOptions


class CheckPublic(BaseModel):
    """One check of a verification report."""

    id: str
    passed: bool
    code: str
    detail: str


class VerificationReportPublic(_Open):
    """The verification report (the same object the CLI's ``--json`` prints)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [ex.REPORT]})
    verified: bool
    verdict: str
    kind: str
    checks: list[CheckPublic]
    errors: list[CheckPublic]
    warnings: list[str]


class IssueRequest(BaseModel):
    """``POST /credentials/issue``: an unsigned VC DM 2.0 credential of an oretrust type."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"credential": ex.credential(), "options": {}}]}
    )
    credential: dict[str, Any]
    options: dict[str, Any] | None = Field(default=None, description="Ignored; reserved")


class IssuedPublic(BaseModel):
    """The issued credential, enveloped, and its id (needed to change its status later)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.ISSUED]})
    verifiableCredential: EnvelopedCredential
    credentialId: str


class StatusChangeRequest(BaseModel):
    """``POST /credentials/status``: revoke, suspend or reinstate one of your credentials."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.STATUS_REQUEST]})
    credentialId: str = Field(min_length=1, max_length=128)
    action: Literal["revoke", "suspend", "reinstate"]
    reason: str = Field(min_length=1, max_length=1000)


class StatusChangePublic(BaseModel):
    """The outcome of a status change (``changed`` is false for an idempotent repeat)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.STATUS_CHANGE]})

    credential_id: str
    list_id: str
    index: int
    previous: str
    status: str
    changed: bool
    log_seq: int | None


class AccreditationRequest(BaseModel):
    """``POST /registry/accreditations``: accredit an issuer DID for a type and jurisdiction."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.ACCREDITATION_REQUEST]})
    entity_id: str = Field(min_length=1, max_length=512)
    credential_type: str = Field(min_length=1, max_length=128)
    jurisdiction: str = Field(min_length=1, max_length=16)
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    reason: str = Field(default="", max_length=1000)


class AccreditationChangeRequest(BaseModel):
    """Suspend or withdraw: why, and from when (default: now; a withdrawal may be past)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "fraud found in an audit"}]}
    )
    reason: str = Field(min_length=1, max_length=1000)
    effective: UtcDatetime | None = None


class AccreditationPublic(BaseModel):
    """An accreditation, as in the trust list (``status`` as of the answer)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.ACCREDITATION]})

    id: str
    entity_id: str
    action: str
    resource: str
    valid_from: str
    valid_until: str | None
    status: str
    withdrawn_at: str | None
    suspensions: list[dict[str, str | None]]


class RecognitionRequest(BaseModel):
    """``POST /registry/recognitions``: recognise another authority for an action."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.RECOGNITION_REQUEST]})
    entity_id: str = Field(min_length=1, max_length=512)
    action: str = Field(min_length=1, max_length=128)
    resource: str = Field(min_length=1, max_length=16)
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    reason: str = Field(default="", max_length=1000)


class RecognitionPublic(BaseModel):
    """A recognition, as in the trust list."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.RECOGNITION]})

    id: str
    entity_id: str
    action: str
    resource: str
    valid_from: str
    valid_until: str | None
    withdrawn_at: str | None


class ProblemPublic(_Open):
    """An RFC 9457 problem (``application/problem+json``) with oretrust's stable ``code``."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [ex.PROBLEM]})
    type: str
    title: str
    status: int
    detail: str
    code: str


_DESCRIPTIONS = {
    400: "Bad request",
    401: "No valid bearer token",
    403: "The token's role or issuer may not do this",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "Invalid document or request",
    429: "Rate limited",
    502: "An upstream document could not be obtained",
    503: "Not ready",
}


def example_response(example: Any, description: str = "Success") -> dict[int | str, Any]:
    """An OpenAPI ``responses`` entry for a 200 JSON answer with ``example``."""
    return {
        200: {"description": description, "content": {"application/json": {"example": example}}}
    }


def document_responses(
    description: str, examples: dict[str, Any], *problems: int
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a cacheable document (see
    :func:`oretrust.api.publication.cacheable`): 200 with one example per media type, 304 for
    a matching ``If-None-Match``, then the ``problems``."""
    content = {media_type: {"example": example} for media_type, example in examples.items()}
    return {
        200: {"description": description, "content": content},
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(*problems),
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem+json answers (RFC 9457)."""
    schema = {"$ref": "#/components/schemas/ProblemPublic"}
    return {
        status: {
            "description": f"{_DESCRIPTIONS.get(status, 'A problem')} (problem+json)",
            "content": {"application/problem+json": {"schema": schema}},
        }
        for status in statuses
    }

"""The credential types oretrust issues, by name: types, contexts, schemas, subject checks.

One :class:`CredentialType` per type. It knows its ``type`` and ``@context`` arrays, its
subject model, the JSON Schema published at ``GET /schemas/{name}``, and the two questions
the trust registry asks of a subject: which jurisdiction it speaks of, and who holds it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from oretrust.codes import Code
from oretrust.credentials._aeo import EXAMPLE_AEO, AuthorisedEconomicOperator
from oretrust.credentials._base import DID_PATTERN, SubjectModel
from oretrust.credentials._chain_attestation import EXAMPLE_CHAIN_ATTESTATION, ChainAttestation
from oretrust.credentials._conformity import EXAMPLE_CONFORMITY_ATTESTATION, ConformityAttestation
from oretrust.credentials._custody import EXAMPLE_CUSTODY_TRANSFER, CustodyEvent
from oretrust.credentials._identity import EXAMPLE_REGISTERED_IDENTITY, RegisteredIdentity
from oretrust.credentials._licence import EXAMPLE_MINING_LICENCE, MiningLicence
from oretrust.credentials._origin import EXAMPLE_MINERAL_ORIGIN, MineralOrigin
from oretrust.credentials._period_account import EXAMPLE_PERIOD_ACCOUNT, PeriodAccount
from oretrust.credentials._site_status import EXAMPLE_SITE_STATUS, SiteStatus
from oretrust.credentials._validation import validate_model
from oretrust.errors import InputError, SchemaValidationError

__all__ = [
    "CREDENTIAL_TYPES",
    "EXAMPLES",
    "JSON_SCHEMA_DIALECT",
    "ORETRUST_CONTEXT",
    "SCHEMA_BASE_URL",
    "UNTP_DCC_CONTEXT",
    "UNTP_DIA_CONTEXT",
    "UNTP_DTE_CONTEXT",
    "VC_V2_CONTEXT",
    "CredentialType",
    "get_credential_type",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
UNTP_DIA_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dia/0.6.0/"
UNTP_DTE_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dte/0.6.0/"
UNTP_DCC_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dcc/0.6.0/"
ORETRUST_CONTEXT = "https://oretrust.example/contexts/v1"
SCHEMA_BASE_URL = "https://oretrust.example/schemas/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DATETIME = {"type": "string", "format": "date-time"}
_URN_UUID = r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@dataclass(frozen=True)
class CredentialType:
    """One credential type: its JSON-LD ``type``/``@context`` arrays and its subject model.

    ``untp_type`` is the UNTP credential type it also is (``DigitalIdentityAnchor``,
    ``DigitalConformityCredential``) or None; UNTP types need an issuer object with a name.
    """

    name: str
    types: tuple[str, ...]
    contexts: tuple[str, ...]
    subject_model: type[SubjectModel]
    description: str
    untp_type: str | None = None
    example_subject: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The subject is written as a one-element array (UNTP DTE: ``credentialSubject`` is a
    #: list of events); readers accept the array or its one element.
    subject_array: bool = False
    #: Issued by the party the subject names (``issued_by()``), not by an accredited
    #: institution: the registry does not accredit it; its standing comes from elsewhere.
    self_issued: bool = False

    def schema_url(self, base_url: str = SCHEMA_BASE_URL) -> str:
        """The URL the type's JSON Schema is published at (``credentialSchema.id``)."""
        return f"{base_url.rstrip('/')}/{self.name}"

    def parse_subject(self, subject: object) -> SubjectModel:
        """Validate a subject and return the model; raises SchemaValidationError.

        A :attr:`subject_array` type takes its one-element array or the element itself."""
        if self.subject_array and isinstance(subject, list):
            if len(subject) != 1:
                raise SchemaValidationError(
                    "credentialSubject: must hold exactly one event", field="credentialSubject"
                )
            subject = subject[0]
        return validate_model(self.subject_model, subject)

    def validate_subject(self, subject: object) -> dict[str, Any]:
        """Validate a subject and return it normalised, exactly as it will be signed.

        Defaults are filled in (UNTP ``type`` arrays, the holder's DID as ``id``, a derived
        ``conformance``); absent optional members stay absent. Raises SchemaValidationError
        whose ``field`` is the dotted path of the first bad field
        (``credentialSubject.mineSite.coordinates.latitude``).
        """
        model = self.parse_subject(subject)
        return model.model_dump(mode="json", by_alias=True, exclude_none=True)

    def written_subject(self, subject: object) -> dict[str, Any] | list[dict[str, Any]]:
        """:meth:`validate_subject` in the shape the credential carries (an array for a
        :attr:`subject_array` type). A subject already parsed by :meth:`parse_subject` (this
        type's model) is not validated twice (bulk issuance parses once for the
        jurisdiction and the document)."""
        if isinstance(subject, self.subject_model):
            validated = subject.model_dump(mode="json", by_alias=True, exclude_none=True)
        else:
            validated = self.validate_subject(subject)
        return [validated] if self.subject_array else validated

    def holder_of(self, subject: object) -> str:
        """The DID of the party the credential is issued to; validates the subject first."""
        return self.parse_subject(subject).holder_id()

    def json_schema(self, *, base_url: str = SCHEMA_BASE_URL) -> dict[str, Any]:
        """A Draft 2020-12 JSON Schema for the whole (unsigned) credential of this type.

        ``$id`` is :meth:`schema_url`; ``credentialSubject`` is the subject model's schema,
        with the type's example. Members the issuer adds later (``credentialStatus``) and
        any others are allowed. A fresh dict on every call.
        """
        subject = self.subject_model.model_json_schema(by_alias=True, mode="validation")
        defs: dict[str, Any] = subject.pop("$defs", {})
        defs[self.subject_model.__name__] = subject
        issuer_object = {
            "type": "object",
            "required": ["id", "name"] if self.untp_type else ["id"],
            "properties": {
                "id": {"type": "string", "pattern": DID_PATTERN},
                "name": {"type": "string", "minLength": 1},
            },
        }
        issuer: dict[str, Any] = (
            issuer_object
            if self.untp_type
            else {"anyOf": [{"type": "string", "pattern": DID_PATTERN}, issuer_object]}
        )
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": self.schema_url(base_url),
            "title": self.name,
            "description": self.description,
            "type": "object",
            "required": ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"],
            "properties": {
                "@context": {
                    "type": "array",
                    "items": {"type": "string"},
                    "prefixItems": [{"const": context} for context in self.contexts],
                    "minItems": len(self.contexts),
                },
                "id": {"type": "string", "pattern": _URN_UUID},
                "type": {
                    "type": "array",
                    "items": {"type": "string"},
                    "allOf": [{"contains": {"const": name}} for name in self.types],
                },
                "issuer": issuer,
                "validFrom": _DATETIME,
                "validUntil": _DATETIME,
                "credentialSubject": self._subject_schema(),
                "credentialSchema": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {"id": {"type": "string"}, "type": {"const": "JsonSchema"}},
                },
            },
            "$defs": defs,
        }

    def _subject_schema(self) -> dict[str, Any]:
        ref = {"$ref": f"#/$defs/{self.subject_model.__name__}"}
        example = copy.deepcopy(self.example_subject)
        if self.subject_array:
            return {
                "type": "array",
                "items": ref,
                "minItems": 1,
                "maxItems": 1,
                "examples": [[example]],
            }
        return {**ref, "examples": [example]}


def _vc(*names: str) -> tuple[str, ...]:
    return ("VerifiableCredential", *names)


_ALL = (
    CredentialType(
        name="BusinessIdentityCredential",
        types=_vc("DigitalIdentityAnchor", "BusinessIdentityCredential"),
        contexts=(VC_V2_CONTEXT, UNTP_DIA_CONTEXT, ORETRUST_CONTEXT),
        subject_model=RegisteredIdentity,
        description="A business register binds a company's registration to its DID "
        "(a UNTP Digital Identity Anchor).",
        untp_type="DigitalIdentityAnchor",
        example_subject=EXAMPLE_REGISTERED_IDENTITY,
    ),
    CredentialType(
        name="MiningLicenceCredential",
        types=_vc("MiningLicenceCredential"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=MiningLicence,
        description="A mining ministry grants an operator a licence over a mine site.",
        example_subject=EXAMPLE_MINING_LICENCE,
    ),
    CredentialType(
        name="MineralOriginCertificate",
        types=_vc("MineralOriginCertificate"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=MineralOrigin,
        description="The producing country certifies the origin of an exported lot of mineral.",
        example_subject=EXAMPLE_MINERAL_ORIGIN,
    ),
    CredentialType(
        name="AuthorisedEconomicOperatorCredential",
        types=_vc("AuthorisedEconomicOperatorCredential"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=AuthorisedEconomicOperator,
        description="A customs administration grants an operator AEO status.",
        example_subject=EXAMPLE_AEO,
    ),
    CredentialType(
        name="ConformityAssessmentCredential",
        types=_vc("DigitalConformityCredential", "ConformityAssessmentCredential"),
        contexts=(VC_V2_CONTEXT, UNTP_DCC_CONTEXT, ORETRUST_CONTEXT),
        subject_model=ConformityAttestation,
        description="An accredited auditor attests that facilities conform to a standard "
        "(a UNTP Digital Conformity Credential).",
        untp_type="DigitalConformityCredential",
        example_subject=EXAMPLE_CONFORMITY_ATTESTATION,
    ),
    CredentialType(
        name="CustodyTransferCredential",
        types=_vc("DigitalTraceabilityEvent", "CustodyTransferCredential"),
        contexts=(VC_V2_CONTEXT, UNTP_DTE_CONTEXT, ORETRUST_CONTEXT),
        subject_model=CustodyEvent,
        description="The party handing a lot over records the sale or processing, with the "
        "masses in and out and what it derives from (a UNTP Digital Traceability Event).",
        untp_type="DigitalTraceabilityEvent",
        example_subject=EXAMPLE_CUSTODY_TRANSFER,
        subject_array=True,
        self_issued=True,
    ),
    CredentialType(
        name="SiteStatusCredential",
        types=_vc("SiteStatusCredential"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=SiteStatus,
        description="An accredited body rates a mine site under a regional certification "
        "scheme (conflict-free, conditional, not certified) for a period.",
        example_subject=EXAMPLE_SITE_STATUS,
    ),
    CredentialType(
        name="ChainAttestationCredential",
        types=_vc("ChainAttestationCredential"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=ChainAttestation,
        description="An accredited auditor (or the registry) that verified a lot's custody "
        "chain attests its origins and balance to the last buyer, naming no intermediary.",
        example_subject=EXAMPLE_CHAIN_ATTESTATION,
    ),
    CredentialType(
        name="PeriodAccountCredential",
        types=_vc("PeriodAccountCredential"),
        contexts=(VC_V2_CONTEXT, ORETRUST_CONTEXT),
        subject_model=PeriodAccount,
        description="A refiner balances a mineral over an accounting period of at most 12 "
        "months (mass balance): the lots taken in, with what they derive from, and the lots "
        "drawn out.",
        example_subject=EXAMPLE_PERIOD_ACCOUNT,
        self_issued=True,
    ),
)

CREDENTIAL_TYPES: Mapping[str, CredentialType] = MappingProxyType({ct.name: ct for ct in _ALL})
"""Every credential type oretrust issues, by name (read-only)."""

EXAMPLES: Mapping[str, dict[str, Any]] = MappingProxyType(
    {ct.name: ct.example_subject for ct in _ALL}
)
"""A realistic example subject per type (Kivu Minerals SARL, Lualaba). Copy before changing."""


def get_credential_type(name: str) -> CredentialType:
    """The credential type called ``name``; raises InputError ``UNKNOWN_CREDENTIAL_TYPE``."""
    try:
        return CREDENTIAL_TYPES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(CREDENTIAL_TYPES))
        raise InputError(
            f"unknown credential type {name!r}; known types: {known}",
            code=Code.UNKNOWN_CREDENTIAL_TYPE,
        ) from None

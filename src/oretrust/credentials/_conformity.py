"""``ConformityAssessmentCredential``: an accredited auditor attests a site meets a standard.

The subject is UNTP's ``ConformityAttestation`` (DCC 0.6.0), so the credential also carries
the UNTP type ``DigitalConformityCredential``. UNTP words are kept where they exist:

* the standard assessed is the attestation's ``scope`` (a ``ConformityAssessmentScheme``:
  id, name, issuing body); oretrust adds its ``version``;
* the scope of the assessment in words is the attestation's ``description``;
* each ``assessment`` has a date, a ``conformityTopic``, the assessed facilities, the auditor,
  UNTP's boolean ``conformance`` and oretrust's ``result`` (``pass`` / ``fail`` /
  ``conditional``; conditional means conforming subject to corrective actions, so
  ``conformance`` is true). ``conformance`` is derived from ``result`` when left out.

UNTP's ``Standard`` object is closed to extra members, which is why the version lives on the
(open) scheme rather than on a per-assessment ``referenceStandard``. All assessed facilities
must be in one country: that country is the jurisdiction the auditor must be accredited for.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from oretrust.credentials._base import (
    CountryCode,
    DidParty,
    Part,
    Party,
    SubjectModel,
    Text,
    Uri,
    contains,
    field_error,
    type_field,
)

__all__ = [
    "EXAMPLE_CONFORMITY_ATTESTATION",
    "ConformityAssessment",
    "ConformityAssessmentScheme",
    "ConformityAttestation",
    "Facility",
    "FacilityVerification",
]

ConformityTopic = Literal[
    "environment.energy", "environment.emissions", "environment.water", "environment.waste",
    "environment.deforestation", "environment.biodiversity", "circularity.content",
    "circularity.design", "social.labour", "social.rights", "social.community", "social.safety",
    "governance.ethics", "governance.compliance", "governance.transparency",
]  # fmt: skip


class Facility(Part):
    """An assessed facility (a mine site, a concentrator, a refinery)."""

    id: Uri
    name: Text
    registered_id: Text | None = None
    country_of_operation: CountryCode


class FacilityVerification(Part):
    """A facility covered by an assessment (UNTP ``FacilityVerification``)."""

    type: Annotated[list[str], contains("FacilityVerification")] = type_field(
        "FacilityVerification"
    )
    facility: Facility
    id_verified_by_cab: bool | None = Field(
        default=None,
        alias="IDverifiedByCAB",
        description="Facility identity checked by the auditor",
    )


class ConformityAssessmentScheme(Part):
    """The standard or scheme assessed against, e.g. a responsible-mining standard."""

    type: Annotated[list[str], contains("ConformityAssessmentScheme", "Standard")] = type_field(
        "ConformityAssessmentScheme", "Standard"
    )
    id: Uri
    name: Text
    version: Text
    issuing_party: Party = Field(description="The body that issues the standard")
    issue_date: date | None = None


class ConformityAssessment(Part):
    """One assessment within the attestation (UNTP ``ConformityAssessment``)."""

    type: Annotated[list[str], contains("ConformityAssessment", "Declaration")] = type_field(
        "ConformityAssessment", "Declaration"
    )
    id: Uri
    name: Text | None = None
    description: Text | None = None
    assessment_date: date
    result: Literal["pass", "fail", "conditional"]
    conformance: bool | None = Field(default=None, description="Derived from result if absent")
    conformity_topic: ConformityTopic
    assessed_facility: Annotated[list[FacilityVerification], Field(min_length=1)]
    assessed_organisation: Party | None = None
    auditor: Party

    @model_validator(mode="after")
    def _conformance_matches_result(self) -> ConformityAssessment:
        expected = self.result != "fail"
        if self.conformance is None:
            self.conformance = expected
        elif self.conformance != expected:
            raise field_error(
                "conformance", f"must be {str(expected).lower()} when result is {self.result}"
            )
        return self


class ConformityAttestation(SubjectModel):
    """An accredited conformity attestation about one or more facilities (UNTP DCC 0.6.0)."""

    type: Annotated[list[str], contains("ConformityAttestation", "Attestation")] = type_field(
        "ConformityAttestation", "Attestation"
    )
    id: Uri = Field(description="Identifier of the attestation (the certificate)")
    name: Text
    description: Text = Field(description="Scope of the assessment, in words")
    assessor_level: Literal[
        "Self", "Commercial", "Buyer", "Membership", "Unspecified", "3rdParty"
    ] = "3rdParty"
    assessment_level: Literal[
        "GovtApproval", "GlobalMRA", "Accredited", "Verified", "Validated", "Unspecified"
    ] = "Accredited"
    attestation_type: Literal[
        "certification",
        "declaration",
        "inspection",
        "testing",
        "verification",
        "validation",
        "calibration",
    ] = "certification"
    issued_to_party: DidParty = Field(description="The assessed company, holder of the credential")
    scope: ConformityAssessmentScheme
    assessment: Annotated[list[ConformityAssessment], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_country(self) -> ConformityAttestation:
        country = self.jurisdiction_code()
        for i, item in enumerate(self.assessment):
            for j, verification in enumerate(item.assessed_facility):
                if verification.facility.country_of_operation != country:
                    raise field_error(
                        f"assessment[{i}].assessedFacility[{j}].facility.countryOfOperation",
                        f"must be {country}: one credential speaks of one country",
                    )
        return self

    def jurisdiction_code(self) -> str:
        """The country of the assessed facilities."""
        return self.assessment[0].assessed_facility[0].facility.country_of_operation

    def holder_id(self) -> str:
        """The assessed company's DID."""
        return self.issued_to_party.id


_AUDITOR = {"id": "did:web:mulumba-assurance.example", "name": "Mulumba Audit & Assurance SA"}
_SITE = {
    "type": ["FacilityVerification"],
    "facility": {
        "id": "https://cadastre.mines.example/sites/PE-13258",
        "name": "Kolwezi-Est open pit and hydroxide plant",
        "countryOfOperation": "CD",
    },
    "IDverifiedByCAB": True,
}

EXAMPLE_CONFORMITY_ATTESTATION: dict[str, Any] = {
    "id": "https://mulumba-assurance.example/attestations/2026-0142",
    "name": "IRMA responsible mining assessment, Kolwezi-Est",
    "description": "Open-pit cobalt-copper mining and cobalt hydroxide production at Kolwezi-Est",
    "assessorLevel": "3rdParty",
    "assessmentLevel": "Accredited",
    "attestationType": "certification",
    "issuedToParty": {"id": "did:web:kivu-minerals.example", "name": "Kivu Minerals SARL"},
    "scope": {
        "id": "https://responsiblemining.net/irma-standard/",
        "name": "IRMA Standard for Responsible Mining (IRMA-STD-001)",
        "version": "1.0",
        "issuingParty": {
            "id": "https://responsiblemining.net/",
            "name": "Initiative for Responsible Mining Assurance",
        },
        "issueDate": "2018-06-01",
    },
    "assessment": [
        {
            "id": "https://mulumba-assurance.example/attestations/2026-0142#community",
            "name": "Community support and benefits",
            "assessmentDate": "2026-09-14",
            "result": "pass",
            "conformityTopic": "social.community",
            "assessedFacility": [_SITE],
            "auditor": _AUDITOR,
        },
        {
            "id": "https://mulumba-assurance.example/attestations/2026-0142#water",
            "name": "Water management",
            "description": "Corrective action plan for seepage monitoring due by 2027-03-31",
            "assessmentDate": "2026-09-15",
            "result": "conditional",
            "conformityTopic": "environment.water",
            "assessedFacility": [_SITE],
            "auditor": _AUDITOR,
        },
    ],
}
"""A realistic subject, used in the published schema's ``examples`` and in tests."""

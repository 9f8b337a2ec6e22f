"""``MiningLicenceCredential``: a mining right granted by a mining ministry or cadastre.

The subject is the licence holder (the mine operator) together with what the licence grants:
which site, which minerals, over what area, for how long, and on which conditions, including
free, prior and informed consent (FPIC) where it applies. Licence types follow the common
shape of mining codes (the DR Congo's permis de recherche / d'exploitation / de petite mine /
des rejets, and artisanal zones).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from oretrust.credentials._base import (
    DidParty,
    HeldSubject,
    Jurisdiction,
    MineSite,
    Part,
    Period,
    Text,
    field_error,
)
from oretrust.credentials._codes import Mineral

__all__ = [
    "EXAMPLE_MINING_LICENCE",
    "CommunityConsent",
    "LicenceConditions",
    "LicenceType",
    "MiningLicence",
]


class LicenceType(StrEnum):
    """What the licence allows."""

    EXPLORATION = "exploration"
    EXPLOITATION = "exploitation"
    SMALL_SCALE_EXPLOITATION = "small-scale-exploitation"
    TAILINGS_EXPLOITATION = "tailings-exploitation"
    ARTISANAL_ZONE = "artisanal-zone"


class CommunityConsent(Part):
    """Consultation of affected communities; FPIC of Indigenous Peoples where it applies."""

    fpic_required: bool = Field(description="Whether FPIC of Indigenous Peoples applies")
    fpic_obtained: bool = Field(description="Whether consent was obtained and recorded")
    consent_date: date | None = None
    reference: Text | None = Field(default=None, description="Consultation record or agreement")


class LicenceConditions(Part):
    """Conditions attached to the licence."""

    environmental: list[Text] = Field(
        default_factory=list, description="Environmental conditions, one per entry"
    )
    environmental_permit: Text | None = Field(
        default=None, description="Reference of the approved impact assessment / management plan"
    )
    community_consent: CommunityConsent


class MiningLicence(HeldSubject):
    """A mining licence held by a mine operator."""

    holder_field: ClassVar[str] = "holder"

    licence_number: Text = Field(description="Number in the mining cadastre, e.g. PE 13258")
    licence_type: LicenceType
    holder: DidParty = Field(description="The licensed operator")
    mine_site: MineSite
    minerals: Annotated[list[Mineral], Field(min_length=1)]
    area_hectares: float = Field(gt=0, description="Licensed area in hectares")
    jurisdiction: Jurisdiction = Field(description="Granting jurisdiction, e.g. CD or CD-LU")
    validity_period: Period
    conditions: LicenceConditions

    @model_validator(mode="after")
    def _consistent(self) -> MiningLicence:
        seen: set[Mineral] = set()
        for index, mineral in enumerate(self.minerals):
            if mineral in seen:
                raise field_error(f"minerals[{index}]", f"lists {mineral.value} twice")
            seen.add(mineral)
        if self.validity_period.end_date is None:
            raise field_error("validityPeriod.endDate", "is required: a licence has a term")
        consent = self.conditions.community_consent
        if consent.fpic_obtained and consent.consent_date is None:
            raise field_error(
                "conditions.communityConsent.consentDate", "is required when fpicObtained is true"
            )
        return self

    def jurisdiction_code(self) -> str:
        """The granting jurisdiction (country or subdivision, e.g. ``CD-LU``)."""
        return self.jurisdiction


EXAMPLE_MINING_LICENCE: dict[str, Any] = {
    "licenceNumber": "PE 13258",
    "licenceType": "exploitation",
    "holder": {
        "id": "did:web:kivu-minerals.example",
        "name": "Kivu Minerals SARL",
        "registeredId": "CD/GOM/RCCM/14-B-1234",
    },
    "mineSite": {
        "id": "https://cadastre.mines.example/sites/PE-13258",
        "name": "Kolwezi-Est open pit",
        "coordinates": {"latitude": -10.7167, "longitude": 25.4667},
        "boundary": {
            "type": "Polygon",
            "coordinates": [
                [
                    [25.44, -10.70],
                    [25.49, -10.70],
                    [25.49, -10.74],
                    [25.44, -10.74],
                    [25.44, -10.70],
                ]
            ],
        },
    },
    "minerals": ["cobalt", "copper"],
    "areaHectares": 2457.5,
    "jurisdiction": "CD-LU",
    "validityPeriod": {"startDate": "2021-03-01", "endDate": "2046-02-28"},
    "conditions": {
        "environmental": [
            "Tailings storage facility inspected by an independent engineer every year",
            "Quarterly groundwater monitoring reported to the ACE",
        ],
        "environmentalPermit": "EIES/PGES 2020-117, approved by the ACE",
        "communityConsent": {
            "fpicRequired": False,
            "fpicObtained": False,
            "reference": "Cahier des charges signed with Kasulo and Musonoie communities, 2021",
        },
    },
}
"""A realistic subject, used in the published schema's ``examples`` and in tests."""

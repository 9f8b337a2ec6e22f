"""``AuthorisedEconomicOperatorCredential``: customs recognises a trusted trader.

The WCO SAFE Framework's AEO status, in the shape of the EU Union Customs Code (art. 38-39):
programmes AEO-C (customs simplifications), AEO-S (security and safety) and AEO-F (both).
Every programme rests on customs compliance, record keeping and financial solvency; AEO-S
and AEO-F add security and safety. An authorisation may have no end date (it is monitored
and reassessed instead).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from oretrust.credentials._base import (
    CustomsTerritory,
    DidParty,
    HeldSubject,
    Period,
    Text,
    field_error,
)

__all__ = ["EXAMPLE_AEO", "AeoCriterion", "AuthorisedEconomicOperator"]


class AeoCriterion(StrEnum):
    """Criteria an operator meets to be authorised."""

    CUSTOMS_COMPLIANCE = "customs-compliance"
    """Compliance with customs and tax law, no serious criminal offences."""
    RECORD_KEEPING = "record-keeping"
    FINANCIAL_SOLVENCY = "financial-solvency"
    PRACTICAL_STANDARDS_OF_COMPETENCE = "practical-standards-of-competence"
    SAFETY_AND_SECURITY = "safety-and-security"


_BASE = (
    AeoCriterion.CUSTOMS_COMPLIANCE,
    AeoCriterion.RECORD_KEEPING,
    AeoCriterion.FINANCIAL_SOLVENCY,
)
_REQUIRED: dict[str, tuple[AeoCriterion, ...]] = {
    "AEO-C": _BASE,
    "AEO-S": (*_BASE, AeoCriterion.SAFETY_AND_SECURITY),
    "AEO-F": (*_BASE, AeoCriterion.SAFETY_AND_SECURITY),
}


class AuthorisedEconomicOperator(HeldSubject):
    """An operator's AEO authorisation from a customs administration."""

    holder_field: ClassVar[str] = "operator"

    aeo_number: Text = Field(description="Authorisation number, e.g. CDAEOC2026000142")
    programme: Literal["AEO-C", "AEO-S", "AEO-F"]
    criteria_met: Annotated[list[AeoCriterion], Field(min_length=1)]
    customs_territory: CustomsTerritory
    operator: DidParty = Field(description="The authorised operator")
    validity_period: Period

    @model_validator(mode="after")
    def _criteria_cover_programme(self) -> AuthorisedEconomicOperator:
        seen: set[AeoCriterion] = set()
        for index, criterion in enumerate(self.criteria_met):
            if criterion in seen:
                raise field_error(f"criteriaMet[{index}]", f"lists {criterion.value} twice")
            seen.add(criterion)
        missing = [c.value for c in _REQUIRED[self.programme] if c not in seen]
        if missing:
            raise field_error("criteriaMet", f"{self.programme} requires {', '.join(missing)}")
        return self

    def jurisdiction_code(self) -> str:
        """The customs territory (a country code, or ``EU``)."""
        return self.customs_territory


EXAMPLE_AEO: dict[str, Any] = {
    "aeoNumber": "CDAEOC2026000142",
    "programme": "AEO-C",
    "criteriaMet": [
        "customs-compliance",
        "record-keeping",
        "financial-solvency",
        "practical-standards-of-competence",
    ],
    "customsTerritory": "CD",
    "operator": {
        "id": "did:web:kivu-minerals.example",
        "name": "Kivu Minerals SARL",
        "registeredId": "CD/GOM/RCCM/14-B-1234",
    },
    "validityPeriod": {"startDate": "2026-02-01"},
}
"""A realistic subject, used in the published schema's ``examples`` and in tests."""

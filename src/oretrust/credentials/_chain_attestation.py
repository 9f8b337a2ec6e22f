"""``ChainAttestationCredential``: a lot's custody chain proven without naming who was on it.

A buyer needs to know that the lot it holds goes back to an origin certificate and that the
chain balances — not who the trader bought from. An institution the trust registry
accredits for this type (an auditor, or the registry operator itself) walks and verifies the
whole chain (:func:`oretrust.custody.verify_chain`), then attests what it found: the final
lot and its mass in its mineral's balancing basis, each origin certificate by id and SHA-256
with the mass the chain drew from it, and the holder — the last buyer. No intermediary
party, event or date is named.

The jurisdiction is the country of origin of the material (one per attestation): an auditor
is accredited to attest chains of lots from a country, as a ministry certifies their origin.
The holder binding of a presentation accepts the attestation in place of the custody events
(:mod:`oretrust.verifier._custody_binding`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from oretrust.credentials._base import CountryCode, Did, Part, SubjectModel, Text, Uri, field_error
from oretrust.credentials._codes import Mineral

__all__ = ["EXAMPLE_CHAIN_ATTESTATION", "AttestedOrigin", "BasisMass", "ChainAttestation"]

_SHA256 = r"^[0-9a-f]{64}$"


class BasisMass(Part):
    """A mass in kilograms in the basis the mineral balances in (wet, dry or contained)."""

    value: float = Field(gt=0, description="Kilograms")
    unit: Literal["kg"] = "kg"
    basis: Literal["wet", "dry", "contained"] = Field(
        description="wet as weighed, dry (less moisture) or contained metal (by grade)"
    )


class AttestedOrigin(Part):
    """An origin certificate the chain goes back to, and what the chain drew from it."""

    id: Uri = Field(description="The origin certificate's id")
    sha256: Annotated[str, Field(pattern=_SHA256)] = Field(
        description="Hex SHA-256 of the origin certificate exactly as issued (its JWS)"
    )
    drawn: BasisMass = Field(description="What the attested chain drew from the certificate")


class ChainAttestation(SubjectModel):
    """The attested chain: final lot, origins and balance, holder; no intermediaries."""

    id: Did | None = Field(default=None, description="The holder's DID (defaults to holder)")
    holder: Did = Field(description="The last buyer: who holds the final lot")
    lot_id: Text = Field(description="The final lot, by the id tagged on its bags")
    mineral: Mineral
    mass: BasisMass = Field(description="The final lot's mass in its mineral's basis")
    country_of_origin: CountryCode = Field(description="Where the origins' material was mined")
    origins: Annotated[list[AttestedOrigin], Field(min_length=1)]
    attested_at: AwareDatetime = Field(description="When the chain was verified and attested")

    @model_validator(mode="after")
    def _consistent(self) -> ChainAttestation:
        if self.id is None:
            self.id = self.holder
        elif self.id != self.holder:
            raise field_error("id", "must equal holder")
        bases = {origin.drawn.basis for origin in self.origins}
        if bases != {self.mass.basis}:
            raise field_error("origins", f"each draw must be in {self.mass.basis} terms too")
        return self

    def jurisdiction_code(self) -> str:
        """The country the attested material was mined in."""
        return self.country_of_origin

    def holder_id(self) -> str:
        """The last buyer's DID."""
        return self.holder


EXAMPLE_CHAIN_ATTESTATION: dict[str, Any] = {
    "holder": "did:web:baltic-cathode.example",
    "lotId": "BCR-2026-7781",
    "mineral": "cobalt",
    "mass": {"value": 2928.0, "unit": "kg", "basis": "contained"},
    "countryOfOrigin": "CD",
    "origins": [
        {
            "id": "urn:uuid:3f0c1e7a-5d2b-4c8e-9a61-7b2d4e8f0457",
            "sha256": "4d3c2b1a" * 8,
            "drawn": {"value": 2928.0, "unit": "kg", "basis": "contained"},
        }
    ],
    "attestedAt": "2026-11-20T09:00:00Z",
}
"""Baltic Cathode's lot goes back to Kivu's certificate: 2,928 kg cobalt drawn, no trader."""

"""``BusinessIdentityCredential``: a UNTP Digital Identity Anchor for a registered business.

A business register (e.g. the RCCM in the DR Congo) binds a company's registration number to
a DID the company controls. The subject is UNTP's ``RegisteredIdentity`` (DIA 0.6.0) with
one oretrust addition, ``jurisdiction``: the country whose register speaks. UNTP leaves
``RegisteredIdentity`` open to extra members; oretrust closes it, and requires
``registeredId`` and ``idScheme``, which UNTP leaves optional.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from oretrust.credentials._base import (
    CountryCode,
    Did,
    Part,
    SubjectModel,
    Text,
    Uri,
    contains,
    type_field,
)

__all__ = ["EXAMPLE_REGISTERED_IDENTITY", "IdentifierScheme", "RegisteredIdentity"]


class IdentifierScheme(Part):
    """The identifier scheme of a register (UNTP ``IdentifierScheme``)."""

    type: Annotated[list[str], contains("IdentifierScheme")] = type_field("IdentifierScheme")
    id: Uri = Field(description="Globally unique identifier of the scheme")
    name: Text


class RegisteredIdentity(SubjectModel):
    """A business as its register knows it, bound to the DID it controls (UNTP DIA 0.6.0)."""

    type: Annotated[list[str], contains("RegisteredIdentity")] = type_field("RegisteredIdentity")
    id: Did = Field(description="The DID controlled by the registered business")
    name: Text = Field(description="Registered legal name")
    registered_id: Text = Field(description="Registration number, unique within the register")
    id_scheme: IdentifierScheme
    register_type: Literal["Business"] = "Business"
    registration_scope_list: list[Uri] | None = Field(
        default=None, description="URIs of the registered activities or membership scopes"
    )
    jurisdiction: CountryCode = Field(description="Country of the register")

    def jurisdiction_code(self) -> str:
        """The country of the register."""
        return self.jurisdiction

    def holder_id(self) -> str:
        """The registered business's DID."""
        return self.id


EXAMPLE_REGISTERED_IDENTITY: dict[str, Any] = {
    "id": "did:web:kivu-minerals.example",
    "name": "Kivu Minerals SARL",
    "registeredId": "CD/GOM/RCCM/14-B-1234",
    "idScheme": {
        "id": "https://rccm.example/schemes/rccm-cd",
        "name": "Registre du Commerce et du Crédit Mobilier (RCCM), RD Congo",
    },
    "registerType": "Business",
    "registrationScopeList": ["https://rccm.example/activities/metal-ore-mining"],
    "jurisdiction": "CD",
}
"""A realistic subject, used in the published schema's ``examples`` and in tests."""

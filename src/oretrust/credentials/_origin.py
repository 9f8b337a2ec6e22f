"""``MineralOriginCertificate``: the producing country certifies where a lot was mined.

The subject is one exported lot: its identity, mineral and commercial form, mass and assay,
the site and licence it was mined under, the country of origin and export date, and the
exporter who holds the certificate. ``price`` and ``buyer`` are commercially sensitive
(sellers fear disclosing them): they are optional, and are the natural candidates for
selective disclosure.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from oretrust.credentials._base import (
    CountryCode,
    DidParty,
    HeldSubject,
    MineSite,
    Part,
    Party,
    Text,
)
from oretrust.credentials._codes import Mineral

__all__ = ["EXAMPLE_MINERAL_ORIGIN", "Assay", "Mass", "MineralOrigin", "Price"]

_FORMULA = r"^(?:[A-Z][a-z]?[0-9]*)+$"  # ASCII digits: a pattern's \d matches any script's


class Mass(Part):
    """A mass, strictly positive."""

    value: float = Field(gt=0)
    unit: Literal["kg", "t"] = Field(description="kilograms or metric tonnes")


class Assay(Part):
    """One assay result: the mass fraction of an element or oxide in the lot, in percent."""

    analyte: Annotated[str, Field(pattern=_FORMULA, max_length=16)] = Field(
        description="Element symbol or formula, e.g. Co, Cu, Li2O"
    )
    mass_fraction: float = Field(ge=0, le=100, description="Mass fraction in percent (0-100)")
    method: Text | None = Field(default=None, description="Analytical method, e.g. ICP-OES")


class Price(Part):
    """The invoiced value of the whole lot."""

    amount: float = Field(gt=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(description="ISO 4217 code")


class MineralOrigin(HeldSubject):
    """An exported lot of mineral and where it was mined."""

    holder_field: ClassVar[str] = "exporter"

    lot_id: Text = Field(description="Exporter's lot identifier, as tagged on the bags")
    mineral: Mineral
    commodity: Text = Field(description="Traded form, e.g. cobalt hydroxide, spodumene concentrate")
    mass: Mass
    moisture: float | None = Field(
        default=None, ge=0, lt=100, description="Moisture in percent of the wet mass (assay)"
    )
    assay: Annotated[list[Assay], Field(min_length=1)]
    mine_site: MineSite
    licence_number: Text = Field(description="Number of the licence the lot was mined under")
    country_of_origin: CountryCode
    export_date: date
    exporter: DidParty = Field(description="The exporter, who holds this certificate")
    price: Price | None = None
    buyer: Party | None = Field(default=None, description="The counterparty")

    def jurisdiction_code(self) -> str:
        """The country of origin."""
        return self.country_of_origin


EXAMPLE_MINERAL_ORIGIN: dict[str, Any] = {
    "lotId": "KVM-2026-LOT-0457",
    "mineral": "cobalt",
    "commodity": "cobalt hydroxide",
    "mass": {"value": 24.85, "unit": "t"},
    "moisture": 20.0,
    "assay": [
        {"analyte": "Co", "massFraction": 30.5, "method": "ICP-OES"},
        {"analyte": "Cu", "massFraction": 1.2, "method": "ICP-OES"},
    ],
    "mineSite": {
        "id": "https://cadastre.mines.example/sites/PE-13258",
        "name": "Kolwezi-Est open pit",
        "coordinates": {"latitude": -10.7167, "longitude": 25.4667},
    },
    "licenceNumber": "PE 13258",
    "countryOfOrigin": "CD",
    "exportDate": "2026-10-14",
    "exporter": {
        "id": "did:web:kivu-minerals.example",
        "name": "Kivu Minerals SARL",
        "registeredId": "CD/GOM/RCCM/14-B-1234",
    },
    "price": {"amount": 412000.0, "currency": "USD"},
    "buyer": {"id": "did:web:baltic-cathode.example", "name": "Baltic Cathode Refining Oy"},
}
"""A realistic subject, used in the published schema's ``examples`` and in tests."""

"""``CustodyTransferCredential``: a lot changes hands, or is processed into another.

The subject is one UNTP Digital Traceability Event (DTE 0.6.0): a ``TransactionEvent`` when a
seller hands lots to a buyer, a ``TransformationEvent`` when a processor turns input lots into
output lots (cobalt hydroxide into cobalt sulphate). It is issued by the party handing the lot
over (``sourceParty``, the seller or processor) with its own key: its standing comes from the
custody chain it extends — every input lot must be an output of a credential it derives from,
received by this same party — not from the trust registry.

Masses are what the trade weighs and assays: a wet mass, its moisture and the grade of the
paid metal in the dry mass, so a verifier can balance in wet, dry or contained terms as the
mineral calls for. UNTP's own ``quantityList`` (or input/output lists) is derived from them,
so the two can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from oretrust.credentials._base import (
    CountryCode,
    Did,
    Part,
    SubjectModel,
    Text,
    Uri,
    field_error,
)
from oretrust.credentials._codes import Mineral

__all__ = [
    "EXAMPLE_CUSTODY_TRANSFER",
    "CustodyEvent",
    "LotQuantity",
    "Quantity",
    "Reference",
    "lot_uri",
]

_SHA256 = r"^[0-9a-f]{64}$"
_KG = {"kg": 1.0, "t": 1000.0}
LOT_URI_PREFIX = "urn:oretrust:lot:"


def lot_uri(lot_id: str) -> str:
    """The product identifier UNTP's quantity lists carry for a lot."""
    return LOT_URI_PREFIX + lot_id


class Quantity(Part):
    """A weighed and assayed mass: wet, its moisture, and the paid metal's grade (dry basis)."""

    value: float = Field(gt=0, description="Wet mass as weighed")
    unit: Literal["kg", "t"]
    moisture: float | None = Field(
        default=None, ge=0, lt=100, description="Moisture in percent of the wet mass (assay)"
    )
    grade: float | None = Field(
        default=None, gt=0, le=100, description="Paid metal in percent of the dry mass (assay)"
    )

    def wet_kg(self) -> float:
        """The wet mass in kilograms."""
        return self.value * _KG[self.unit]

    def dry_kg(self) -> float | None:
        """The dry mass in kilograms, when the moisture is known."""
        return None if self.moisture is None else self.wet_kg() * (1 - self.moisture / 100)

    def contained_kg(self) -> float | None:
        """The contained metal in kilograms, when moisture and grade are known."""
        dry = self.dry_kg()
        return None if dry is None or self.grade is None else dry * self.grade / 100


class LotQuantity(Part):
    """A quantity of one lot, by the lot id tagged on its bags."""

    lot_id: Text
    mass: Quantity


class Reference(Part):
    """A credential this event derives from: its id and the SHA-256 of its compact JWS."""

    id: Uri
    sha256: Annotated[str, Field(pattern=_SHA256)] = Field(
        description="Hex SHA-256 of the referenced credential exactly as issued (its JWS)"
    )


class Place(Part):
    """Where the event happened."""

    name: Text
    country: CountryCode


class QuantityElement(Part):
    """UNTP's quantity element (derived from the lots; kilograms, UN/ECE code KGM)."""

    type: list[str] = Field(default_factory=lambda: ["QuantityElement"])
    product_id: Uri
    product_name: Text
    quantity: float
    uom: Literal["KGM"] = "KGM"


_Kind = Literal["TransactionEvent", "TransformationEvent"]


class CustodyEvent(SubjectModel):
    """One custody event: what left whose hands (``inputs``), what came out (``outputs``)."""

    kinds: ClassVar[tuple[str, ...]] = ("TransactionEvent", "TransformationEvent")

    type: list[str] = Field(description='["TransactionEvent", "Event"] or a TransformationEvent')
    id: Uri = Field(description="The event's own identifier (urn:uuid:…)")
    process_type: Text | None = Field(default=None, description="e.g. sale, refining")
    event_time: AwareDatetime
    action: Literal["observe", "add", "delete"] = "observe"
    biz_step: Uri | None = None
    biz_location: Uri | None = None
    source_party: Did = Field(description="Who hands the lots over (seller) or processes them")
    destination_party: Did | None = Field(
        default=None, description="Who receives them (the buyer); a processor keeps its outputs"
    )
    place: Place
    mineral: Mineral
    commodity: Text = Field(description="Traded form of the outputs, e.g. cobalt sulphate")
    inputs: Annotated[list[LotQuantity], Field(min_length=1)]
    outputs: Annotated[list[LotQuantity], Field(min_length=1)]
    declared_yield: float | None = Field(
        default=None, gt=0, le=100, description="Transformation: contained metal out ÷ in, %"
    )
    derived_from: Annotated[list[Reference], Field(min_length=1)]
    quantity_list: list[QuantityElement] | None = None
    input_quantity_list: list[QuantityElement] | None = None
    output_quantity_list: list[QuantityElement] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CustodyEvent:
        kind = self.kind()
        if "Event" not in self.type:
            raise field_error("type", "must contain Event")
        if kind == "TransactionEvent":
            if self.destination_party is None:
                raise field_error("destinationParty", "a transaction names its buyer")
            if self.destination_party == self.source_party:
                raise field_error("destinationParty", "must differ from sourceParty")
            if self.declared_yield is not None:
                raise field_error("declaredYield", "only a transformation declares a yield")
        elif self.declared_yield is None:
            raise field_error("declaredYield", "a transformation declares its yield")
        self._derive_untp_quantities(kind)
        return self

    def kind(self) -> str:
        """``TransactionEvent`` or ``TransformationEvent``."""
        found = [kind for kind in self.kinds if kind in self.type]
        if len(found) != 1:
            raise field_error("type", "must contain exactly one of " + ", ".join(self.kinds))
        return found[0]

    def _derive_untp_quantities(self, kind: _Kind | str) -> None:
        derived = {
            "quantity_list": self.outputs if kind == "TransactionEvent" else None,
            "input_quantity_list": self.inputs if kind == "TransformationEvent" else None,
            "output_quantity_list": self.outputs if kind == "TransformationEvent" else None,
        }
        for name, lots in derived.items():
            expected = None if lots is None else [self._element(lot) for lot in lots]
            given = getattr(self, name)
            if given is not None and given != expected:
                raise field_error(_camel(name), "is derived from the lots: leave it out")
            setattr(self, name, expected)

    def _element(self, lot: LotQuantity) -> QuantityElement:
        return QuantityElement.model_validate(
            {
                "productId": lot_uri(lot.lot_id),
                "productName": f"{self.commodity}, lot {lot.lot_id}",
                "quantity": lot.mass.wet_kg(),
            }
        )

    def jurisdiction_code(self) -> str:
        """The country where the event happened."""
        return self.place.country

    def holder_id(self) -> str:
        """Who holds the outputs afterwards: the buyer, or the processor itself."""
        return self.destination_party or self.source_party

    def issued_by(self) -> str:
        """The party that must issue (sign) this event: the one handing the lots over."""
        return self.source_party

    def occurred_at(self) -> datetime:
        """When the event happened (as its issuer says)."""
        return self.event_time


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


EXAMPLE_CUSTODY_TRANSFER: dict[str, Any] = {
    "type": ["TransactionEvent", "Event"],
    "id": "urn:uuid:0b7f6c62-8f5e-4d53-a1c4-5b1d2a9f0457",
    "processType": "sale",
    "eventTime": "2026-10-20T08:00:00Z",
    "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
    "sourceParty": "did:web:kivu-minerals.example",
    "destinationParty": "did:web:lualaba-trading.example",
    "place": {"name": "Kolwezi weighbridge", "country": "CD"},
    "mineral": "cobalt",
    "commodity": "cobalt hydroxide",
    "inputs": [
        {
            "lotId": "KVM-2026-LOT-0457",
            "mass": {"value": 12.0, "unit": "t", "moisture": 20.0, "grade": 30.5},
        }
    ],
    "outputs": [
        {
            "lotId": "LMT-2026-0091",
            "mass": {"value": 12.0, "unit": "t", "moisture": 20.0, "grade": 30.5},
        }
    ],
    "derivedFrom": [
        {
            "id": "urn:uuid:3f0c1e7a-5d2b-4c8e-9a61-7b2d4e8f0457",
            "sha256": "4d3c2b1a" * 8,
        }
    ],
}
"""Kivu Minerals sells 12 t (wet) of lot 0457 to Lualaba Metals Trading."""

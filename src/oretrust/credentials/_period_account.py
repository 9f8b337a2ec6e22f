"""``PeriodAccountCredential``: a refiner's mass balance over an accounting period.

A refinery mixes what it buys: it cannot say which supplier's lot became which output lot, so
it balances over a period instead of lot by lot (the ISO 22095 *mass balance* model that the
OECD guidance and responsible-sourcing schemes accept, over at most twelve months). The
account lists the lots it took in during the period — each an output, put in its hands, of a
credential it derives from (by id and SHA-256, like a custody event) — and the lots it drew
out of the account. What it draws out may not exceed what it took in (within the mineral's
tolerance; with ``declaredYield`` when the refinery processes, in contained metal), and a
custody event that sells an output lot derives from the account instead of from a supplier's
lot, so the buyer's chain walks through the account back to every origin it balances on.

The account is self-issued by the account holder, like custody events: its standing comes from
the verified chain behind it, not from the trust registry. Every date it covers is checked
against the events it derives from: what was taken in, and what is drawn out, must fall within
the period (:mod:`oretrust.custody.balance`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, model_validator

from oretrust.credentials._base import Did, SubjectModel, Text, field_error
from oretrust.credentials._codes import Mineral
from oretrust.credentials._custody import LotQuantity, Place, Reference

__all__ = ["EXAMPLE_PERIOD_ACCOUNT", "MAX_PERIOD_MONTHS", "PeriodAccount", "period_limit"]

MAX_PERIOD_MONTHS = 12


def period_limit(start: datetime) -> datetime:
    """The latest end of a period that starts at ``start``: twelve calendar months on (the
    29th of February runs to the 28th)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


class PeriodAccount(SubjectModel):
    """One account holder's mass balance of one mineral over one period."""

    id: Did | None = Field(default=None, description="The account holder's DID (defaults to it)")
    account_holder: Did = Field(description="The refinery (or trader) keeping the account")
    facility: Place = Field(description="Where the material is mixed and processed")
    mineral: Mineral
    commodity: Text = Field(description="Traded form of the outputs, e.g. cobalt sulphate")
    period_start: AwareDatetime
    period_end: AwareDatetime
    inputs: Annotated[list[LotQuantity], Field(min_length=1)] = Field(
        description="Lots taken into the account during the period"
    )
    outputs: Annotated[list[LotQuantity], Field(min_length=1)] = Field(
        description="Lots drawn out of the account during the period"
    )
    declared_yield: float | None = Field(
        default=None, gt=0, le=100, description="When processing: contained metal out ÷ in, %"
    )
    derived_from: Annotated[list[Reference], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> PeriodAccount:
        if self.id is None:
            self.id = self.account_holder
        elif self.id != self.account_holder:
            raise field_error("id", "must equal accountHolder")
        if self.period_end <= self.period_start:
            raise field_error("periodEnd", "must be after periodStart")
        if self.period_end > period_limit(self.period_start):
            raise field_error(
                "periodEnd", f"an accounting period is at most {MAX_PERIOD_MONTHS} months"
            )
        return self

    def jurisdiction_code(self) -> str:
        """The country of the facility keeping the account."""
        return self.facility.country

    def holder_id(self) -> str:
        """The account holder: it holds the output lots it draws out."""
        return self.account_holder

    def issued_by(self) -> str:
        """The account holder signs its own account."""
        return self.account_holder


EXAMPLE_PERIOD_ACCOUNT: dict[str, Any] = {
    "accountHolder": "did:web:baltic-cathode.example",
    "facility": {"name": "Baltic Cathode refinery, Kokkola", "country": "FI"},
    "mineral": "cobalt",
    "commodity": "cobalt sulphate",
    "periodStart": "2026-07-01T00:00:00Z",
    "periodEnd": "2026-12-31T23:59:59Z",
    "inputs": [
        {
            "lotId": "BCR-IN-2026-0091",
            "mass": {"value": 12.0, "unit": "t", "moisture": 20.0, "grade": 30.5},
        }
    ],
    "outputs": [
        {
            "lotId": "BCR-SUL-2026-0007",
            "mass": {"value": 13.0, "unit": "t", "moisture": 0.5, "grade": 20.5},
        }
    ],
    "declaredYield": 94.0,
    "derivedFrom": [
        {"id": "urn:uuid:0b7f6c62-8f5e-4d53-a1c4-5b1d2a9f0457", "sha256": "4d3c2b1a" * 8}
    ],
}
"""Baltic Cathode's second half of 2026: one hydroxide lot in, sulphate drawn out at 94 %."""
